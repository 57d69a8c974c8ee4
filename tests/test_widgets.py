"""Building blocks shared by the screens."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.common.widgets import clear_layout, label


def test_clear_layout_deletes_rows_stretches_and_nested_layouts(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    rows = [label(f"Dòng {n}") for n in range(5)]
    for row in rows:
        layout.addWidget(row)
    layout.addStretch(1)
    inner = QHBoxLayout()
    inner_label = label("Họ và tên")
    inner.addWidget(inner_label)
    layout.addLayout(inner)
    items = [layout.itemAt(n) for n in range(layout.count())]

    clear_layout(layout)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    assert layout.count() == 0
    # A layout item left alive after takeAt() is memory no one frees, session after session.
    assert [shiboken6.isValid(item) for item in items] == [False] * len(items)
    assert not any(shiboken6.isValid(widget) for widget in [*rows, inner_label])

"""Asking before the End button throws a half-filled form away.

A resident who taps "Kết thúc" on a form step or the review would lose every answer; the kiosk asks first,
with the safe choice (go on with the application) as the large primary button. Anywhere else, and once the
dossier is stored, End ends the session at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.i18n import tr
from kiosk.journey.screens import Screen
from ui.common.widgets import OverlayDialog, button, label, set_button_text

# Screens where answers exist that End would throw away.
LOSES_ANSWERS = frozenset({Screen.STEP, Screen.REVIEW})


class EndConfirm(OverlayDialog):
    """The question over the whole window: go on (primary) or end and forget the answers."""

    def __init__(self, parent: QWidget, on_end: Callable[[], None]) -> None:
        super().__init__(parent, "end.overlay")
        self.question = label("", "end.question", "title")
        self.detail = label("", "end.detail")
        self.keep = button("", "end.keep", "primary")
        self.keep.setMinimumHeight(100)
        self.keep.clicked.connect(self.hide)
        self.end = button("", "end.confirm")
        self.end.clicked.connect(on_end)
        row = QHBoxLayout()
        row.addWidget(self.end)
        row.addStretch(1)
        row.addWidget(self.keep)
        self.inner.addWidget(self.question)
        self.inner.addWidget(self.detail)
        self.inner.addLayout(row)

    def ask(self, lang: str) -> None:
        self.question.setText(tr("end.question", lang))
        self.detail.setText(tr("end.detail", lang))
        set_button_text(self.keep, tr("end.keep", lang))
        set_button_text(self.end, tr("end.confirm", lang))
        self.cover()

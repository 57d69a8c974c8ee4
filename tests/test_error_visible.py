"""After "Tiếp tục" with a mistake, the resident sees what is wrong: the field's message is on screen, above the
on-screen keyboard, not scrolled away or covered."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.exceptions import TimeoutError as QtBotTimeout
from pytestqt.qtbot import QtBot

from kiosk.journey.machine import Screen
from tests.qt_helpers import click, make_runtime
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

CERTIFIED_COPY = "2.000815.000.00.00.H26"
BIRTH = "1.001193.000.00.00.H26"


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def fully_shown(widget: QWidget) -> bool:
    """All of `widget` is drawn: no scroll area clips any of it."""
    region = widget.visibleRegion()
    return not region.isEmpty() and region.boundingRect().size() == widget.size()


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    ensure_app()
    win = KioskWindow(make_runtime())
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.shutdown()
    win.runtime.close()


@pytest.mark.parametrize("code", [CERTIFIED_COPY, BIRTH])
def test_the_first_wrong_fields_message_is_visible_above_the_keyboard(qtbot: QtBot, window: KioskWindow,
                                                                    code: str) -> None:
    for name in ("attract.start", "home.do", f"procedure.{code}", "overview.start", "consent.agree"):
        click(qtbot, window, name)
    assert window.journey.screen is Screen.STEP
    click(qtbot, window, "step.next")  # nothing filled in: the required fields are wrong
    assert window.journey.session.errors
    qtbot.waitUntil(window.input.keyboard.isVisible, timeout=3000)  # opened on the first wrong field
    first = next(f for f in window.journey.session.errors)
    message = window.findChild(QLabel, f"error.{first}")
    assert message is not None and message.isVisible() and message.text()
    with contextlib.suppress(QtBotTimeout):  # the keyboard scrolls the field into view by a queued call
        qtbot.waitUntil(lambda: fully_shown(message), timeout=1000)
    assert fully_shown(message), f"the message of {first} is scrolled out of view"
    assert not global_rect(message).intersects(global_rect(window.input.keyboard)), "the keyboard covers it"

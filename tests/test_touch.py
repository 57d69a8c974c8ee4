"""Touch: a finger dragged over a list scrolls it, as on a phone; a tap still presses the button under it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QScroller, QWidget
from pytestqt.qtbot import QtBot

from kiosk.journey.machine import ChooseMode, Mode, Screen, Touch
from kiosk.settings.config import KioskSettings, Settings
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import click
from ui.shell.window import KioskWindow


def drag(widget: QWidget, start: QPointF, end: QPointF, steps: int = 12) -> None:
    """Press, move in `steps` and release, as a touch screen that reports itself as a mouse does."""

    def send(kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for step in range(1, steps + 1):
        send(QEvent.Type.MouseMove, start + (end - start) * (step / steps), Qt.MouseButton.LeftButton)
        QApplication.processEvents()
    send(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_dragging_the_procedure_list_scrolls_it_and_a_tap_still_opens_a_procedure(
    qtbot: QtBot, window: KioskWindow
) -> None:
    window.send(Touch())
    window.send(ChooseMode(Mode.DO))
    assert window.journey.screen is Screen.PROCEDURES
    area = window.current_view().findChild(QScrollArea, "procedures.scroll")
    assert area is not None
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    viewport = area.viewport()
    drag(viewport, QPointF(300, viewport.height() - 20), QPointF(300, 20))
    qtbot.waitUntil(lambda: bar.value() > 100, timeout=3000)  # the list moved with the finger
    scroller = QScroller.scroller(viewport)
    qtbot.waitUntil(lambda: scroller.state() is QScroller.State.Inactive, timeout=5000)  # the list came to rest
    tiles = [(code, window.findChild(QPushButton, f"procedure.{code}"))
             for code in (p.code for p in window.runtime.catalog.procedures)]
    in_view = next(code for code, tile in tiles if tile is not None and not tile.visibleRegion().isEmpty()
                   and tile.visibleRegion().boundingRect().height() == tile.height())
    click(qtbot, window, f"procedure.{in_view}")
    assert window.journey.screen is Screen.OVERVIEW
    assert window.journey.procedure is not None and window.journey.procedure.code == in_view


def test_a_tap_just_after_the_screen_changed_is_not_taken_for_the_next_screen(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    """A triple tap on "Touch to start": the taps after the first land on the home screen and must do nothing
    there; a moment later the home screen answers taps as usual."""
    window = make_window(Settings(kiosk=KioskSettings(tap_guard_ms=300)))
    click(qtbot, window, "attract.start")
    assert window.journey.screen is Screen.HOME
    click(qtbot, window, "home.do")  # the second tap of a triple tap
    assert window.journey.screen is Screen.HOME
    qtbot.wait(400)
    click(qtbot, window, "home.do")
    assert window.journey.screen is Screen.PROCEDURES

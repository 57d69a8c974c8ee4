"""Lockdown: the keys, menus, drags and closes a resident might use to leave the kiosk do nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.journey.machine import Screen
from kiosk.settings.config import KioskSettings, Settings
from tests.qt_fixtures import WindowFactory
from ui.shell.window import KioskWindow

Key = Qt.Key
Mod = Qt.KeyboardModifier
ESCAPES = [
    (Key.Key_F4, Mod.AltModifier),
    (Key.Key_Q, Mod.ControlModifier),
    (Key.Key_W, Mod.ControlModifier),
    (Key.Key_Tab, Mod.AltModifier),
    (Key.Key_Escape, Mod.NoModifier),
    (Key.Key_F11, Mod.NoModifier),
]


class KeyRecorder(QObject):
    """Notes the keys that get past the application's filters to one widget."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.keys: list[int] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if isinstance(event, QKeyEvent) and event.type() is QEvent.Type.KeyPress:
            self.keys.append(event.key())
        return False


def touch_kiosk(touch_mode: bool = True) -> Settings:
    return Settings(kiosk=KioskSettings(touch_mode=touch_mode))


@pytest.fixture
def window(make_window: WindowFactory) -> KioskWindow:
    """A touch kiosk's window, locked down before it is first shown (as the kiosk starts)."""
    return make_window(touch_kiosk(), engage=True)


def to_first_field(qtbot: QtBot, win: KioskWindow) -> QLineEdit:
    for name in ("attract.start", "home.do"):
        button = win.findChild(QPushButton, name)
        assert button is not None
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    code = win.runtime.catalog.procedures[0].code
    for name in (f"procedure.{code}", "overview.start", "consent.agree"):
        button = win.findChild(QPushButton, name)
        assert button is not None, name
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert win.journey.screen is Screen.STEP
    field = next(e for e in win.findChildren(QLineEdit) if e.isVisible() and e.objectName().startswith("field."))
    field.setFocus()
    return field


def test_engaged_window_is_frameless_and_on_top_with_hidden_cursor(window: KioskWindow) -> None:
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    cursor = QGuiApplication.overrideCursor()
    assert cursor is not None and cursor.shape() is Qt.CursorShape.BlankCursor
    window.shutdown()
    assert QGuiApplication.overrideCursor() is None  # given back when the kiosk stops


def test_cursor_stays_when_not_in_touch_mode(make_window: WindowFactory) -> None:
    make_window(touch_kiosk(touch_mode=False), engage=True)
    assert QGuiApplication.overrideCursor() is None


@pytest.mark.parametrize(("key", "mods"), ESCAPES)
def test_escape_keys_never_reach_the_kiosk_or_its_shortcuts(
    qtbot: QtBot, window: KioskWindow, key: Qt.Key, mods: Qt.KeyboardModifier
) -> None:
    field = to_first_field(qtbot, window)
    fired: list[str] = []
    # What a toolkit default or a careless future change might bind: it must never fire.
    shortcut = QShortcut(QKeySequence(key.value | mods.value), window)
    shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcut.activated.connect(lambda: fired.append("shortcut"))
    received = KeyRecorder(field)
    QTest.keyClick(field, key, mods)
    handle = window.windowHandle()
    assert handle is not None
    QTest.keyClick(handle, key, mods)  # as the window system delivers it
    assert fired == []
    assert key not in received.keys
    assert window.isVisible()
    assert window.journey.screen is Screen.STEP


def test_ordinary_typing_still_works(qtbot: QtBot, window: KioskWindow) -> None:
    field = to_first_field(qtbot, window)
    QTest.keyClicks(field, "An")
    QTest.keyClick(field, Key.Key_Tab)
    assert field.text() == "An"


def test_close_is_refused_until_the_technician_allows_exit(qtbot: QtBot, window: KioskWindow) -> None:
    assert window.close() is False
    assert window.isVisible()
    window.allow_exit()
    assert window.close() is True
    assert not window.isVisible()


def test_window_left_unlocked_when_not_engaged_can_close(make_window: WindowFactory) -> None:
    win = make_window(touch_kiosk())
    assert win.close() is True


def test_context_menus_are_swallowed(qtbot: QtBot, window: KioskWindow) -> None:
    field = to_first_field(qtbot, window)
    plain = QLineEdit(window.stack.currentWidget())  # a field that keeps Qt's default menu policy
    plain.show()
    for target in (field, plain, window):
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), target.mapToGlobal(QPoint(5, 5)))
        QApplication.sendEvent(target, event)
        assert QApplication.activePopupWidget() is None


def test_text_dropped_on_a_field_is_refused(qtbot: QtBot, window: KioskWindow) -> None:
    field = to_first_field(qtbot, window)
    field.setText("")
    data = QMimeData()
    data.setText("dragged")
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(field, drop)
    assert field.text() == ""
    assert not window.acceptDrops()


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_window_takes_the_focus_back_from_a_stray_window(qtbot: QtBot, window: KioskWindow) -> None:
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    stray = QWidget()  # a window of something else (an error dialog of a library, a plug-in)
    qtbot.addWidget(stray)
    stray.show()
    stray.activateWindow()
    assert QTest.qWaitForWindowActive(stray)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    stray.close()


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_staff_dialog_of_the_kiosk_keeps_the_focus(qtbot: QtBot, window: KioskWindow) -> None:
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    dialog = QWidget(window, Qt.WindowType.Dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    qtbot.waitUntil(lambda: not window.lockdown.reraise_timer.isActive(), timeout=3000)
    window.lockdown.reclaim()
    assert QApplication.activeWindow() is dialog
    dialog.close()

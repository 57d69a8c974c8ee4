"""Staff entry on the screen: the corner gesture and the PIN pad (the PIN rules and the lockout themselves:
tests/test_staff_auth.py)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.journey.machine import Reset, Screen
from kiosk.security.staff_auth import MAX_FAILURES, StaffAuth
from kiosk.workdays.clock import ManualClock
from tests.qt_helpers import visible_texts
from ui.shell.window import KioskWindow

# --- the UI: gesture and pad -----------------------------------------------------------------------------


def tap(win: KioskWindow, x: int, y: int) -> None:
    """A press and release as the window system delivers it (to the window, then the widget under it)."""
    handle = win.windowHandle()
    assert handle is not None
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))


def corner_taps(win: KioskWindow, n: int = 5, gap: float = 0.5) -> None:
    clock = win.runtime.clock
    assert isinstance(clock, ManualClock)
    for _ in range(n):
        tap(win, win.width() - 6, 4)  # the very corner, outside the top bar's buttons
        clock.advance(gap)


def pad_button(win: KioskWindow, name: str) -> QPushButton:
    found = win.findChild(QPushButton, name)
    assert found is not None, name
    return found


def type_pin(qtbot: QtBot, win: KioskWindow, pin: str) -> None:
    for digit in pin:
        QTest.mouseClick(pad_button(win, f"pin.{digit}"), Qt.MouseButton.LeftButton)
    QTest.mouseClick(pad_button(win, "pin.ok"), Qt.MouseButton.LeftButton)


def pad_text(win: KioskWindow) -> str:
    return "\n".join(visible_texts(win.staff_entry.pad))


def test_five_corner_taps_open_the_pad_without_starting_a_session(window: KioskWindow) -> None:
    corner_taps(window, 4)
    assert not window.staff_entry.pad.isVisible()
    corner_taps(window, 1)
    pad = window.staff_entry.pad
    assert pad.isVisible()
    assert window.journey.screen is Screen.ATTRACT  # the taps did not start a session
    for name in [f"pin.{d}" for d in range(10)] + ["pin.ok", "pin.cancel"]:
        button = pad_button(window, name)
        assert button.isVisible()
        assert button.height() >= 80, name  # big enough for a finger


def test_touches_count_once_each(window: KioskWindow) -> None:
    """A touch reaches the window twice (as a touch, then as the mouse press Qt makes of it)."""
    device = QTest.createTouchDevice()
    handle = window.windowHandle()
    assert handle is not None
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    corner = QPoint(window.width() - 6, 4)
    for n in range(1, 6):
        QTest.touchEvent(handle, device).press(0, corner).commit()
        QTest.touchEvent(handle, device).release(0, corner).commit()
        clock.advance(0.3)
        assert window.staff_entry.pad.isVisible() is (n == 5), n
    assert window.journey.screen is Screen.ATTRACT


def test_slow_taps_or_taps_elsewhere_do_not_open_the_pad(window: KioskWindow) -> None:
    corner_taps(window, 5, gap=1.0)  # five taps over four seconds
    assert not window.staff_entry.pad.isVisible()
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(10)
    corner_taps(window, 3, gap=0.2)
    tap(window, 400, 400)  # a tap in the middle starts again from zero (and starts a session)
    corner_taps(window, 2, gap=0.2)
    assert not window.staff_entry.pad.isVisible()


def test_the_language_button_in_the_corner_still_works_alone(qtbot: QtBot, window: KioskWindow) -> None:
    language = pad_button(window, "nav.language")
    centre = language.mapTo(window, language.rect().center())
    assert window.staff_entry.in_corner(QPointF(centre))
    tap(window, centre.x(), centre.y())
    assert window.journey.session.lang == "vi"  # not yet: it might be the start of the gesture
    qtbot.waitUntil(lambda: window.journey.session.lang == "en", timeout=2000)
    assert window.journey.screen is Screen.ATTRACT


def test_taps_on_the_language_button_make_the_gesture_without_toggling_it(qtbot: QtBot,
                                                                          window: KioskWindow) -> None:
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    for _ in range(5):
        tap(window, window.width() - 30, 30)  # where a finger lands: on the language button
        clock.advance(0.3)
    assert window.staff_entry.pad.isVisible()
    qtbot.wait(500)
    assert window.journey.session.lang == "vi"
    assert window.journey.screen is Screen.ATTRACT


def test_the_gesture_works_on_any_screen(qtbot: QtBot, window: KioskWindow) -> None:
    QTest.mouseClick(pad_button(window, "attract.start"), Qt.MouseButton.LeftButton)
    assert window.journey.screen is Screen.HOME
    corner_taps(window, 5, gap=0.1)
    assert window.staff_entry.pad.isVisible()


def test_pad_says_when_no_pin_is_provisioned(window: KioskWindow) -> None:
    corner_taps(window)
    text = pad_text(window)
    assert "kiosk provision" in text
    assert not pad_button(window, "pin.5").isEnabled()


def test_right_pin_emits_authenticated_with_the_role(qtbot: QtBot, window: KioskWindow) -> None:
    auth = window.staff_entry.auth
    auth.set_pin("staff", "482916")
    auth.set_pin("technician", "73051842")
    corner_taps(window)
    assert "Nhập mã PIN" in pad_text(window)
    with qtbot.waitSignal(window.staff_entry.authenticated, timeout=2000) as signal:
        type_pin(qtbot, window, "482916")
    assert signal.args == ["staff"]
    assert not window.staff_entry.pad.isVisible()
    corner_taps(window)
    with qtbot.waitSignal(window.staff_entry.authenticated, timeout=2000) as signal:
        type_pin(qtbot, window, "73051842")
    assert signal.args == ["technician"]


def test_the_pad_masks_digits_and_forgets_them_on_cancel(qtbot: QtBot, window: KioskWindow) -> None:
    window.staff_entry.auth.set_pin("staff", "482916")
    corner_taps(window)
    for digit in "4829":
        QTest.mouseClick(pad_button(window, f"pin.{digit}"), Qt.MouseButton.LeftButton)
    assert window.staff_entry.pad.display.text() == "●●●●"
    assert "4829" not in pad_text(window)
    QTest.mouseClick(pad_button(window, "pin.cancel"), Qt.MouseButton.LeftButton)
    assert not window.staff_entry.pad.isVisible()
    corner_taps(window)
    assert window.staff_entry.pad.display.text() == ""


def test_wrong_pins_on_the_pad_lock_it_and_the_lock_survives_a_new_window(qtbot: QtBot, window: KioskWindow) -> None:
    window.staff_entry.auth.set_pin("staff", "482916")
    corner_taps(window)
    with qtbot.assertNotEmitted(window.staff_entry.authenticated):
        type_pin(qtbot, window, "111111")
        assert "Còn 4 lần thử" in pad_text(window)
        for _ in range(MAX_FAILURES - 1):
            type_pin(qtbot, window, "111111")
    assert "thử lại sau 1 phút" in pad_text(window)
    assert not pad_button(window, "pin.4").isEnabled()

    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    restarted = StaffAuth(clock)  # what a restarted kiosk would read
    assert restarted.locked_for() > 0
    clock.advance(timedelta(minutes=5).total_seconds() + 1)
    assert restarted.locked_for() == 0


def test_the_pad_closes_by_itself_and_on_a_reset(qtbot: QtBot, window: KioskWindow) -> None:
    corner_taps(window)
    entry = window.staff_entry
    assert entry.timeout.isActive()
    entry.timeout.timeout.emit()  # as if thirty seconds passed with no key pressed
    assert not entry.pad.isVisible()
    assert not entry.timeout.isActive()
    QTest.mouseClick(pad_button(window, "attract.start"), Qt.MouseButton.LeftButton)
    corner_taps(window, gap=0.1)
    assert entry.pad.isVisible()
    window.send(Reset("idle"))
    assert not entry.pad.isVisible()
    assert window.journey.screen is Screen.ATTRACT


def test_a_broken_keyring_is_reported_on_the_pad(window: KioskWindow) -> None:
    path = Path(os.environ["KIOSK_KEYRING_DIR"]) / "secrets.json"  # the test keyring (tests/conftest.py)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[broken")
    corner_taps(window)
    assert "gọi kỹ thuật viên" in pad_text(window)

"""Staff entry: PIN hashes in the keyring, the lockout across restarts, the corner gesture and the PIN pad."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.files import paths
from kiosk.journey.machine import Reset, Screen
from kiosk.security import secrets
from kiosk.security.staff_auth import LOCKOUT_STEPS, MAX_FAILURES, PinError, StaffAuth, lockout_seconds
from kiosk.workdays.clock import ManualClock
from tests.qt_helpers import visible_texts
from ui.shell.window import KioskWindow

# --- the core: hashes and lockout --------------------------------------------------------------------


def test_pins_are_stored_as_salted_scrypt_hashes_never_in_clear() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", "482916")
    auth.set_pin("technician", "73051842")
    staff = keyring.get_password(secrets.SERVICE, secrets.STAFF_PIN_HASH)
    tech = keyring.get_password(secrets.SERVICE, secrets.TECH_PIN_HASH)
    assert staff is not None and staff.startswith("scrypt$") and "482916" not in staff
    assert tech is not None and tech.startswith("scrypt$") and "73051842" not in tech
    again = StaffAuth(ManualClock())
    again.set_pin("staff", "482916")
    assert keyring.get_password(secrets.SERVICE, secrets.STAFF_PIN_HASH) != staff  # a fresh salt each time
    assert auth.verify("482916") == "staff"
    assert auth.verify("73051842") == "technician"
    assert auth.verify("000000") is None


def test_pin_shape_and_distinct_roles_are_enforced() -> None:
    auth = StaffAuth(ManualClock())
    for bad in ("12", "4829", "48291", "1234567890123", "12a456", "１２３４５６"):
        with pytest.raises(PinError, match="6 to 12 digits"):
            auth.set_pin("staff", bad)
    auth.set_pin("technician", "739184")
    with pytest.raises(PinError):
        auth.set_pin("staff", "739184")


@pytest.mark.parametrize("weak", ["000000", "111111", "999999999", "123456", "654321", "234567", "890123",
                                  "121212", "123123", "987987", "112233", "159753", "10101010", "696969"])
def test_easily_guessed_pins_are_refused(weak: str) -> None:
    with pytest.raises(PinError, match="too easy to guess"):
        StaffAuth(ManualClock()).set_pin("staff", weak)
    assert keyring.get_password(secrets.SERVICE, secrets.STAFF_PIN_HASH) is None


def test_nothing_provisioned_accepts_no_pin_and_counts_nothing() -> None:
    auth = StaffAuth(ManualClock())
    assert not auth.provisioned()
    for _ in range(MAX_FAILURES + 2):
        assert auth.verify("1234") is None
    assert auth.failures() == 0 and auth.locked_for() == 0


def test_five_wrong_pins_lock_for_a_minute_across_a_restart() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", "482916")
    for n in range(1, MAX_FAILURES):
        assert auth.verify("111111") is None
        assert auth.failures() == n
    assert auth.verify("222222") is None
    assert auth.locked_for() == pytest.approx(60)

    restarted = StaffAuth(clock)  # a new process: only the state file remains
    assert restarted.locked_for() == pytest.approx(60)
    assert restarted.verify("482916") is None  # even the right PIN waits
    clock.advance(59)
    assert StaffAuth(clock).verify("482916") is None
    clock.advance(2)
    fresh = StaffAuth(clock)
    assert fresh.locked_for() == 0
    assert fresh.verify("482916") == "staff"
    assert fresh.failures() == 0


def test_brute_force_meets_a_growing_lockout_that_a_restart_does_not_reset() -> None:
    clock = ManualClock()
    StaffAuth(clock).set_pin("staff", "482916")
    lockouts: list[float] = []
    guess = 100000
    for _ in range(MAX_FAILURES + 6):
        auth = StaffAuth(clock)  # every guess in a freshly restarted kiosk
        if auth.locked_for() > 0:
            assert auth.verify("482916") is None  # not even checked while locked
            clock.advance(auth.locked_for() + 1)
            auth = StaffAuth(clock)
        guess += 7919
        assert auth.verify(str(guess)) is None
        if auth.locked_for() > 0:
            lockouts.append(auth.locked_for())
    assert lockouts == pytest.approx([60, 300, 1800, 7200, 7200, 7200, 7200])
    assert StaffAuth(clock).failures() == MAX_FAILURES + 6  # the count never went back to zero
    assert StaffAuth(clock).tries_left() == 1


def test_pins_are_checked_and_counted_when_the_lockout_cannot_be_saved(tmp_path: Path) -> None:
    clock = ManualClock()
    StaffAuth(clock).set_pin("staff", "482916")
    # The temporary file beside this name would be longer than any file name may be: every write fails,
    # as on a full disk, while reading still works.
    unwritable = tmp_path / ("s" * 250)
    auth = StaffAuth(clock, state_path=unwritable)
    for _ in range(MAX_FAILURES):
        assert auth.verify("000001") is None  # no exception
    assert not unwritable.exists()
    assert auth.locked_for() == pytest.approx(LOCKOUT_STEPS[0])  # fail closed: the lockout holds in memory
    assert auth.verify("482916") is None
    clock.advance(LOCKOUT_STEPS[0] + 1)
    assert auth.verify("482916") == "staff"  # and staff still get in


def test_success_clears_the_count_of_wrong_pins() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", "482916")
    for _ in range(MAX_FAILURES - 1):
        auth.verify("000000")
    assert auth.verify("482916") == "staff"
    for _ in range(MAX_FAILURES - 1):
        auth.verify("000000")
    assert auth.locked_for() == 0


def test_a_clock_set_back_cannot_stretch_the_lockout() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", "482916")
    state = auth.state_path
    state.write_text(json.dumps({"failures": 0, "locked_until": clock.now().timestamp() + 10 * 86400}))
    assert StaffAuth(clock).locked_for() == pytest.approx(LOCKOUT_STEPS[0])


def test_a_corrupted_lockout_file_locks_rather_than_opens() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", "482916")
    (paths.state_dir() / "staff-entry.json").write_text("{not json")
    assert StaffAuth(clock).locked_for() == pytest.approx(lockout_seconds(MAX_FAILURES + 1))
    clock.advance(lockout_seconds(MAX_FAILURES + 1) + 1)
    assert StaffAuth(clock).verify("482916") == "staff"


def test_the_lockout_lives_in_the_state_directory() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", "482916")
    auth.verify("000000")
    assert auth.state_path.parent == paths.state_dir()
    assert "482916" not in auth.state_path.read_text() and "000000" not in auth.state_path.read_text()


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

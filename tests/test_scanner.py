"""USB scanner bursts: told apart from typing by timing, routed to what expects them, never typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import SAMPLE_ID_CARD
from kiosk.input.scanner import BurstDetector, BurstPolicy, ScanKind, classify_scan, receipt_reference
from kiosk.journey.machine import (
    ChooseMode,
    GiveConsent,
    Mode,
    OpenLookup,
    Screen,
    SelectProcedure,
    StartApplication,
    Touch,
)
from tests.qt_helpers import make_runtime
from ui.screens.form import StepScreen
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"
SLIP_QR = "https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so?ma=DEMO-K01-261126-0007"


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- the detector, without Qt -----------------------------------------------------------------------


def feed(detector: BurstDetector, clock: FakeClock, text: str, gap: float) -> list[str]:
    """Type `text` with `gap` seconds between keys; returns what was released as typed."""
    typed: list[str] = []
    for char in text:
        typed += detector.press(char).release
        clock.advance(gap)
    return typed


def test_a_burst_ending_in_enter_is_a_scan_and_nothing_is_typed() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    typed = feed(detector, clock, SAMPLE_ID_CARD, 0.004)
    decision, deliver_enter = detector.enter()
    assert typed == []
    assert decision.scan == SAMPLE_ID_CARD
    assert decision.release == ()
    assert not deliver_enter
    assert detector.pending == ()


def test_human_typing_is_released_in_order_and_enter_goes_through() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    typed = feed(detector, clock, "Nguyen Van An", 0.180)
    decision, deliver_enter = detector.enter()
    assert "".join(typed + list(decision.release)) == "Nguyen Van An"
    assert decision.scan is None
    assert deliver_enter


def test_a_short_fast_run_is_typing_once_the_pause_comes() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    assert feed(detector, clock, "th", 0.010) == []  # two keys rolled over: held for now
    assert detector.deadline is not None
    assert detector.expire().release == ("t", "h")
    assert detector.deadline is None


def test_fast_keys_without_enter_are_typed_not_swallowed() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    feed(detector, clock, "BTX-K01-261126-0001", 0.002)  # what QTest.keyClicks sends
    assert "".join(detector.expire().release) == "BTX-K01-261126-0001"


def test_enter_after_a_pause_is_not_a_scan() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    feed(detector, clock, "0123456789", 0.003)
    clock.advance(0.5)
    decision, deliver_enter = detector.enter()
    assert decision.scan is None
    assert "".join(decision.release) == "0123456789"
    assert deliver_enter


def test_a_pause_inside_a_run_splits_it() -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    feed(detector, clock, "abcd", 0.003)
    clock.advance(0.3)
    released = list(detector.press("e").release)
    feed(detector, clock, "fghijk", 0.003)
    decision, _ = detector.enter()
    assert released == ["a", "b", "c", "d"]
    assert decision.scan is None  # 7 characters: below min_chars
    assert "".join(decision.release) == "efghijk"


def test_the_policy_is_configurable_and_checked() -> None:
    clock = FakeClock()
    detector = BurstDetector(BurstPolicy(min_chars=4, max_gap=0.080), clock)
    feed(detector, clock, "1234", 0.060)
    decision, _ = detector.enter()
    assert decision.scan == "1234"
    with pytest.raises(ValueError, match="min_chars"):
        BurstPolicy(min_chars=1)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x1EF9, exclude_categories=("Cs", "Cc")),
               max_size=40),
       st.lists(st.floats(min_value=0.036, max_value=2.0), min_size=40, max_size=40))
def test_typing_slower_than_a_scanner_is_always_delivered_unchanged(text: str, gaps: list[float]) -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    typed: list[str] = []
    for char, gap in zip(text, gaps, strict=False):
        typed += detector.press(char).release
        clock.advance(gap)
    decision, deliver_enter = detector.enter()
    assert decision.scan is None and deliver_enter
    assert "".join(typed + list(decision.release)) == text


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x7E), min_size=8, max_size=300),
       st.floats(min_value=0.0, max_value=0.035))
def test_any_fast_run_of_eight_or_more_ending_in_enter_is_one_scan(text: str, gap: float) -> None:
    clock = FakeClock()
    detector = BurstDetector(clock=clock)
    assert feed(detector, clock, text, gap) == []
    decision, deliver_enter = detector.enter()
    assert decision.scan == text and not deliver_enter


def test_what_a_scan_holds() -> None:
    assert classify_scan(SAMPLE_ID_CARD) is ScanKind.ID_CARD
    assert classify_scan(SLIP_QR) is ScanKind.RECEIPT
    assert classify_scan("000.00.21.H26-261126-0001") is ScanKind.RECEIPT
    assert receipt_reference(SLIP_QR) == "DEMO-K01-261126-0007"
    for junk in ("@@@@@@@@@", "hello world", "001060012345|Nguyễn", "https://example.com/?x=1"):
        assert classify_scan(junk) is ScanKind.UNKNOWN, junk


# --- the router in the kiosk window -----------------------------------------------------------------


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    ensure_app()
    runtime = make_runtime()
    win = KioskWindow(runtime)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.activateWindow()
    yield win
    win.shutdown()
    runtime.close()


@pytest.fixture
def clock(window: KioskWindow) -> FakeClock:
    fake = FakeClock()
    window.input.scanner.set_clock(fake)
    return fake


def key_event(char: str) -> QKeyEvent:
    if char == "\r":
        return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
    code = ord(char.upper()) if char.isascii() and char.isalnum() else Qt.Key.Key_unknown.value
    modifiers = Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier.NoModifier
    return QKeyEvent(QEvent.Type.KeyPress, code, modifiers, char)


def send_keys(window: KioskWindow, clock: FakeClock, text: str, gap: float) -> None:
    """Keystrokes as the window system delivers them: to the focus widget, `gap` seconds apart."""
    for char in text:
        target = QApplication.focusWidget() or window
        QApplication.sendEvent(target, key_event(char))
        clock.advance(gap)


def scan(window: KioskWindow, clock: FakeClock, payload: str) -> None:
    send_keys(window, clock, payload + "\r", 0.003)


def to_identity_step(window: KioskWindow) -> StepScreen:
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        window.send(event)
    assert window.journey.screen is Screen.STEP
    step = window.journey.current_step()
    assert step is not None and step.identity
    view = window.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def field(window: KioskWindow, name: str) -> QLineEdit:
    widget = window.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def test_id_card_scan_fills_the_identity_step_and_types_nothing(
    qtbot: QtBot, window: KioskWindow, clock: FakeClock
) -> None:
    view = to_identity_step(window)
    phone = field(window, "field.applicant_phone")
    phone.setFocus()
    phone.insert("0912")  # typed before the scan: kept
    scan(window, clock, SAMPLE_ID_CARD)
    assert field(window, "field.applicant_name").text() == "Nguyễn Văn An"
    assert field(window, "field.applicant_id").text() == "001060012345"
    assert field(window, "field.applicant_phone").text() == "0912"
    status = window.findChild(QLabel, "step.scan_status")
    assert status is not None and status.isVisible()
    assert status.text() == "Đã đọc thông tin từ thẻ Căn cước. Hãy kiểm tra lại."
    assert all("|" not in edit.text() for edit in window.findChildren(QLineEdit))
    assert view.editors["applicant_address"].value().startswith("Số 12 phố Bùi Thị Xuân")


def test_garbage_scan_on_the_identity_step_is_a_failed_scan(
    qtbot: QtBot, window: KioskWindow, clock: FakeClock
) -> None:
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    name.setFocus()
    scan(window, clock, "%%GARBAGE-0042%%")
    assert name.text() == ""
    status = window.findChild(QLabel, "step.scan_status")
    assert status is not None and status.isVisible()
    assert status.text() == "Không đọc được mã QR trên thẻ. Hãy quét lại hoặc tự nhập."


def test_slip_qr_on_the_lookup_screen_fills_the_code_not_the_focused_field(
    qtbot: QtBot, window: KioskWindow, clock: FakeClock
) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    phone = field(window, "lookup.phone")
    phone.setFocus()
    scan(window, clock, SLIP_QR)
    assert field(window, "lookup.code").text() == "DEMO-K01-261126-0007"
    assert phone.text() == ""
    result = window.findChild(QLabel, "lookup.result")
    assert result is not None and result.text() == "Đã đọc mã hồ sơ trên phiếu. Hãy nhập 4 chữ số cuối."


def test_an_id_card_on_the_lookup_screen_is_refused_with_a_message(
    qtbot: QtBot, window: KioskWindow, clock: FakeClock
) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    code = field(window, "lookup.code")
    code.setFocus()
    scan(window, clock, SAMPLE_ID_CARD)
    assert code.text() == ""
    result = window.findChild(QLabel, "lookup.result")
    assert result is not None and result.text().startswith("Đây không phải mã trên phiếu.")


def test_a_scan_where_none_is_expected_shows_a_message_and_lands_nowhere(
    qtbot: QtBot, window: KioskWindow, clock: FakeClock
) -> None:
    window.send(Touch())
    window.send(ChooseMode(Mode.DO))
    assert window.journey.screen is Screen.PROCEDURES
    search = field(window, "procedures.search")
    search.setFocus()
    scan(window, clock, SAMPLE_ID_CARD)
    notice = window.findChild(QLabel, "scan.notice")
    assert notice is not None and notice.isVisible()
    assert notice.text().startswith("Mã vừa quét không dùng ở màn hình này.")
    assert search.text() == ""
    scan(window, clock, "#$%^&*()_+=~")
    assert notice.text() == "Không đọc được mã vừa quét. Hãy quét lại, hoặc tự nhập thông tin."
    assert search.text() == ""
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)  # the next touch puts the message away
    assert not notice.isVisible()


def test_human_typing_reaches_the_field_unchanged(qtbot: QtBot, window: KioskWindow, clock: FakeClock) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    code = field(window, "lookup.code")
    code.setFocus()
    send_keys(window, clock, "BTX-K01-0001", 0.150)
    qtbot.waitUntil(lambda: code.text() == "BTX-K01-0001", timeout=2000)
    send_keys(window, clock, "\r", 0.150)
    assert code.text() == "BTX-K01-0001"


def test_fast_typing_without_enter_is_typed(qtbot: QtBot, window: KioskWindow, clock: FakeClock) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    code = field(window, "lookup.code")
    code.setFocus()
    send_keys(window, clock, "ABCDEFGHIJ", 0.002)
    assert code.text() == ""  # held until the pause tells it is not a scan
    qtbot.waitUntil(lambda: code.text() == "ABCDEFGHIJ", timeout=2000)


def test_reset_drops_held_keystrokes(qtbot: QtBot, window: KioskWindow, clock: FakeClock) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    code = field(window, "lookup.code")
    code.setFocus()
    send_keys(window, clock, "SECRET", 0.002)
    window.send(ChooseMode(Mode.DO))  # ignored here; the End button resets
    end = window.findChild(QPushButton, "nav.end")
    assert end is not None
    qtbot.mouseClick(end, Qt.MouseButton.LeftButton)
    assert window.journey.screen is Screen.ATTRACT
    assert window.input.scanner.detector.pending == ()
    assert all("SECRET" not in edit.text() for edit in window.findChildren(QLineEdit))

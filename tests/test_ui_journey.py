"""The resident's journey through the real screens, offscreen, by widget objectNames."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.clock import ManualClock
from kiosk.i18n import MISSING_MARK
from kiosk.journey import Screen
from kiosk.sample import sample_answers
from tests.qt_helpers import make_runtime, visible_texts
from ui.app import ensure_app
from ui.screens.form import StepScreen
from ui.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    ensure_app()
    runtime = make_runtime()
    win = KioskWindow(runtime)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.shutdown()
    runtime.close()


def click(qtbot: QtBot, win: KioskWindow, name: str) -> None:
    button = win.findChild(QPushButton, name)
    assert button is not None, f"no button {name}"
    assert button.isVisible(), f"button {name} is hidden on {win.journey.screen}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown(win: KioskWindow) -> str:
    return "\n".join(visible_texts(win.stack.currentWidget()))


def step_view(win: KioskWindow) -> StepScreen:
    view = win.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def go_to_first_step(qtbot: QtBot, win: KioskWindow, code: str = BIRTH) -> None:
    click(qtbot, win, "attract.start")
    assert win.journey.screen is Screen.HOME
    assert "Nộp hồ sơ" in shown(win)
    click(qtbot, win, "home.do")
    assert "Chọn thủ tục cần làm" in shown(win)
    click(qtbot, win, f"procedure.{code}")
    assert win.journey.screen is Screen.OVERVIEW
    click(qtbot, win, "overview.start")
    assert "Đồng ý xử lý dữ liệu cá nhân" in shown(win)
    click(qtbot, win, "consent.agree")
    assert win.journey.screen is Screen.STEP


def fill_current_step(win: KioskWindow, answers: dict[str, str]) -> None:
    for field_id, editor in step_view(win).editors.items():
        if field_id in answers:
            editor.set_value(answers[field_id])


def test_whole_journey_from_attract_to_receipt_and_back(qtbot: QtBot, window: KioskWindow) -> None:
    assert "Chạm để bắt đầu" in shown(window)
    go_to_first_step(qtbot, window)
    proc = window.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, window.runtime.clock.now().date())
    total = len(window.journey.steps())
    for n in range(1, total + 1):
        assert f"Bước {n}/{total}" in shown(window)
        fill_current_step(window, answers)
        click(qtbot, window, "step.next")
    assert window.journey.screen is Screen.REVIEW
    review = shown(window)
    assert "Kiểm tra lại thông tin" in review
    assert "Họ, chữ đệm và tên: Nguyễn Văn An" in review
    click(qtbot, window, "review.submit")
    qtbot.waitUntil(lambda: window.journey.screen is Screen.RECEIPT, timeout=5000)
    receipt = shown(window)
    stored = window.journey.session.stored
    assert stored is not None
    assert f"Mã hồ sơ: {stored.local_ref}" in receipt
    record = window.runtime.outbox.find(stored.local_ref)
    assert record is not None and record.procedure_code == BIRTH
    qr = window.findChild(QWidget, "receipt.qr")
    assert stored.local_ref in qr.text  # type: ignore[union-attr]
    click(qtbot, window, "receipt.finish")
    assert window.journey.screen is Screen.RATING
    click(qtbot, window, "rating.5")
    assert window.journey.screen is Screen.ATTRACT


def test_invalid_phone_shows_message_beside_field_and_keeps_text(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    proc = window.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, window.runtime.clock.now().date())
    answers["applicant_phone"] = "12345"
    fill_current_step(window, answers)
    click(qtbot, window, "step.next")
    assert window.journey.screen is Screen.STEP
    error = window.findChild(QLabel, "error.applicant_phone")
    assert error is not None and error.isVisible()
    assert "10 chữ số" in error.text()
    phone = window.findChild(QLineEdit, "field.applicant_phone")
    name = window.findChild(QLineEdit, "field.applicant_name")
    assert phone is not None and phone.text() == "12345"
    assert name is not None and name.text() == "Nguyễn Văn An"


def test_conditional_field_appears_when_answer_requires_it(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    proc = window.journey.procedure
    assert proc is not None
    fill_current_step(window, sample_answers(proc, window.runtime.clock.now().date()))
    click(qtbot, window, "step.next")
    witness = step_view(window).editors["witness_name"]
    assert not witness.isVisible()
    radio = window.findChild(QWidget, "field.born_in_clinic.khong")
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton)
    assert witness.isVisible()


def test_english_toggle_translates_every_screen_and_keeps_answers(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    name = window.findChild(QLineEdit, "field.applicant_name")
    assert name is not None
    name.setFocus()
    name.insert("Phạm Thu Hà")  # QTest.keyClicks aborts on non-Latin-1 characters
    click(qtbot, window, "nav.language")
    assert window.journey.session.lang == "en"
    text = shown(window)
    assert "Step 1/" in text and "Full name" in text
    name = window.findChild(QLineEdit, "field.applicant_name")
    assert name is not None and name.text() == "Phạm Thu Hà"
    assert MISSING_MARK not in text


def test_no_screen_shows_a_missing_translation(qtbot: QtBot, window: KioskWindow) -> None:
    for lang in ("vi", "en"):
        window.journey.session.lang = lang
        for screen in Screen:
            view = window._screen(screen)
            view.enter()
            for text in visible_texts(view):
                assert MISSING_MARK not in text, (screen, text)


def test_idle_warning_then_continue_then_reset(qtbot: QtBot, window: KioskWindow) -> None:
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    go_to_first_step(qtbot, window)
    name = window.findChild(QLineEdit, "field.applicant_name")
    assert name is not None
    qtbot.keyClicks(name, "MARKERIDLE")
    policy = window.runtime.idle_policy
    clock.advance(policy.form_seconds - policy.warning_seconds + 1)
    window.poll_idle()
    assert window.overlay.isVisible()
    assert "Bạn vẫn đang sử dụng?" in "\n".join(visible_texts(window.overlay))
    click(qtbot, window, "idle.continue")
    window.poll_idle()
    assert not window.overlay.isVisible()
    assert window.journey.screen is Screen.STEP
    clock.advance(policy.form_seconds + 1)
    window.poll_idle()
    assert window.journey.screen is Screen.ATTRACT
    assert all("MARKERIDLE" not in e.text() for e in window.findChildren(QLineEdit))


def test_typing_counts_as_activity(qtbot: QtBot, window: KioskWindow) -> None:
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    go_to_first_step(qtbot, window)
    name = window.findChild(QLineEdit, "field.applicant_name")
    assert name is not None
    for _ in range(4):
        clock.advance(window.runtime.idle_policy.form_seconds - 5)
        qtbot.keyClicks(name, "a")
        window.poll_idle()
        assert window.journey.screen is Screen.STEP


def test_reset_leaves_no_marker_anywhere(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    marker = "Zzmarkerzz"
    for editor in step_view(window).editors.values():
        if isinstance(editor.input, QLineEdit):
            editor.input.setText(marker)
    QGuiApplication.clipboard().setText(marker)
    click(qtbot, window, "step.next")
    click(qtbot, window, "nav.end")
    assert window.journey.screen is Screen.ATTRACT
    for widget in window.findChildren(QWidget):
        for prop in ("text", "plainText", "placeholderText", "accessibleName", "accessibleDescription", "toolTip"):
            value = widget.property(prop)
            assert not (isinstance(value, str) and marker in value), (widget.objectName(), prop)
    assert marker not in QGuiApplication.clipboard().text()
    assert marker not in repr(window.journey.session.answers)
    assert QApplication.focusWidget() is None or marker not in str(QApplication.focusWidget().property("text"))

"""The resident's journey through the real screens, offscreen, by widget objectNames."""

from __future__ import annotations

import re
from itertools import chain

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers.names import VIETNAMESE_LETTERS
from kiosk.answers.sample import sample_answers
from kiosk.files.paths import procedures_dir
from kiosk.i18n import MISSING_MARK
from kiosk.journey.machine import OpenLookup, Screen, SetLanguage, Touch
from kiosk.workdays.clock import ManualClock
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import click, end_session, next_through_step, visible_texts
from tests.screen_walk import send, shown_widgets, walk_menus, walk_procedure
from tests.translations import TRANSLATIONS
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"


def shown(win: KioskWindow) -> str:
    current = win.stack.currentWidget()
    assert current is not None
    return "\n".join(visible_texts(current))


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
        next_through_step(qtbot, window, lambda: fill_current_step(window, answers))
    assert window.journey.screen is Screen.REVIEW
    review = shown(window)
    assert "Kiểm tra lại thông tin" in review
    assert "Họ, chữ đệm và tên\nNguyễn Văn An" in review
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
    next_through_step(qtbot, window, lambda: fill_current_step(window, answers))
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
    answers = sample_answers(proc, window.runtime.clock.now().date())
    next_through_step(qtbot, window, lambda: fill_current_step(window, answers))
    witness = step_view(window).editors["witness_name"]
    while "born_in_clinic" not in window.journey.current_page().field_ids:  # type: ignore[union-attr]
        assert not witness.isVisible()
        fill_current_step(window, answers)
        click(qtbot, window, "step.next")
    card = window.findChild(QWidget, "field.born_in_clinic.khong")
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    click(qtbot, window, "step.next")  # the witness is asked next, on a page of its own
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


RAW_KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
VIETNAMESE_ONLY = {ch for ch in VIETNAMESE_LETTERS if not ch.isascii()}
# Texts that stay Vietnamese in English on purpose: the toggle back, and what the resident typed.
ALWAYS_VIETNAMESE = {"nav.language"}


def untranslated(win: KioskWindow, state: str) -> list[str]:
    """Texts on screen that are a missing translation or a raw key; in English, Vietnamese leftovers."""
    lang = win.journey.session.lang
    found = []
    for widget in shown_widgets(win):
        if not isinstance(widget, QLabel | QAbstractButton):
            continue
        for text in (widget.text(), widget.accessibleName()):
            if MISSING_MARK in text or RAW_KEY.match(text.strip()) or text.strip() in TRANSLATIONS:
                found.append(f"{lang} {state}: {widget.objectName()} shows {text!r}")
        # Site settings (name, opening hours), the keyboard's letters and what the resident typed stay.
        # The receipt also names places by their proper Vietnamese names (the service centre, the site).
        answers_shown = (state.endswith(("review", "receipt", "rating", "card read", "attract"))
                         or win.journey.screen is Screen.RECEIPT)
        current = win.stack.currentWidget()
        on_screen = current is not None and current.isAncestorOf(widget)
        checked = lang == "en" and on_screen and not answers_shown and widget.objectName() not in ALWAYS_VIETNAMESE
        if checked and VIETNAMESE_ONLY & set(widget.text()):
            found.append(f"en {state}: {widget.objectName()} is still Vietnamese: {widget.text()!r}")
    for widget in shown_widgets(win):
        hint = widget.placeholderText() if isinstance(widget, QLineEdit) else ""
        if MISSING_MARK in hint or hint in TRANSLATIONS:
            found.append(f"{lang} {state}: placeholder of {widget.objectName()}")
    return found


@pytest.mark.parametrize("code", [p.stem.split("-")[0] for p in sorted(procedures_dir().glob("*.json"))])
def test_no_screen_shows_a_missing_translation_or_a_raw_key(
    qtbot: QtBot, code: str, make_window: WindowFactory
) -> None:
    """Every screen state — menus, every step of the procedure, its messages, the review, the
    receipt — in Vietnamese, then again in English."""
    win = make_window()
    full = next(p.code for p in win.runtime.catalog.procedures if p.code.startswith(code + "."))
    first = full == win.runtime.catalog.procedures[0].code
    found: list[str] = []
    states = chain(walk_menus(win), walk_procedure(win, qtbot, full, submit=first, scans=first))
    for state in states:
        found += untranslated(win, state)
        send(win, SetLanguage("en"))
        found += untranslated(win, state)
        send(win, SetLanguage("vi"))
    assert not found, "\n".join(found[:40])


def test_english_steps_show_the_catalog_english_texts(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    click(qtbot, window, "nav.language")
    step = window.journey.current_step()
    assert step is not None
    text = shown(window)
    assert step.title.en in text
    page = window.journey.current_page()
    assert page is not None
    for spec in page.fields:
        assert spec.label.en in text
        for option in spec.options:
            assert option.label.en in text
    click(qtbot, window, "step.next")
    assert "Please fill this in." in shown(window)
    assert "Please fix this before you continue (touch the line below to fix it):" in shown(window)


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
    assert "Ông/Bà vẫn đang sử dụng máy?" in "\n".join(visible_texts(window.overlay))
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
    end_session(qtbot, window)
    assert window.journey.screen is Screen.ATTRACT
    for widget in window.findChildren(QWidget):
        for prop in ("text", "plainText", "placeholderText", "accessibleName", "accessibleDescription", "toolTip"):
            value = widget.property(prop)
            assert not (isinstance(value, str) and marker in value), (widget.objectName(), prop)
    assert marker not in QGuiApplication.clipboard().text()
    assert marker not in repr(window.journey.session.answers)
    focused = QApplication.focusWidget()
    assert focused is None or marker not in str(focused.property("text"))


# --- home, search, learning, review links, the rating ----------------------------------------


def test_typing_on_home_goes_to_the_list_with_the_query(qtbot: QtBot, window: KioskWindow) -> None:
    click(qtbot, window, "attract.start")
    search = window.findChild(QLineEdit, "home.search")
    assert search is not None and search.isVisible()
    search.setFocus()
    search.insert("Đăng ký KẾT")
    assert window.journey.screen is Screen.PROCEDURES
    field = window.findChild(QLineEdit, "procedures.search")
    assert field is not None and field.text() == "Đăng ký KẾT" and field.hasFocus()
    field.insert(" HÔN")  # the resident keeps typing where the text went
    QApplication.processEvents()  # new tiles show once the event loop runs
    names = [w.objectName() for w in window.screens[Screen.PROCEDURES].findChildren(QPushButton)
             if w.objectName().startswith("procedure.") and w.isVisibleTo(window)]
    assert names[0] == "procedure.1.000894.000.00.00.H26"
    assert "Đăng ký kết hôn" in shown(window)
    click(qtbot, window, "nav.language")  # the query survives a language change
    assert field.text() == "Đăng ký KẾT HÔN"
    click(qtbot, window, "procedure.1.000894.000.00.00.H26")
    click(qtbot, window, "nav.back")
    assert window.journey.screen is Screen.PROCEDURES and field.text() == "Đăng ký KẾT HÔN"
    click(qtbot, window, "nav.back")
    assert window.journey.screen is Screen.HOME and search.text() == ""


def test_home_offers_categories_and_popular_procedures(qtbot: QtBot, window: KioskWindow) -> None:
    click(qtbot, window, "attract.start")
    text = shown(window)
    assert "Thủ tục theo lĩnh vực" in text and "Thủ tục thường dùng" in text
    click(qtbot, window, "home.category.chung_thuc")
    assert window.journey.screen is Screen.PROCEDURES
    listed = window.screens[Screen.PROCEDURES].visible_procedures()  # type: ignore[attr-defined]
    assert listed and all(p.category.value == "chung_thuc" for p in listed)
    click(qtbot, window, "nav.back")
    popular = window.runtime.catalog.popular()[0]
    click(qtbot, window, f"home.popular.{popular.code}")
    assert window.journey.screen is Screen.OVERVIEW and window.journey.procedure == popular
    click(qtbot, window, "nav.back")
    assert window.journey.screen is Screen.HOME


def test_learn_only_reads_a_procedure_without_starting_it(qtbot: QtBot, window: KioskWindow) -> None:
    click(qtbot, window, "attract.start")
    click(qtbot, window, "home.learn")
    assert "Chọn thủ tục để tìm hiểu" in shown(window)
    click(qtbot, window, f"procedure.{BIRTH}")
    text = shown(window)
    for heading in ("Thủ tục này là gì", "Ai được nộp", "Giấy tờ cần mang", "Lệ phí", "Thời hạn giải quyết"):
        assert heading in text
    assert "Dịch vụ công trực tuyến toàn trình" in text
    start = window.findChild(QPushButton, "overview.start")
    assert start is not None and not start.isVisible()
    proc = window.journey.procedure
    assert proc is not None
    papers = [w for w in window.findChildren(QAbstractButton) if w.objectName().startswith("overview.paper.")]
    assert len(papers) == len(proc.papers) and all(p.isCheckable() and not p.isChecked() for p in papers)
    qtbot.mouseClick(papers[0], Qt.MouseButton.LeftButton)
    assert papers[0].isChecked()
    assert window.journey.session.consent_at is None
    click(qtbot, window, "overview.do_now")
    assert window.journey.screen is Screen.CONSENT


def test_touching_an_answer_on_the_review_opens_its_step_and_comes_back(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    proc = window.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, window.runtime.clock.now().date())
    while window.journey.screen is Screen.STEP:
        fill_current_step(window, answers)
        click(qtbot, window, "step.next")
    click(qtbot, window, "review.answer.child_name")
    assert window.journey.screen is Screen.STEP
    field = window.findChild(QLineEdit, "field.child_name")
    assert field is not None and field.hasFocus()
    field.selectAll()
    field.insert("Lê Minh Khôi")
    click(qtbot, window, "step.next")
    assert window.journey.screen is Screen.REVIEW
    assert "Lê Minh Khôi" in shown(window)
    click(qtbot, window, "review.edit.applicant")
    assert window.journey.current_step() == proc.steps[0]
    click(qtbot, window, "step.next")
    assert window.journey.screen is Screen.REVIEW


def submit_sample_dossier(qtbot: QtBot, win: KioskWindow, code: str = BIRTH, **override: str) -> None:
    """From the attract screen to the receipt of a procedure (a birth registration) with the sample answers."""
    go_to_first_step(qtbot, win, code)
    proc = win.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, win.runtime.clock.now().date())
    answers.update(override)
    while win.journey.screen is Screen.STEP:
        fill_current_step(win, answers)
        click(qtbot, win, "step.next")
    click(qtbot, win, "review.submit")
    qtbot.waitUntil(lambda: win.journey.screen is Screen.RECEIPT, timeout=5000)


def finish_a_dossier(qtbot: QtBot, win: KioskWindow) -> str:
    submit_sample_dossier(qtbot, win)
    stored = win.journey.session.stored
    assert stored is not None
    click(qtbot, win, "receipt.finish")
    return stored.local_ref


def test_the_rating_and_its_comment_are_stored_for_the_portal(qtbot: QtBot, window: KioskWindow) -> None:
    reference = finish_a_dossier(qtbot, window)
    comment = window.findChild(QLineEdit, "rating.comment")
    assert comment is not None
    comment.setFocus()
    comment.insert("Máy dễ dùng,\x07 cảm ơn!")
    click(qtbot, window, "rating.5")
    assert window.journey.screen is Screen.ATTRACT
    assert comment.text() == ""
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=5000)
    item = window.runtime.outbox.claim_feedback(10**10)
    assert item is not None
    _uuid, kind, payload = item
    assert kind == "rating"
    assert payload["rating"] == 5
    assert payload["comment"] == "Máy dễ dùng, cảm ơn!"
    assert payload["procedure_code"] == BIRTH
    assert payload["local_reference"] == reference
    assert window.runtime.outbox.claim_feedback(10**10) is None


def test_skipping_the_rating_stores_nothing(qtbot: QtBot, window: KioskWindow) -> None:
    finish_a_dossier(qtbot, window)
    click(qtbot, window, "rating.skip")
    assert window.journey.screen is Screen.ATTRACT
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=5000)
    assert window.runtime.outbox.claim_feedback(10**10) is None


def test_lookup_finds_a_code_typed_in_lower_case_without_dashes_and_shows_dates_as_residents_write_them(
    qtbot: QtBot, window: KioskWindow
) -> None:
    submit_sample_dossier(qtbot, window)
    stored = window.journey.session.stored
    phone = window.journey.session.answers.get("applicant_phone", "")
    assert stored is not None and len(phone) >= 4
    click(qtbot, window, "receipt.finish")
    end_session(qtbot, window)
    window.send(Touch())
    window.send(OpenLookup())
    assert window.journey.screen is Screen.LOOKUP
    code, digits = window.findChild(QLineEdit, "lookup.code"), window.findChild(QLineEdit, "lookup.phone")
    assert code is not None and digits is not None
    typed = stored.local_ref.lower().replace("-", " ", 1).replace("-", "")  # "bkh k01261126..." as typed
    code.insert(typed)
    digits.insert(phone[-4:])
    click(qtbot, window, "lookup.search")
    result = window.findChild(QLabel, "lookup.result")
    assert result is not None
    qtbot.waitUntil(lambda: stored.local_ref in result.text().replace("\u200b", ""), timeout=5000)
    assert re.search(r"\d\d:\d\d \d\d/\d\d/20\d\d", result.text()), result.text()
    assert not re.search(r"20\d\d-\d\d-\d\d", result.text())


def test_the_receipt_says_what_happens_next_in_large_text(qtbot: QtBot, window: KioskWindow) -> None:
    submit_sample_dossier(qtbot, window)
    slip = window.print_control.slip
    assert slip is not None
    texts = {}
    for index in range(4):
        for name in (f"receipt.next.{index}.heading", f"receipt.next.{index}"):
            shown_label = window.findChild(QLabel, name)
            assert shown_label is not None and shown_label.isVisible(), name
            assert QFontInfo(shown_label.font()).pixelSize() >= 24, name  # read standing, by elderly residents
            texts[name] = shown_label.text()
    everything = "\n".join(texts.values())
    due = next(line.value for line in slip.lines if line.label.startswith("Ngày dự kiến"))
    assert due in everything  # the expected date
    assert slip.fee_text in everything  # what to pay
    assert all(paper in everything for paper in slip.papers)  # what to bring
    assert window.runtime.settings.site.service_point in everything  # where to go


def test_end_asks_before_throwing_answers_away(qtbot: QtBot, window: KioskWindow) -> None:
    go_to_first_step(qtbot, window)
    proc = window.journey.procedure
    assert proc is not None
    fill_current_step(window, sample_answers(proc, window.runtime.clock.now().date()))
    click(qtbot, window, "step.next")
    assert window.journey.session.answers
    click(qtbot, window, "nav.end")
    assert window.journey.screen is Screen.STEP  # nothing lost yet: the kiosk asks
    assert "Ông/Bà muốn dừng làm hồ sơ?" in visible_texts(window)
    click(qtbot, window, "end.keep")  # the safe choice: back to the form, answers kept
    assert window.journey.screen is Screen.STEP and window.journey.session.answers
    assert "Ông/Bà muốn dừng làm hồ sơ?" not in visible_texts(window)
    click(qtbot, window, "nav.end")
    click(qtbot, window, "end.confirm")
    assert window.journey.screen is Screen.ATTRACT and not window.journey.session.answers
    window.send(Touch())
    click(qtbot, window, "nav.end")  # nothing to lose on the home screen: End ends at once
    assert window.journey.screen is Screen.ATTRACT


def test_the_lookup_answer_follows_the_language(qtbot: QtBot, window: KioskWindow) -> None:
    window.send(Touch())
    window.send(OpenLookup())
    code, digits = window.findChild(QLineEdit, "lookup.code"), window.findChild(QLineEdit, "lookup.phone")
    assert code is not None and digits is not None
    code.insert("BKH-K01-000000-9999")
    digits.insert("1234")
    click(qtbot, window, "lookup.search")
    result = window.findChild(QLabel, "lookup.result")
    assert result is not None
    qtbot.waitUntil(lambda: result.text() == TRANSLATIONS["lookup.not_found"][0], timeout=5000)
    window.send(SetLanguage("en"))
    assert result.text() == TRANSLATIONS["lookup.not_found"][1]

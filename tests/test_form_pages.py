"""The form one question a page: how the journey splits the catalog's steps, answers that fill in later
questions, and — for every page of every bundled procedure at 1366×768 with the on-screen keyboard open —
the question, its message after a wrong "Tiếp tục" and the Next button on screen, above the keyboard."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

import pytest
from pydantic import ValidationError
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.exceptions import TimeoutError as QtBotTimeout
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import CHOICE_KINDS, FieldKind, FormField, Procedure
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ConfirmSubmit,
    EditStep,
    GiveConsent,
    GoBack,
    Journey,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.journey.pages import step_pages
from kiosk.settings.config import Settings
from kiosk.workdays.clock import VN_TZ, ManualClock
from tests.qt_fixtures import WindowFactory
from tests.screen_walk import send, settle
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

CATALOG = load_catalog(procedures_dir())
CODES = [p.code for p in CATALOG.procedures]
BIRTH = "1.001193.000.00.00.H26"


def started(catalog: Catalog, code: str = BIRTH) -> Journey:
    journey = Journey(catalog, clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    for event in (Touch(), SelectProcedure(code), StartApplication(), GiveConsent()):
        journey.dispatch(event)
    assert journey.screen is Screen.STEP
    return journey


def answer_page(journey: Journey, answers: dict[str, str]) -> None:
    page = journey.current_page()
    assert page is not None
    shown = journey.session.answers  # what the page shows: earlier answers, and answers filled in
    journey.dispatch(SubmitStep({spec.id: answers.get(spec.id, shown.get(spec.id, "")) for spec in page.fields}))
    assert not journey.session.errors, journey.session.errors


# --- the journey, without Qt -----------------------------------------------------------------------


def test_a_step_of_seven_questions_is_seven_pages_one_question_each() -> None:
    journey = started(CATALOG)
    answers = sample_answers(journey.procedure, journey.clock.now().date())  # type: ignore[arg-type]
    asked = []
    while journey.screen is Screen.STEP and journey.session.step_index == 0:
        page = journey.current_page()
        assert page is not None and len(page.fields) == 1 and page.count == 7
        asked.append(page.fields[0].id)
        answer_page(journey, answers)
    assert asked == [f.id for f in CATALOG.get(BIRTH).steps[0].fields]
    assert journey.current_step().id == "child"  # type: ignore[union-attr]


def test_a_question_shown_for_some_answers_gets_its_own_page_next() -> None:
    step = CATALOG.get(BIRTH).steps[1]
    assert "witness_name" not in {p.fields[0].id for p in step_pages(step, {"born_in_clinic": "co"})}
    pages = step_pages(step, {"born_in_clinic": "khong"})
    ids = [p.fields[0].id for p in pages]
    assert ids[ids.index("born_in_clinic") + 1] == "witness_name"


def test_a_wrong_answer_keeps_the_page_and_back_goes_one_question_back() -> None:
    journey = started(CATALOG)
    journey.dispatch(SubmitStep({"applicant_name": "Nguyễn Văn An"}))
    journey.dispatch(SubmitStep({"applicant_dob": "31/02/1960"}))
    assert journey.session.errors["applicant_dob"].key == "v.date_not_in_calendar"
    assert journey.current_page().fields[0].id == "applicant_dob"  # type: ignore[union-attr]
    journey.dispatch(GoBack())
    assert journey.current_page().fields[0].id == "applicant_name"  # type: ignore[union-attr]
    assert journey.session.errors == {} and journey.session.answers["applicant_name"] == "Nguyễn Văn An"


@pytest.mark.parametrize(("relationship", "person"), [("me", "mother"), ("cha", "father")])
def test_the_applicant_who_is_the_parent_finds_the_parents_details_filled_in(relationship: str, person: str) -> None:
    journey = started(CATALOG)
    answers = sample_answers(journey.procedure, journey.clock.now().date())  # type: ignore[arg-type]
    answers["relationship"] = relationship
    answers["father_known"] = "co"
    for key in (f"{person}_name", f"{person}_id", f"{person}_address"):
        answers.pop(key, None)  # not typed: they must come from the applicant's answers
    while journey.screen is Screen.STEP and journey.current_step().id != person:  # type: ignore[union-attr]
        answer_page(journey, answers)
    while journey.screen is Screen.STEP and journey.current_step().id == person:  # type: ignore[union-attr]
        answer_page(journey, answers)
    given = journey.session.answers
    assert given[f"{person}_name"] == given["applicant_name"]
    assert given[f"{person}_id"] == given["applicant_id"]
    assert given[f"{person}_address"] == given["applicant_address"]


def test_a_filled_in_answer_can_be_changed_and_is_not_filled_in_again() -> None:
    journey = started(CATALOG)
    answers = {**sample_answers(journey.procedure, journey.clock.now().date()),  # type: ignore[arg-type]
               "relationship": "me"}
    answers.pop("mother_name")
    while journey.current_step().id != "mother":  # type: ignore[union-attr]
        answer_page(journey, answers)
    assert journey.session.answers["mother_name"] == answers["applicant_name"]
    journey.dispatch(SubmitStep({"mother_name": "Trần Thị Mai"}))
    journey.dispatch(GoBack())
    journey.dispatch(SubmitStep({"mother_name": "Trần Thị Mai"}))
    assert journey.session.answers["mother_name"] == "Trần Thị Mai"


def test_the_review_sends_to_the_page_of_a_wrong_answer_and_back() -> None:
    journey = started(CATALOG)
    answers = sample_answers(journey.procedure, journey.clock.now().date())  # type: ignore[arg-type]
    while journey.screen is Screen.STEP:
        answer_page(journey, answers)
    assert journey.screen is Screen.REVIEW
    journey.session.answers["child_dob"] = "30/02/2026"  # wrong (as an answer loaded from elsewhere could be)
    journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.STEP
    assert journey.current_page().fields[0].id == "child_dob"
    assert journey.session.errors["child_dob"].key == "v.date_not_in_calendar"
    journey.dispatch(SubmitStep({"child_dob": answers["child_dob"]}))
    assert journey.screen is Screen.REVIEW
    journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.SUBMITTING


def test_changing_an_answer_from_the_review_asks_the_question_it_opens() -> None:
    journey = started(CATALOG)
    answers = {**sample_answers(journey.procedure, journey.clock.now().date()),  # type: ignore[arg-type]
               "born_in_clinic": "co"}
    while journey.screen is Screen.STEP:
        answer_page(journey, answers)
    assert journey.dispatch(EditStep("child", "born_in_clinic"))
    assert journey.current_page().fields[0].id == "born_in_clinic"  # type: ignore[union-attr]
    journey.dispatch(SubmitStep({"born_in_clinic": "khong"}))
    assert journey.screen is Screen.STEP  # the witness is now asked, before the review
    assert journey.current_page().fields[0].id == "witness_name"
    journey.dispatch(SubmitStep({"witness_name": "Lê Văn Tám"}))
    assert journey.screen is Screen.REVIEW


# --- every page on screen at 1366×768 with the keyboard open ------------------------------------------


def rect_in(widget: QWidget, win: QWidget) -> QRect:
    return QRect(widget.mapTo(win, QPoint(0, 0)), widget.size())


def on_screen(widget: QWidget, win: KioskWindow) -> str | None:
    """Why `widget` is not all on screen above the keyboard, or None when it is."""
    if not widget.isVisible():
        return "hidden"
    if widget.visibleRegion().boundingRect() != widget.rect():
        return "scrolled out of view or cut"
    rect = rect_in(widget, win)
    if not win.rect().contains(rect):
        return f"outside the window at {rect.getRect()}"
    keyboard = win.input.keyboard
    if keyboard.isVisible() and rect.intersects(rect_in(keyboard, win)):
        return "under the keyboard"
    return None


def wrong(spec: FormField) -> str | None:
    """An answer refused for `spec`, or None when nothing the resident can give is wrong (an optional choice)."""
    if spec.required:
        return ""
    if spec.kind in CHOICE_KINDS or spec.kind is FieldKind.CHECKBOX:
        return None
    return "😀"


def step_view(win: KioskWindow) -> StepScreen:
    view = win.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def question_widgets(win: KioskWindow, spec: FormField) -> list[QWidget]:
    editor = step_view(win).editors[spec.id]
    label = editor.title if spec.kind is not FieldKind.CHECKBOX else editor.input.parentWidget()
    assert label is not None
    return [label, editor.input]


def check_page(qtbot: QtBot, win: KioskWindow, widgets: list[QWidget], what: str) -> list[str]:
    target = next((w for w in widgets if isinstance(w, QLineEdit | QPlainTextEdit)), None)
    if target is not None:  # a text answer: the keyboard is up while it is answered
        target.setFocus()
        qtbot.waitUntil(win.input.keyboard.isVisible, timeout=3000)
    settle()
    with contextlib.suppress(QtBotTimeout):  # the keyboard scrolls the field into view by a queued call
        qtbot.waitUntil(lambda: all(on_screen(w, win) is None for w in widgets), timeout=1000)
    return [f"{what}: {w.objectName() or type(w).__name__} is {why}" for w in widgets
            if (why := on_screen(w, win)) is not None]


@pytest.mark.gui
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080), (1080, 1920)], ids=["1366x768", "1920x1080", "1080x1920"])
@pytest.mark.parametrize("code", CODES)
def test_every_page_shows_its_question_message_and_next_above_the_keyboard(qtbot: QtBot, code: str,
                                                                             size: tuple[int, int],
                                                                             make_window: WindowFactory) -> None:
    walk_every_page(qtbot, make_window(size=size), code)


def walk_every_page(qtbot: QtBot, window: KioskWindow, code: str) -> None:
    journey = window.journey
    proc = CATALOG.get(code)
    answers = sample_answers(proc, window.runtime.clock.now().date())
    for event in (Touch(), SelectProcedure(code), StartApplication(), GiveConsent()):
        send(window, event)
    problems: list[str] = []
    pages = 0
    next_button = window.findChild(QPushButton, "step.next")
    assert next_button is not None
    while journey.screen is Screen.STEP:
        step, page = journey.current_step(), journey.current_page()
        assert step is not None and page is not None
        [spec] = page.fields
        what = f"{code} {step.id} page {page.index + 1}/{page.count} ({spec.id})"
        pages += 1
        problems += check_page(qtbot, window, [*question_widgets(window, spec), next_button], what)
        bad = wrong(spec)
        if bad is not None:
            step_view(window).editors[spec.id].set_value(bad)
            next_button.click()
            settle()
            assert spec.id in journey.session.errors, what
            message = window.findChild(QLabel, f"error.{spec.id}")
            assert message is not None
            problems += check_page(qtbot, window, [*question_widgets(window, spec), message, next_button],
                                   f"{what} after a wrong answer")
        step_view(window).editors[spec.id].set_value(answers.get(spec.id, ""))
        next_button.click()
        settle()
        assert not journey.session.errors, (what, journey.session.errors)
    assert journey.screen is Screen.REVIEW
    assert pages == sum(len(step_pages(s, answers)) for s in journey.steps())
    assert not problems, "\n".join(problems)


# --- one list of the ways to receive the result --------------------------------------------------------


def test_the_form_offers_the_ways_to_receive_the_result_the_overview_lists() -> None:
    asked = 0
    for proc in CATALOG.procedures:
        for spec in proc.fields():
            if spec.role == "delivery":
                asked += 1
                assert [o.value for o in spec.options] == [way.value for way in proc.delivery], proc.code
    assert asked >= 3  # birth and death registration, copies of extracts


def test_a_delivery_question_with_options_of_its_own_is_refused() -> None:
    path = next(procedures_dir().glob("1.001193-*.json"))
    data = json.loads(path.read_text("utf-8"))
    spec = next(f for s in data["steps"] for f in s["fields"] if f.get("role") == "delivery")
    spec["options"] = [{"value": "counter", "label": {"vi": "Tại quầy", "en": "At the counter"}}]
    with pytest.raises(ValidationError, match="takes its options from the procedure's 'delivery'"):
        Procedure.model_validate(data)


# --- the error summary ----------------------------------------------------------------------------------


@pytest.mark.gui
def test_the_error_summary_names_the_problem_and_its_link_moves_to_the_question(qtbot: QtBot,
                                                                                 window: KioskWindow) -> None:
    proc = CATALOG.get(BIRTH)
    answers = sample_answers(proc, window.runtime.clock.now().date())
    for event in (Touch(), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        send(window, event)
    while "applicant_gender" not in window.journey.current_page().field_ids:  # type: ignore[union-attr]
        page = window.journey.current_page()
        assert page is not None
        send(window, SubmitStep({spec.id: answers[spec.id] for spec in page.fields}))
    next_button = window.findChild(QPushButton, "step.next")
    assert next_button is not None
    next_button.click()  # no answer chosen
    settle()
    summary = window.findChild(QWidget, "step.errors")
    link = window.findChild(QPushButton, "step.errors.applicant_gender")
    assert summary is not None and summary.isVisible() and link is not None and link.isVisible()
    assert "Giới tính: Vui lòng điền thông tin này." in link.accessibleName()
    assert on_screen(link, window) is None
    next_button.setFocus()
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    first_card = window.findChild(QPushButton, "field.applicant_gender.nam")
    assert first_card is not None and first_card.hasFocus()


@pytest.mark.gui
def test_a_day_the_calendar_does_not_have_is_called_so(qtbot: QtBot, window: KioskWindow) -> None:
    for event in (Touch(), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        send(window, event)
    send(window, SubmitStep({"applicant_name": "Nguyễn Văn An"}))
    step_view(window).editors["applicant_dob"].set_value("31/02/2024")
    next_button = window.findChild(QPushButton, "step.next")
    assert next_button is not None
    next_button.click()
    settle()
    message = window.findChild(QLabel, "error.applicant_dob")
    assert message is not None and message.isVisible()
    assert message.text().startswith("Ngày này không có trong lịch")
    window.input.keyboard.done()
    settle()
    link = window.findChild(QPushButton, "step.errors.applicant_dob")
    assert link is not None and link.isVisible() and "không có trong lịch" in link.accessibleName()
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    field = window.findChild(QLineEdit, "field.applicant_dob")
    assert field is not None and field.hasFocus()


@pytest.mark.gui
def test_a_double_tap_on_next_answers_one_page_not_two(qtbot: QtBot, make_window: WindowFactory) -> None:
    settings = Settings()
    settings = settings.model_copy(update={"kiosk": settings.kiosk.model_copy(update={"tap_guard_ms": 350})})
    win = make_window(settings)
    for event in (Touch(), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        send(win, event)
    view = step_view(win)
    view.editors["applicant_name"].set_value("Nguyễn Văn An")
    view._taps_from = 0.0  # the resident has looked at the first page for a while
    win.input_filter.guard_taps(0)
    next_button = win.findChild(QPushButton, "step.next")
    assert next_button is not None
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert win.journey.current_page().fields[0].id == "applicant_dob"  # type: ignore[union-attr]
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)  # the second tap of a double tap
    assert win.journey.current_page().fields[0].id == "applicant_dob"  # type: ignore[union-attr]
    assert not win.journey.session.errors  # not even refused: it never reached the page

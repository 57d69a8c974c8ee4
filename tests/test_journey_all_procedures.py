"""Every bundled procedure, end to end through the real screens with valid answers; and for every
kind of field in the catalog, the validator's message beside the field for an invalid answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
)
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.answers.validation import DEFAULT_MAX_LENGTH, format_date
from kiosk.catalog import load_catalog
from kiosk.catalog.models import FieldKind, FormField, IdCardPart, Procedure, Step
from kiosk.files.paths import procedures_dir
from kiosk.i18n import tr
from kiosk.journey.machine import (
    ChooseMode,
    GiveConsent,
    Mode,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from tests.qt_helpers import click
from tests.screen_walk import dispose, make_window
from ui.common.widgets import FieldEditor
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

pytestmark = pytest.mark.gui

CATALOG = load_catalog(procedures_dir())
CODES = [p.code for p in CATALOG.procedures]


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    win, runtime = make_window(qtbot, (1366, 768))
    yield win
    dispose(win, runtime)


def step_screen(win: KioskWindow) -> StepScreen:
    view = win.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def answer(qtbot: QtBot, editor: FieldEditor, value: str) -> None:
    """Answer one field the way a resident does: type, touch an option, tick, choose."""
    widget = editor.input
    if isinstance(widget, QLineEdit):
        widget.setFocus()
        widget.selectAll()
        widget.insert(value)  # QTest.keyClicks cannot type Vietnamese letters
    elif isinstance(widget, QPlainTextEdit):
        widget.setFocus()
        widget.selectAll()
        widget.insertPlainText(value)
    elif isinstance(widget, QCheckBox):
        if widget.isChecked() != (value == "yes"):
            qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(value))
    elif value:
        radio = editor.findChild(QRadioButton, f"field.{editor.spec.id}.{value}")
        assert radio is not None, editor.spec.id
        qtbot.mouseClick(radio, Qt.MouseButton.LeftButton)
    assert editor.value() == value or editor.spec.kind is FieldKind.LONG_TEXT, (editor.spec.id, editor.value(), value)


def fill_step(qtbot: QtBot, win: KioskWindow, answers: dict[str, str]) -> None:
    for field_id, editor in step_screen(win).editors.items():
        if editor.isVisible() or field_id in answers:
            answer(qtbot, editor, answers.get(field_id, ""))


@pytest.mark.parametrize("code", CODES)
def test_every_procedure_end_to_end_with_valid_answers(qtbot: QtBot, window: KioskWindow, code: str) -> None:
    journey = window.journey
    proc = CATALOG.get(code)
    answers = sample_answers(proc, window.runtime.clock.now().date())
    click(qtbot, window, "attract.start")
    click(qtbot, window, "home.do")
    click(qtbot, window, f"procedure.{code}")
    assert journey.screen is Screen.OVERVIEW
    click(qtbot, window, "overview.start")
    click(qtbot, window, "consent.agree")
    visited = []
    while journey.screen is Screen.STEP:
        step = journey.current_step()
        assert step is not None and step.id not in visited
        visited.append(step.id)
        progress = window.findChild(QLabel, "step.progress")
        assert progress is not None
        assert f"Bước {len(visited)}/{len(journey.steps())}" in progress.text()
        fill_step(qtbot, window, answers)
        click(qtbot, window, "step.next")
        assert not journey.session.errors, (step.id, journey.session.errors)
    assert journey.screen is Screen.REVIEW
    assert visited == [s.id for s in journey.steps()]
    click(qtbot, window, "review.submit")
    qtbot.waitUntil(lambda: journey.screen is Screen.RECEIPT, timeout=5000)
    stored = journey.session.stored
    assert stored is not None
    record = window.runtime.outbox.find(stored.local_ref)
    assert record is not None and record.procedure_code == code
    payload = window.runtime.outbox.payload(record.uuid)
    assert payload is not None
    expected = {k: v for k, v in answers.items() if k in payload["answers"]}
    assert payload["answers"] == expected
    assert payload["consent"]["given_at"].startswith("2026-11-26T09:00")
    click(qtbot, window, "receipt.finish")
    click(qtbot, window, "rating.4")
    assert journey.screen is Screen.ATTRACT
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=5000)
    item = window.runtime.outbox.claim_feedback(10**10)
    assert item is not None
    _uuid, kind, rating = item
    assert kind == "rating"
    assert rating["rating"] == 4 and rating["procedure_code"] == code
    assert rating["local_reference"] == stored.local_ref


# --- every validator's message, beside its field ---------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    kind: FieldKind
    bad: str  # what the resident types or leaves; "" leaves the field empty


# The runtime's clock says 26/11/2026.

CASES = [
    Case("v.required", FieldKind.PERSON_NAME, ""),
    Case("v.name", FieldKind.PERSON_NAME, "Nguyen Van 2"),
    Case("v.too_long", FieldKind.PERSON_NAME, "An " * 60),
    Case("v.bad_chars", FieldKind.TEXT, "Bệnh viện 😀"),
    Case("v.date_format", FieldKind.DATE, "1960-09-05"),
    Case("v.date_not_in_calendar", FieldKind.DATE, "31/02/2000"),
    Case("v.date_future", FieldKind.DATE, "01/01/2030"),
    Case("v.date_too_old", FieldKind.DATE, "01/01/1850"),
    Case("v.date_too_recent", FieldKind.DATE, format_date(date(2026, 11, 20))),
    Case("v.phone", FieldKind.PHONE, "12345"),
    Case("v.email", FieldKind.EMAIL, "an@"),
    Case("v.id_length", FieldKind.ID_NUMBER, "12345"),
    Case("v.id_province", FieldKind.ID_NUMBER, "003060012345"),
    Case("v.id_century", FieldKind.ID_NUMBER, "001960012345"),
    Case("v.id_birth_future", FieldKind.ID_NUMBER, "001399012345"),
    Case("v.required", FieldKind.SELECT, ""),
    Case("v.required", FieldKind.RADIO, ""),
    Case("v.must_check", FieldKind.CHECKBOX, ""),
    Case("v.number", FieldKind.NUMBER, "ba"),
    Case("v.number_max", FieldKind.NUMBER, "100000"),
    Case("v.bad_chars", FieldKind.ADDRESS, "שלום עולם"),
    Case("v.too_long", FieldKind.LONG_TEXT, "Nội dung dài. " * 120),
]


def _fits(case: Case, spec: FormField) -> bool:
    rules = spec.validation
    if case.bad == "" and not spec.required:
        return False
    if case.key == "v.date_too_recent":
        return rules.min_age_years is not None and rules.min_age_years > 0
    if case.key == "v.date_future":
        return not rules.allow_future
    if case.key == "v.number_max":
        return rules.max_value is not None and rules.max_value < 100000
    if case.key == "v.too_long":
        return (rules.max_length or DEFAULT_MAX_LENGTH.get(spec.kind, 200)) < len(case.bad.strip())
    return spec.prefill_from_id_card is not IdCardPart.ID_NUMBER or case.key != "v.id_birth_future"


def find_field(case: Case) -> tuple[Procedure, Step, FormField]:
    """The first field of the catalog where `case` applies, on a step shown with the sample answers."""
    for proc in CATALOG.procedures:
        answers = sample_answers(proc)
        for step in proc.steps:
            for spec in step.fields:
                shown = spec.show_if is None and step.show_if is None and spec.id in answers
                if spec.kind is case.kind and shown and _fits(case, spec):
                    return proc, step, spec
    raise AssertionError(f"no field in the catalog for {case}")


def kinds_in_catalog() -> set[FieldKind]:
    return {f.kind for p in CATALOG.procedures for f in p.fields()}


def test_every_field_kind_in_the_catalog_has_a_case() -> None:
    assert kinds_in_catalog() <= {c.kind for c in CASES}


def go_to_step(win: KioskWindow, proc: Procedure, step: Step, answers: dict[str, str]) -> None:
    win.send(Touch())
    win.send(ChooseMode(Mode.DO))
    win.send(SelectProcedure(proc.code))
    win.send(StartApplication())
    win.send(GiveConsent())
    while (current := win.journey.current_step()) is not None and current.id != step.id:
        win.send(SubmitStep({f.id: answers.get(f.id, "") for f in current.fields}))
        assert not win.journey.session.errors
    assert win.journey.screen is Screen.STEP


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.kind.value}-{c.key}")
def test_invalid_answer_shows_the_message_beside_the_field(qtbot: QtBot, window: KioskWindow, case: Case) -> None:
    proc, step, spec = find_field(case)
    answers = sample_answers(proc, window.runtime.clock.now().date())
    go_to_step(window, proc, step, answers)
    fill_step(qtbot, window, {**answers, spec.id: case.bad})
    click(qtbot, window, "step.next")
    assert window.journey.screen is Screen.STEP
    error = window.findChild(QLabel, f"error.{spec.id}")
    assert error is not None and error.isVisible(), (proc.code, spec.id)
    issue = window.journey.session.errors[spec.id]
    assert issue.key == case.key
    assert error.text() == tr(case.key, "vi", **issue.params)
    assert "⟦" not in error.text()
    editor = step_screen(window).editors[spec.id]
    assert editor.isAncestorOf(error)
    QApplication.processEvents()  # lay out the message that just appeared
    field_bottom = editor.input.mapTo(editor, QPoint(0, editor.input.height())).y()
    if editor.spec.kind is FieldKind.CHECKBOX:
        field_bottom = 0
    assert error.mapTo(editor, QPoint(0, 0)).y() >= field_bottom  # right under the field
    banner = window.findChild(QLabel, "step.banner")
    assert banner is not None and banner.isVisible()
    assert set(window.journey.session.errors) == {spec.id}, "only the wrong answer is marked"


def test_id_number_that_disagrees_with_birth_and_gender_is_marked(qtbot: QtBot, window: KioskWindow) -> None:
    proc = CATALOG.get(CODES[0])
    step = next(s for s in proc.steps if s.identity)
    answers = sample_answers(proc, window.runtime.clock.now().date())
    parts = {f.prefill_from_id_card: f.id for f in step.fields if f.prefill_from_id_card}
    go_to_step(window, proc, step, answers)
    fill_step(qtbot, window, {**answers, parts[IdCardPart.DATE_OF_BIRTH]: "05/09/1961"})
    click(qtbot, window, "step.next")
    error = window.findChild(QLabel, f"error.{parts[IdCardPart.ID_NUMBER]}")
    assert error is not None and error.isVisible()
    assert error.text() == tr("v.id_mismatch_year", "vi")
    fill_step(qtbot, window, {**answers, parts[IdCardPart.GENDER]: "nu"})
    click(qtbot, window, "step.next")
    assert error.text() == tr("v.id_mismatch_gender", "vi")
    fill_step(qtbot, window, answers)
    click(qtbot, window, "step.next")
    assert window.journey.current_step() != step

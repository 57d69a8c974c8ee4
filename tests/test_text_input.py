"""Whatever a person types or scans gets a clear message and never an exception; catalog text is
always shown as plain text. Driven through the real screens: typed into fields, then Next."""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.catalog import load_catalog
from kiosk.catalog.models import FieldKind, FormField, Procedure, Step
from kiosk.files.paths import procedures_dir
from kiosk.i18n import tr
from kiosk.journey.machine import (
    ScanIdCard,
    Screen,
)
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import to_question
from tests.screen_walk import (
    MARRIAGE_FILE,
    catalog_with,
    settle,
    shown_widgets,
    walk_menus,
    walk_procedure,
)
from tests.translations import TRANSLATIONS
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

pytestmark = pytest.mark.gui

CATALOG = load_catalog(procedures_dir())
BIRTH = "1.001193.000.00.00.H26"
MESSAGES = {pair[0] for key, pair in TRANSLATIONS.items() if key.startswith("v.")}

HOSTILE = {
    "very long": "Nguyễn Văn " * 700,
    "emoji": "An 😀👍🏽 Bình",
    "control characters": "An\x00\x07\x1b[31m Bình",
    "right-to-left": "مرحبا بالعالم",
    "bidi override": "\u202eAn Nguyễn",
    "zero-width": "An\u200bNguyễn\ufeff",
    "markup": "<b>An</b> <script>alert(1)</script>",
}
TEXT_KINDS = [
    FieldKind.PERSON_NAME, FieldKind.TEXT, FieldKind.ADDRESS, FieldKind.PHONE, FieldKind.EMAIL,
    FieldKind.ID_NUMBER, FieldKind.DATE, FieldKind.NUMBER, FieldKind.LONG_TEXT,
]


def step_screen(win: KioskWindow) -> StepScreen:
    view = win.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def first_field(kind: FieldKind) -> tuple[Procedure, Step, FormField]:
    for proc in CATALOG.procedures:
        answers = sample_answers(proc)
        for step in proc.steps:
            if step.show_if is not None:
                continue
            for spec in step.fields:
                if spec.kind is kind and spec.show_if is None and spec.id in answers:
                    return proc, step, spec
    raise AssertionError(kind)


def open_step(win: KioskWindow, proc: Procedure, step_id: str, field_id: str | None = None) -> dict[str, str]:
    answers = sample_answers(proc, win.runtime.clock.now().date())
    to_question(win, proc, step_id, field_id, answers)
    return answers


def type_into(widget: QWidget, text: str) -> None:
    """Type `text` into a field as the on-screen keyboard or a USB keyboard would (replacing it)."""
    widget.setFocus()
    if isinstance(widget, QLineEdit):
        widget.selectAll()
        widget.insert(text)
    elif isinstance(widget, QPlainTextEdit):
        widget.selectAll()
        widget.insertPlainText(text)


def press_next(qtbot: QtBot, win: KioskWindow) -> None:
    button = win.findChild(QPushButton, "step.next")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("kind", TEXT_KINDS, ids=lambda k: k.value)
def test_hostile_text_in_every_kind_of_field_gets_a_message(qtbot: QtBot, window: KioskWindow, kind: FieldKind) -> None:
    proc, step, spec = first_field(kind)
    answers = open_step(window, proc, step.id, spec.id)
    editors = step_screen(window).editors
    for name, text in HOSTILE.items():
        for field_id, editor in editors.items():
            if isinstance(editor.input, QLineEdit | QPlainTextEdit) and field_id != spec.id:
                type_into(editor.input, answers.get(field_id, ""))
        type_into(editors[spec.id].input, text)
        press_next(qtbot, window)
        assert window.journey.screen is Screen.STEP, (name, spec.id)
        assert window.journey.current_step() == step
        error = window.findChild(QLabel, f"error.{spec.id}")
        assert error is not None and error.isVisible(), (name, spec.id)
        assert any(error.text() == tr(key, "vi", **window.journey.session.errors[spec.id].params)
                   for key in TRANSLATIONS if key.startswith("v.")), error.text()
        assert error.textFormat() is Qt.TextFormat.PlainText
        still = editors[spec.id].value()
        assert still, f"{name}: what the resident typed was thrown away"


def test_a_field_left_with_only_spaces_is_required(qtbot: QtBot, window: KioskWindow) -> None:
    proc, step, spec = first_field(FieldKind.PERSON_NAME)
    open_step(window, proc, step.id)
    type_into(step_screen(window).editors[spec.id].input, "    \t ")
    press_next(qtbot, window)
    error = window.findChild(QLabel, f"error.{spec.id}")
    assert error is not None and error.text() == tr("v.required", "vi")


SCANS_REFUSED = {
    "six fields": "001060012345|123456789|Nguyễn Văn An|05091960|Nam|Hà Nội",
    "no fields": "||||||",
    "empty": "",
    "wrong date": "001060012345|123456789|Nguyễn Văn An|32131960|Nam|Hà Nội|10032021",
    "ID disagrees with the birth year": "001060012345|123456789|Nguyễn Văn An|05091961|Nam|Hà Nội|10032021",
    "control characters": SAMPLE_ID_CARD.replace("Nguyễn", "Ng\x00uy\x07ễn"),
    "markup in the name": SAMPLE_ID_CARD.replace("Nguyễn Văn An", "<b>Nguyễn</b>"),
    "garbage": "\udcff\ufffd\x01" * 40,
    "emoji": "😀|" * 7,
    "right-to-left": "مرحبا|" * 7,
    "far too long": SAMPLE_ID_CARD + "|" + "x" * 5000,
    "cut short": SAMPLE_ID_CARD[:40],
}


@pytest.mark.parametrize("payload", SCANS_REFUSED.values(), ids=SCANS_REFUSED.keys())
def test_unreadable_id_card_scans_say_so_and_fill_nothing(window: KioskWindow, payload: str) -> None:
    proc = CATALOG.get(BIRTH)
    step = next(s for s in proc.steps if s.identity)
    open_step(window, proc, step.id)
    window.send(ScanIdCard(payload))
    settle()
    status = window.findChild(QLabel, "step.scan_status")
    assert status is not None and status.isVisible()
    assert status.text() == tr("form.scan_bad", "vi")
    assert all(editor.value() in ("", "nam", "nu") or editor.spec.kind is FieldKind.SELECT
               for editor in step_screen(window).editors.values())
    assert window.journey.screen is Screen.STEP


def test_a_card_without_a_permanent_address_says_so_and_fills_nothing(window: KioskWindow) -> None:
    proc = CATALOG.get(BIRTH)
    step = next(s for s in proc.steps if s.identity)
    open_step(window, proc, step.id)
    parts = SAMPLE_ID_CARD.split("|")
    parts[5] = ""
    window.send(ScanIdCard("|".join(parts)))
    settle()
    status = window.findChild(QLabel, "step.scan_status")
    assert status is not None and status.isVisible()
    assert status.text() == tr("form.scan_no_address", "vi")
    assert "nơi thường trú" in status.text()
    assert step_screen(window).editors["applicant_name"].value() == ""


@pytest.mark.parametrize("extra", ["", "||||", "|x|y|z|", "\r\n"], ids=["7 fields", "2024 card", "more fields", "CRLF"])
def test_a_readable_card_fills_the_identity_fields_and_says_so(window: KioskWindow, extra: str) -> None:
    proc = CATALOG.get(BIRTH)
    step = next(s for s in proc.steps if s.identity)
    open_step(window, proc, step.id)
    window.send(ScanIdCard(SAMPLE_ID_CARD + extra))
    settle()
    status = window.findChild(QLabel, "step.scan_status")
    assert status is not None and status.isVisible() and status.text() == tr("form.scan_ok", "vi")
    values = {field_id: editor.value() for field_id, editor in step_screen(window).editors.items()}
    assert values["applicant_name"] == "Nguyễn Văn An"
    assert values["applicant_id"] == "001060012345"
    assert values["applicant_dob"] == "05/09/1960"
    assert values["applicant_gender"] == "nam"


def test_a_scan_on_a_step_without_identity_changes_nothing(window: KioskWindow) -> None:
    proc = CATALOG.get(BIRTH)
    step = next(s for s in proc.steps if not s.identity)
    open_step(window, proc, step.id)
    before = dict(window.journey.session.answers)
    window.send(ScanIdCard(SAMPLE_ID_CARD))
    settle()
    assert window.journey.session.answers == before
    assert window.journey.current_step() == step


# --- catalog text is plain text --------------------------------------------------------------------

TAGGED_CODE = "1.888888.000.00.00.H26"
TAGGED_NAME = "<b>Đăng ký</b> kết hôn &amp; <i>thử</i>"


def tagged_catalog(tmp: Path) -> Path:
    data = json.loads((procedures_dir() / MARRIAGE_FILE).read_text("utf-8"))
    data["code"] = TAGGED_CODE
    data["name"]["vi"] = TAGGED_NAME
    data["summary"]["vi"] = "<h1>Tóm tắt</h1> <img src='x'>"
    data["papers"][0]["name"]["vi"] = "<a href='http://x'>Tờ khai</a>"
    data["popular"] = True
    first = data["steps"][0]
    first["title"]["vi"] = "<u>Người nộp</u>"
    first["fields"][0]["label"]["vi"] = "<b>Họ tên</b>"
    return catalog_with(tmp, data)


def test_html_in_the_catalog_shows_literally_on_every_screen(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = make_window(catalog_dir=tagged_catalog(tmp_path))
    seen_on: set[str] = set()
    for state in chain(walk_menus(win), walk_procedure(win, qtbot, TAGGED_CODE, submit=True)):
        for widget in shown_widgets(win):
            if isinstance(widget, QLabel):
                if "<" in widget.text():
                    assert widget.textFormat() is Qt.TextFormat.PlainText, (state, widget.objectName())
                if TAGGED_NAME in widget.text():
                    seen_on.add(win.journey.screen.value)
            elif isinstance(widget, QAbstractButton) and TAGGED_NAME in widget.text():
                seen_on.add(win.journey.screen.value)
            assert not widget.toolTip(), (state, widget.objectName(), "tooltips may be read as rich text")
    # The form names the procedure in its progress line while the keyboard is down; with the keyboard up (as
    # on every page of this walk) the line names the step instead.
    assert {"home", "procedures", "overview"} <= seen_on

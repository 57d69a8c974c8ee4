"""Screens keep their widgets between visits (step editors, review rows, procedure tiles, paper rows):
what a resident typed must still vanish at the reset, and a name must still find only what is shown."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.journey.machine import Screen
from tests.qt_helpers import click, end_session
from ui.screens import form
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"
MARK = "Qzvreuse"


def shown_by_name(win: KioskWindow, name: str) -> bool:
    widget = win.findChild(QWidget, name)
    return widget is not None and widget.isVisibleTo(win)


def step_view(win: KioskWindow) -> StepScreen:
    view = win.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def to_first_step(qtbot: QtBot, win: KioskWindow, code: str = BIRTH, english: bool = False) -> None:
    click(qtbot, win, "attract.start")
    if english:
        click(qtbot, win, "nav.language")
    for name in ("home.do", f"procedure.{code}", "overview.start", "consent.agree"):
        click(qtbot, win, name)
    assert win.journey.screen is Screen.STEP


def fill_to_review(qtbot: QtBot, win: KioskWindow) -> None:
    proc = win.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, win.runtime.clock.now().date())
    answers.update({f.id: f"Nguyễn Văn {MARK}" for f in proc.fields() if f.id in ("applicant_name", "child_name")})
    while win.journey.screen is Screen.STEP:
        for field_id, editor in step_view(win).editors.items():
            if field_id in answers:
                editor.set_value(answers[field_id])
        click(qtbot, win, "step.next")
    assert win.journey.screen is Screen.REVIEW


def texts_with_mark(win: KioskWindow) -> list[str]:
    found = []
    for widget in [*win.findChildren(QWidget), *QApplication.allWidgets()]:  # kept or dropped, not yet deleted
        texts = [widget.accessibleName(), widget.accessibleDescription()]
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            texts.append(widget.text())
        if isinstance(widget, QPlainTextEdit):
            texts.append(widget.toPlainText())
        if any(MARK in text for text in texts):
            found.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return found


def test_kept_step_editors_and_review_rows_forget_the_resident(qtbot: QtBot, window: KioskWindow) -> None:
    to_first_step(qtbot, window)
    fill_to_review(qtbot, window)
    assert any(MARK in text for text in (w.text() for w in window.findChildren(QLabel)))
    end_session(qtbot, window)
    assert window.journey.screen is Screen.ATTRACT
    assert texts_with_mark(window) == []
    # The next resident gets the same (kept) editors, empty and without the last one's messages.
    to_first_step(qtbot, window)
    editors = step_view(window).editors
    assert editors and all(editor.value() == "" for editor in editors.values())
    assert not any(editor.error.isVisible() for editor in editors.values())
    click(qtbot, window, "step.next")  # refused: required answers are missing
    assert any(editor.error.isVisible() for editor in editors.values())
    end_session(qtbot, window)
    to_first_step(qtbot, window)
    assert not any(editor.error.isVisible() or editor.error.text() for editor in step_view(window).editors.values())


def test_a_name_finds_only_the_shown_step_and_review_rows(qtbot: QtBot, window: KioskWindow) -> None:
    # English first, then Vietnamese: the kept English page of the same fields comes first among the widgets.
    to_first_step(qtbot, window, english=True)
    click(qtbot, window, "nav.language")
    for field_id, editor in step_view(window).editors.items():
        assert window.findChild(QWidget, f"editor.{field_id}") is editor, field_id
        if editor.isVisibleTo(window):
            assert shown_by_name(window, f"field.{field_id}") and not shown_by_name(window, f"error.{field_id}")
    fill_to_review(qtbot, window)
    named = [w.objectName() for w in window.findChildren(QPushButton) if w.objectName().startswith("review.answer.")]
    assert named and all(shown_by_name(window, name) for name in named)
    click(qtbot, window, "review.edit.applicant")
    assert window.journey.screen is Screen.STEP
    for field_id, editor in step_view(window).editors.items():
        assert window.findChild(QWidget, f"editor.{field_id}") is editor, field_id


def test_procedure_tiles_follow_the_filter_and_the_reset(qtbot: QtBot, window: KioskWindow) -> None:
    click(qtbot, window, "attract.start")
    click(qtbot, window, "home.do")
    view = window.screens[Screen.PROCEDURES]

    def listed() -> list[str]:
        return [w.objectName() for w in view.findChildren(QPushButton) if w.objectName().startswith("procedure.")]

    every = listed()
    assert len(every) == len(window.runtime.catalog)
    click(qtbot, window, "procedures.filter.chung_thuc")
    narrowed = listed()
    assert 0 < len(narrowed) < len(every)
    assert all(shown_by_name(window, name) for name in narrowed)
    end_session(qtbot, window)
    assert listed() == []  # a narrowed list tells what the resident looked for: it goes with the reset
    click(qtbot, window, "attract.start")
    click(qtbot, window, "home.do")
    assert listed() == every


def test_a_step_page_dropped_to_make_room_keeps_nothing(qtbot: QtBot, window: KioskWindow,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form, "MAX_PAGES", 1)  # every new step drops the pages before the last one
    gc.disable()  # a dropped page must go at once, not when the collector next runs
    try:
        to_first_step(qtbot, window)
        fill_to_review(qtbot, window)
        assert len(step_view(window).pages) <= 2  # the one shown and the one replacing it
        end_session(qtbot, window)
        assert texts_with_mark(window) == []
    finally:
        gc.enable()

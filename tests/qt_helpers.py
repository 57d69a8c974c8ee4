"""Helpers for GUI tests: the kiosk window under pytest-qt, and checks that nothing is left behind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.catalog.models import Procedure
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
from kiosk.runtime import Runtime, build_runtime
from kiosk.settings.config import Settings
from kiosk.workdays.clock import VN_TZ, ManualClock
from ui.shell.window import KioskWindow


def make_runtime(settings: Settings | None = None, clock: ManualClock | None = None,
                 catalog_dir: Path | None = None) -> Runtime:
    """A runtime for a test window (`for_test_window`), on the procedures in `catalog_dir` if given."""
    return build_runtime(for_test_window(settings or Settings()),
                         clock=clock or ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)),
                         catalog_dir=catalog_dir)


def for_test_window(settings: Settings) -> Settings:
    """`settings` for a window driven by a test, unless they say otherwise: no read-aloud engine (what a test
    sees must not depend on what this machine has installed) and no tap guard (a test clicks as soon as a
    screen is shown, faster than a person could)."""
    given = settings.kiosk.model_fields_set
    update = {key: value for key, value in (("speech_engine", "none"), ("tap_guard_ms", 0)) if key not in given}
    return settings.model_copy(update={"kiosk": settings.kiosk.model_copy(update=update)})


def visible_texts(root: QWidget) -> list[str]:
    """Every text a resident can see under `root` (labels and buttons that are shown)."""
    texts = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if (isinstance(widget, QLabel) and widget.text()) or (isinstance(widget, QAbstractButton) and widget.text()):
            texts.append(widget.text())
    return texts


def click(qtbot: QtBot, win: KioskWindow, name: str) -> None:
    """Click the button `name` as a resident would; it must be there and visible."""
    button = win.findChild(QPushButton, name)
    assert button is not None, f"no button {name} on {win.journey.screen}"
    assert button.isVisible(), f"button {name} is hidden on {win.journey.screen}"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def end_session(qtbot: QtBot, win: KioskWindow) -> None:
    """Tap End, and confirm when the kiosk asks (it does where answers would be lost)."""
    click(qtbot, win, "nav.end")
    confirm = win.findChild(QPushButton, "end.confirm")
    if confirm is not None and confirm.isVisible():
        click(qtbot, win, "end.confirm")


def next_through_step(qtbot: QtBot, win: KioskWindow, fill: Callable[[], None]) -> None:
    """Answer the current step page by page: `fill` answers the question shown, then "Tiếp tục"; stops when
    the step is done (another step, the review) or a page is refused."""
    journey = win.journey
    start = journey.session.step_index
    for _ in range(64):  # more pages than any step has
        fill()
        click(qtbot, win, "step.next")
        if journey.screen is not Screen.STEP or journey.session.errors or journey.session.step_index != start:
            return
    raise AssertionError("the step never ended")


def to_question(win: KioskWindow, proc: Procedure, step_id: str, field_id: str | None,
                answers: Mapping[str, str]) -> None:
    """Start `proc` and go to the page asking `field_id` of step `step_id` (its first page when None),
    every question before it answered with `answers`."""
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(proc.code), StartApplication(), GiveConsent()):
        win.send(event)
    while (current := win.journey.current_step()) is not None and current.id != step_id:
        win.send(SubmitStep({f.id: answers.get(f.id, "") for f in current.fields}))
        assert not win.journey.session.errors, win.journey.session.errors
    step = win.journey.current_step()
    assert win.journey.screen is Screen.STEP and step is not None
    before = {}
    for spec in step.fields:
        if spec.id == field_id:
            break
        before[spec.id] = answers.get(spec.id, "")
    if field_id is not None and before:
        win.send(SubmitStep(before))
    page = win.journey.current_page()
    assert page is not None and (field_id is None or field_id in page.field_ids), (field_id, win.journey.session.errors)

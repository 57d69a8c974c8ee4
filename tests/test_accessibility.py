"""Larger text, high contrast, accessible names on every screen, and a sensible focus order."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    Finish,
    GiveConsent,
    Mode,
    NextPaper,
    OpenFeedback,
    OpenLookup,
    PaperScanned,
    Reset,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.scanning.images import Page, with_page
from ui.accessibility.modes import DEFAULT_MODE, DisplayMode, interactive_widgets, unnamed_widgets
from ui.common.theme import (
    HIGH_CONTRAST,
    NORMAL,
    TEXT_SCALES,
    contrast_pairs,
    contrast_ratio,
    palette_colours,
    stylesheet,
)
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"
MODES = [DisplayMode(scale, contrast) for contrast in (False, True) for scale in TEXT_SCALES]


@pytest.fixture
def window(active_window: KioskWindow) -> KioskWindow:
    return active_window


# --- colours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("palette", "text_ratio"), [(NORMAL, 4.5), (HIGH_CONTRAST, 7.0)], ids=["normal", "high"])
def test_every_colour_pair_of_the_theme_is_readable(palette: object, text_ratio: float) -> None:
    pairs = contrast_pairs(palette)  # type: ignore[arg-type]
    for what, foreground, background in pairs["text"]:
        assert contrast_ratio(foreground, background) >= text_ratio, what
    for what, foreground, background in pairs["controls"]:
        assert contrast_ratio(foreground, background) >= 3.0, what


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=["normal", "high"])
def test_the_style_sheet_uses_only_the_palettes_colours(palette: object) -> None:
    colours = set(palette_colours(palette).values())  # type: ignore[arg-type]
    for scale in TEXT_SCALES:
        used = set(re.findall(r"#[0-9A-Fa-f]{6}\b", stylesheet(palette, scale)))  # type: ignore[arg-type]
        assert used <= colours, used - colours


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    with pytest.raises(ValueError, match="RRGGBB"):
        contrast_ratio("red", "#FFFFFF")


# --- every screen ----------------------------------------------------------------------------------


def step_view(window: KioskWindow) -> StepScreen:
    view = window.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def every_screen(qtbot: QtBot, window: KioskWindow) -> Iterator[Screen]:
    """Walk the journey through every screen, yielding on each with its content shown."""
    yield Screen.ATTRACT
    window.send(Touch())
    yield Screen.HOME
    window.send(ChooseMode(Mode.DO))
    yield Screen.PROCEDURES
    window.send(SelectProcedure(BIRTH))
    yield Screen.OVERVIEW
    window.send(StartApplication())
    yield Screen.CONSENT
    window.send(GiveConsent())
    window.journey.scanning = True  # a scanner is set up: the birth notice may be scanned
    proc = window.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, window.runtime.clock.now().date())
    while window.journey.screen is Screen.STEP:
        view = step_view(window)
        fields = [e.input for e in view.editors.values() if isinstance(e.input, QLineEdit) and e.isVisible()]
        if fields:
            fields[0].setFocus()  # the keyboard's keys are checked too
            qtbot.waitUntil(window.input.keyboard.isVisible, timeout=2000)
        yield Screen.STEP
        for editor in view.editors.values():
            if editor.spec.id in answers:
                editor.set_value(answers[editor.spec.id])
        window.send(SubmitStep(view.capture()))
    yield Screen.SCAN
    window.send(PaperScanned(with_page("giay_chung_sinh", Page(Image.new("L", (400, 560), 255), 200), [], {})))
    yield Screen.SCAN  # with a page: its preview, "scan again", "add a page"
    window.send(NextPaper())
    yield Screen.REVIEW
    outbox = window.runtime.outbox
    store = outbox.enqueue
    stored = threading.Event()

    def enqueue_when_allowed(*args: Any, **kwargs: Any) -> Any:
        stored.wait(5)  # the "storing your dossier" screen stays until the test has looked at it
        return store(*args, **kwargs)

    outbox.enqueue = enqueue_when_allowed  # type: ignore[method-assign]
    window.send(ConfirmSubmit())
    yield Screen.SUBMITTING
    stored.set()
    qtbot.waitUntil(lambda: window.journey.screen is Screen.RECEIPT, timeout=5000)
    outbox.enqueue = store  # type: ignore[method-assign]
    yield Screen.RECEIPT
    window.send(Finish())
    yield Screen.RATING
    window.send(Reset("test"))
    window.send(Touch())
    window.send(OpenLookup())
    yield Screen.LOOKUP
    window.send(Reset("test"))
    window.send(Touch())
    window.send(OpenFeedback())
    yield Screen.FEEDBACK


@pytest.mark.parametrize("mode", MODES, ids=[f"x{m.scale}{'-high' if m.high_contrast else ''}" for m in MODES])
def test_every_interactive_widget_on_every_screen_has_a_name_and_description(
    qtbot: QtBot, window: KioskWindow, mode: DisplayMode
) -> None:
    seen: set[Screen] = set()
    checked = 0
    for screen in every_screen(qtbot, window):
        assert window.journey.screen is screen
        window.input.display.set_mode(mode)  # again after each reset
        assert unnamed_widgets(window) == [], screen.value
        checked += len(interactive_widgets(window))
        for name in ("a11y.text_size", "a11y.contrast"):  # toggled from every screen
            control = window.findChild(QPushButton, name)
            assert control is not None and control.isVisibleTo(window), (screen.value, name)
        seen.add(screen)
    assert seen == set(Screen)
    assert checked > 150  # the keyboard's keys, the form's fields, the lists' tiles


def test_larger_text_and_high_contrast_change_the_screen_and_reset_with_the_session(
    qtbot: QtBot, window: KioskWindow
) -> None:
    window.send(Touch())
    title = window.findChild(QLabel, "home.title")
    assert title is not None
    view = window.stack.currentWidget()
    assert view is not None
    normal_px = QFontInfo(title.font()).pixelSize()
    normal_background = view.palette().color(view.backgroundRole()).name()
    text_size = window.findChild(QPushButton, "a11y.text_size")
    contrast = window.findChild(QPushButton, "a11y.contrast")
    assert text_size is not None and contrast is not None
    assert text_size.accessibleName() == "Cỡ chữ ×1"
    text_size.click()
    assert text_size.accessibleName() == "Cỡ chữ ×1,25"
    text_size.click()
    assert text_size.accessibleName() == "Cỡ chữ ×1,5"
    contrast.click()
    assert contrast.isChecked()
    assert window.input.display.mode == DisplayMode(1.5, True)
    assert QFontInfo(title.font()).pixelSize() >= normal_px * 1.45
    assert view.palette().color(view.backgroundRole()).name() == HIGH_CONTRAST.background.lower()
    assert view.palette().color(view.backgroundRole()).name() != normal_background
    end = window.findChild(QPushButton, "nav.end")
    assert end is not None
    end.click()
    assert window.journey.screen is Screen.ATTRACT
    assert window.input.display.mode == DEFAULT_MODE
    assert not contrast.isChecked()
    assert text_size.accessibleName() == "Cỡ chữ ×1"
    assert window.styleSheet() == ""
    text_size.click()
    text_size.click()
    text_size.click()
    assert window.input.display.mode == DEFAULT_MODE  # ×1.5 wraps round to ×1


def focus_chain(start: QWidget, keep: Callable[[QWidget], bool], limit: int = 400) -> list[QWidget]:
    """Widgets Tab visits after `start` (those `keep` accepts), once round the chain."""
    chain: list[QWidget] = []
    widget = start.nextInFocusChain()
    while widget is not None and widget is not start and len(chain) < limit:
        if keep(widget):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def tab_stop(window: QWidget) -> Callable[[QWidget], bool]:
    def keep(widget: QWidget) -> bool:
        return bool(widget.focusPolicy().value & 0x1) and widget.isVisibleTo(window) and widget.isEnabled()

    return keep


def test_focus_order_goes_along_the_top_bar_then_down_the_form(qtbot: QtBot, window: KioskWindow) -> None:
    window.send(Touch())
    back = window.findChild(QPushButton, "nav.back")
    assert back is not None
    names = [w.objectName() for w in focus_chain(back, tab_stop(window))]
    bar = [n for n in names if n.startswith(("nav.", "a11y."))]
    # No speech engine in test windows (make_runtime): test_speech covers the read-aloud button's place.
    expected = ["a11y.text_size", "a11y.contrast", "nav.language", "nav.end"]
    assert bar[:len(expected)] == expected
    for event in (ChooseMode(Mode.DO), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        window.send(event)
    view = step_view(window)
    first = next(iter(view.editors.values())).focus_target()
    inputs = {e.focus_target(): e for e in view.editors.values() if e.isVisible()}
    order = [inputs[w] for w in [first, *focus_chain(first, tab_stop(window))] if w in inputs]
    assert len(order) == len(inputs)
    tops = [editor.mapTo(window, editor.rect().topLeft()).y() for editor in order]
    assert tops == sorted(tops)

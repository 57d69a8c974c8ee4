"""Every screen at 1920×1080, 1366×768 and portrait 1080×1920: no clipped or overlapping text, every
target at least 56 px, body text at least 20 px — the menus, every step of every bundled procedure
(with and without its messages) and a procedure whose every text is long, in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import Screen, SetLanguage
from tests.screen_walk import (
    LONG_CODE,
    SIZES,
    dispose,
    layout_problems,
    long_named_catalog,
    make_window,
    send,
    walk_menus,
    walk_procedure,
    without_keyboard,
)
from ui.common.theme import BODY_PX, scale_for, stylesheet
from ui.shell.window import KioskWindow

pytestmark = pytest.mark.gui

SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
BUNDLED = sorted(p.stem.split("-")[0] for p in procedures_dir().glob("*.json"))


def check(win: KioskWindow, states: Iterator[str], size: tuple[int, int], lang: str = "vi") -> int:
    """Run through `states` and fail with every problem found; returns how many states were seen."""
    found: list[str] = []
    count = 0
    for state in states:
        if win.journey.session.lang != lang:
            send(win, SetLanguage(lang))
        count += 1
        without_keyboard(win)
        if win.size().toTuple() != size:
            found.append(f"{state}: the window grew to {win.size().toTuple()}")
        found += [f"{state}: {problem}" for problem in layout_problems(win)]
    assert not found, "\n".join(found[:60])
    return count


def code_of(prefix: str, win: KioskWindow) -> str:
    return next(p.code for p in win.runtime.catalog.procedures if p.code.startswith(prefix + "."))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_menus_and_the_long_named_procedure_fit(qtbot: QtBot, tmp_path: Path, size: tuple[int, int], lang: str) -> None:
    win, runtime = make_window(qtbot, size, long_named_catalog(tmp_path))
    try:
        assert check(win, walk_menus(win), size, lang) >= 9
        states = check(win, walk_procedure(win, qtbot, LONG_CODE, scans=True), size, lang)
        assert states >= 10
    finally:
        dispose(win, runtime)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_submitting_receipt_and_rating_fit(qtbot: QtBot, tmp_path: Path, size: tuple[int, int], lang: str) -> None:
    win, runtime = make_window(qtbot, size, long_named_catalog(tmp_path))
    try:
        walked = walk_procedure(win, qtbot, LONG_CODE, submit=True)
        for state in walked:  # the form itself is checked above
            if state.endswith("review"):
                break
        assert check(win, walked, size, lang) == 3
    finally:
        dispose(win, runtime)


@pytest.mark.slow
@pytest.mark.parametrize("prefix", BUNDLED)
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_step_of_every_procedure_fits(qtbot: QtBot, size: tuple[int, int], prefix: str) -> None:
    win, runtime = make_window(qtbot, size)
    try:
        code = code_of(prefix, win)
        assert check(win, walk_procedure(win, qtbot, code), size) >= 5
    finally:
        dispose(win, runtime)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_no_screen_asks_for_more_room_than_the_window_has(qtbot: QtBot, size: tuple[int, int]) -> None:
    win, runtime = make_window(qtbot, size)
    try:
        for screen in Screen:
            win._screen(screen)
        room = win.stack.size()
        greedy = {
            screen.value: view.minimumSizeHint().toTuple()
            for screen, view in win.screens.items()
            if view.minimumSizeHint().height() > room.height() or view.minimumSizeHint().width() > room.width()
        }
        assert not greedy, f"screens needing more than {room.toTuple()}: {greedy}"
    finally:
        dispose(win, runtime)


@pytest.mark.parametrize(("size", "expected"), [((1366, 768), 1.0), ((1280, 1024), 1.0), ((1920, 1080), 1920 / 1366),
                                                 ((1080, 1920), 1.0), ((3840, 2160), 1.6)])
def test_text_and_targets_grow_with_the_screen(size: tuple[int, int], expected: float) -> None:
    """A 1920×1080 panel shows text and touch targets 1.4 times as large as a 1366×768 one, so they take the
    same share of the screen; never smaller, and at most 1.6 times."""
    assert scale_for(*size) == pytest.approx(expected)
    assert f"font-size: {round(BODY_PX * expected)}px" in stylesheet(screen=expected)

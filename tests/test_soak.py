"""A short UI soak in `make test`: scripted resident sessions through the real screens, offscreen.

The long one (10,000 sessions) is `make soak`; both use bench/soak_ui.py. Each session takes a random path —
a dossier with random answers (some invalid first), browsing, lookup, feedback, the End button, language
toggles, walking away until the idle reset — and every click goes through the real widgets.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from bench.soak_ui import SessionDriver, pyside_drops_none
from kiosk.journey.machine import Screen
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

SESSIONS = 30


def test_pyside_keeps_its_reference_to_none() -> None:
    ensure_app()
    assert not pyside_drops_none(), (
        "this PySide6 loses a reference to None on every call of a method returning nothing (PySide6 6.12.0 on "
        "Python 3.11): the kiosk aborts with 'Fatal Python error: none_dealloc' within minutes. "
        "Use PySide6-Essentials < 6.12 or Python >= 3.12.")


@pytest.mark.gui
@pytest.mark.slow
def test_thirty_random_sessions_leave_no_error_and_reach_the_receipt(qtbot: QtBot, window: KioskWindow) -> None:
    if pyside_drops_none():
        pytest.fail("this PySide6 drops references to None (see test_pyside_keeps_its_reference_to_none); "
                    "a soak would abort the test run")
    driver = SessionDriver(window, seed=20261126)
    stats = driver.run(SESSIONS)
    assert stats.problems == []
    assert stats.sessions == SESSIONS
    assert window.journey.screen is Screen.ATTRACT
    # The paths the soak is meant to cover were all taken at least once.
    assert stats.submitted >= 5
    assert stats.screens["receipt"] >= 5 and stats.screens["rating"] >= 1
    assert stats.invalid_typed >= 1 and stats.language_toggles >= 1
    assert stats.idle_resets + stats.end_pressed >= 1
    stored = window.runtime.outbox.counts()
    assert sum(stored.values()) >= stats.submitted

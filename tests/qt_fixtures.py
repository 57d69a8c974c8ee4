"""The kiosk window fixture shared by the GUI tests (a test module may define its own `window`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.qt_helpers import make_runtime
from tests.screen_walk import dispose
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    """A shown 1366×768 kiosk window on the default settings and a ManualClock; deleted after the test."""
    ensure_app()
    runtime = make_runtime()
    win = KioskWindow(runtime)
    win.resize(1366, 768)
    win.show()
    QTest.qWaitForWindowExposed(win)
    yield win
    dispose(win, runtime)  # deleted now, not left alive with its event filters for the next tests

"""The kiosk window fixtures shared by the GUI tests: `make_window` builds shown windows on given settings or
runtime (each deleted after the test), `window` is the usual one, `active_window` the same with keyboard focus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from kiosk.runtime import Runtime
from kiosk.settings.config import Settings
from tests.qt_helpers import make_runtime
from tests.screen_walk import dispose
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

WindowFactory = Callable[..., KioskWindow]


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[WindowFactory]:
    """`make_window(settings=None, size=(1366, 768), active=False, engage=False, runtime=None, catalog_dir=None)`:
    a shown kiosk window and the runtime under it, each disposed after the test. The runtime is `runtime` if
    given (built by the test beforehand, e.g. with a dossier already submitted), else a test window's runtime
    (`make_runtime`: `for_test_window` settings, a ManualClock) on `settings` and the procedures in
    `catalog_dir` (the bundled ones by default). `engage` locks the window down before it is first shown, as
    the kiosk does; `active` waits until it has the keyboard focus."""
    made: list[tuple[KioskWindow, Runtime]] = []

    def make(settings: Settings | None = None, size: tuple[int, int] = (1366, 768), active: bool = False,
             engage: bool = False, runtime: Runtime | None = None, catalog_dir: Path | None = None) -> KioskWindow:
        assert runtime is None or (settings is None and catalog_dir is None), "settings come with the runtime"
        ensure_app()
        runtime = runtime if runtime is not None else make_runtime(settings, catalog_dir=catalog_dir)
        win = KioskWindow(runtime)
        made.append((win, runtime))
        if engage:
            win.lockdown.engage()
        win.resize(*size)
        win.show()
        QTest.qWaitForWindowExposed(win)
        if active:
            win.activateWindow()
            qtbot.waitUntil(win.isActiveWindow, timeout=2000)
        return win

    yield make
    for win, runtime in made:
        dispose(win, runtime)  # deleted now, not left alive with its event filters for the next tests


@pytest.fixture
def window(make_window: WindowFactory) -> KioskWindow:
    """A shown 1366×768 kiosk window on the default settings and a ManualClock; deleted after the test."""
    return make_window()


@pytest.fixture
def active_window(make_window: WindowFactory) -> KioskWindow:
    """`window`, activated: keys typed in the test reach it."""
    return make_window(active=True)

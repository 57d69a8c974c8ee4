"""Test harness: offscreen Qt, an isolated data directory and keyring, and strict clean-up checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.hypothesis_profiles  # noqa: F401 (registers the `ci` and `fuzz` profiles, loads HYPOTHESIS_PROFILE)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "kiosk.keystore.LocalFileKeyring"

REPO = Path(__file__).resolve().parent.parent

# The shared `window` fixture of the GUI tests.
pytest_plugins = ["tests.qt_fixtures", "tests.fleet_fixtures"]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data directory and keyring, and no machine config."""
    data = tmp_path / "data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    monkeypatch.setenv("KIOSK_KEYRING_DIR", str(tmp_path / "keyring"))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for name in list(os.environ):
        if name.startswith("KIOSK__"):
            monkeypatch.delenv(name)
    yield data


@pytest.fixture
def kiosk_log() -> Iterator[Path]:
    """The kiosk's own log file, at DEBUG, for the length of one test."""
    import logging

    from kiosk.ops.logs import log_file, setup_logging

    setup_logging(logging.DEBUG)
    yield log_file()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()


@pytest.fixture(autouse=True)
def qt_left_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a kiosk timer running or a top-level window open."""
    yield
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    app.processEvents()
    from ui.common.timers import active_timers

    running = active_timers()
    shown = [w.objectName() or type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible()]
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    app.processEvents()
    # deleteLater only runs inside an event loop: delete now, so no window (and its app-wide event
    # filters) outlives its test and slows the next ones down.
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not running, f"timers left running: {running}"
    assert not shown, f"windows left open: {shown}"

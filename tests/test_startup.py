"""Start-up in two halves: the attract screen is painted from the raw settings before the models, the catalog
and the outbox load; then the kiosk attaches them. What a resident or a technician would notice: the screen
shown and its texts, a touch during start-up not lost, the same messages and exit status when a start fails."""

from __future__ import annotations

import base64
import gc
import os
import subprocess
import sys
import tomllib
import weakref
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.journey.machine import Reset, Screen
from kiosk.ops import collector
from kiosk.security import keyfile, secrets
from kiosk.settings.boot import BootInfo
from kiosk.settings.config import ConfigError, Settings, load_settings, site_profiles
from tests.qt_helpers import make_runtime
from tests.screen_walk import dispose, walk
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

REPO = Path(__file__).resolve().parent.parent

# What the first half must not import: each is tens of milliseconds or megabytes before the first paint.
AFTER_PAINT_ONLY = (
    "pydantic", "kiosk.settings.config", "kiosk.catalog", "kiosk.journey.machine", "kiosk.journey.events",
    "kiosk.outbox.store", "cryptography", "keyring", "requests", "qrcode", "PySide6.QtPrintSupport",
    "ui.input.keyboard", "ui.printing.service",
)


def test_bootinfo_takes_the_site_profile_and_the_machine_file(tmp_path: Path) -> None:
    profile = tomllib.loads(site_profiles()["bach-khoa"].read_text("utf-8"))
    machine = tmp_path / "kiosk.toml"
    machine.write_text('[site]\nprofile = "bach-khoa"\n[kiosk]\ndefault_language = "en"\nfullscreen = false\n', "utf-8")
    info = BootInfo.read(machine)
    assert info.site_name == profile["site"]["name"]
    assert info.opening_hours == profile["site"]["opening_hours"]
    assert info.language == "en"
    assert info.fullscreen is False


def test_bootinfo_leaves_odd_values_to_the_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    machine = tmp_path / "kiosk.toml"
    machine.write_text('[site]\nname = 5\n[kiosk]\ndefault_language = "fr"\n', "utf-8")
    monkeypatch.setenv("KIOSK__KIOSK__FULLSCREEN", "false")
    info = BootInfo.read(machine)
    assert (info.site_name, info.language, info.fullscreen) == ("", "vi", False)
    with pytest.raises(ConfigError):
        load_settings(machine)


def test_bootinfo_refuses_a_file_that_is_not_toml(tmp_path: Path) -> None:
    machine = tmp_path / "kiosk.toml"
    machine.write_text("[site\nname = ", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        BootInfo.read(machine)


def test_the_first_half_imports_none_of_the_heavy_parts() -> None:
    code = ("import sys, kiosk.cli, kiosk.settings.boot, kiosk.ops.logs, kiosk.security.keyfile, ui.shell.app,"
            " ui.shell.first_paint;"
            f"print(sorted(m for m in {AFTER_PAINT_ONLY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.stdout.strip() == "[]"


def test_module_sources_are_not_kept_in_memory() -> None:
    # PySide6's import hook would read (and linecache keep) the source of every module imported after it.
    code = ("import linecache, ui, kiosk.settings.config, kiosk.journey.machine, kiosk.outbox.store, ui.shell.window,"
            " ui.printing.service, ui.console.staff;"
            "print(sum(len(lines) for _, _, lines, _ in linecache.cache.values()))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert int(result.stdout) < 5000  # lines (PySide6 reads enum.py itself); unchecked, over 100,000


def _texts(win: KioskWindow) -> set[str]:
    return {w.text() for w in win.findChildren(QLabel) + win.findChildren(QPushButton) if w.isVisible()}


def test_attract_screen_shows_before_the_kiosk_is_attached_and_a_touch_is_kept(qtbot: QtBot) -> None:
    ensure_app()
    win = KioskWindow(boot=BootInfo(site_name="Nhà văn hóa tổ 12", opening_hours="Thứ Bảy: 8:00 – 11:00"))
    win.resize(1366, 768)
    win.show()
    QTest.qWaitForWindowExposed(win)
    runtime = make_runtime()
    try:
        site = win.findChild(QLabel, "attract.site")
        assert site is not None and win.stack.currentWidget() is site.parentWidget()
        texts = _texts(win)
        assert "Nhà văn hóa tổ 12" in texts
        assert any("Thứ Bảy: 8:00 – 11:00" in text for text in texts)
        assert not win.end_button.isVisible()
        start = win.findChild(QPushButton, "attract.start")
        assert start is not None and start.text()
        qtbot.mouseClick(start, Qt.MouseButton.LeftButton)  # while the rest is still loading
        assert not win.is_attached

        win.attach(runtime)
        assert runtime.journey.screen is Screen.HOME  # the touch was handed on
        win.send(Reset("end-button"))
        assert runtime.journey.screen is Screen.ATTRACT
        texts = _texts(win)
        assert runtime.settings.site.name in texts  # the validated settings replace the raw ones
        assert "Nhà văn hóa tổ 12" not in texts
    finally:
        dispose(win, runtime)


class WindowsShown(QObject):
    """Every widget shown as a window of its own while it watches the application."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() is QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            self.shown.append(f"{type(watched).__name__} {watched.objectName()!r}")
        return False


def test_start_up_and_every_screen_put_one_window_on_the_screen(qtbot: QtBot) -> None:
    """A widget shown before it has a parent is mapped as a window of its own for a moment: on the kiosk's
    screen a small grey box flashes in the corner, and a test looking for the kiosk's window finds two."""
    app = ensure_app()
    spy = WindowsShown()
    app.installEventFilter(spy)
    win = KioskWindow(boot=BootInfo(site_name="Nhà văn hóa tổ 12"))
    runtime = make_runtime()
    try:
        win.resize(1366, 768)
        win.show()
        QTest.qWaitForWindowExposed(win)
        win.attach(runtime)
        code = runtime.catalog.procedures[0].code
        screens = list(walk(win, qtbot, [code]))
        assert any("receipt" in screen for screen in screens)  # the walk went the whole way
        assert spy.shown == ["KioskWindow 'kiosk.window'"]
    finally:
        app.removeEventFilter(spy)
        dispose(win, runtime)


def test_a_window_closed_during_start_up_shuts_down_cleanly(qtbot: QtBot) -> None:
    ensure_app()
    win = KioskWindow(boot=BootInfo(site_name="Nhà văn hóa tổ 3"))
    win.show()
    QTest.qWaitForWindowExposed(win)
    win.close()  # the slideshow's timer stops; nothing of the second half is touched
    assert not win.isVisible()
    win.deleteLater()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_waits_while_the_kiosk_starts_then_frees_what_start_up_left() -> None:
    """`kiosk run` pauses automatic collection; once the kiosk is ready, a cycle start-up dropped is freed and
    what survived is frozen (never scanned again), and automatic collection is back on."""
    assert gc.isenabled()
    try:
        collector.pause()
        assert not gc.isenabled()
        dropped = _Cycle()
        gone = weakref.ref(dropped)
        del dropped
        for _ in range(50_000):  # allocations that would have set off automatic collections
            _Cycle()
        assert gone() is not None  # nothing collected while paused
        kept = _Cycle()
        frozen = collector.settle()
        assert gone() is None and gc.isenabled()
        assert frozen == gc.get_freeze_count() > 0
        assert not any(obj is kept for obj in gc.get_objects())  # frozen objects are no longer tracked for scans
    finally:
        gc.unfreeze()
        gc.enable()


def _kiosk_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run([sys.executable, "-m", "kiosk", "run", *args], capture_output=True, text=True, cwd=REPO,
                          env=environment, timeout=60, check=False)


@pytest.mark.slow
def test_kiosk_run_paints_then_finishes_starting() -> None:
    result = _kiosk_run("--windowed", "--exit-after-paint", "100", PYTHONPROFILEIMPORTTIME="1")
    assert result.returncode == 0, result.stderr
    lines = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert lines == ["painted", "ready", "rss_kb"]
    # The HTTP stack waits until the kiosk talks to a portal (none is set here), the fleet's controller and wire
    # models exist only on a kiosk that reports to one, and the scanner's program and image processing load when
    # a paper is scanned (none of these here): none of them is part of its start-up.
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "ui.shell.window" in imported
    assert not {"requests", "urllib3", "kiosk.portal.client", "kiosk.telemetry.reporter"} & imported
    assert not {"ui.controllers.fleet", "kiosk.telemetry.wire", "kiosk.portal.models"} & imported
    assert not {"kiosk.scanning.device", "kiosk.scanning.images", "PIL.ImageOps"} & imported


def test_a_configuration_file_that_is_not_toml_stops_start_up_before_any_window(tmp_path: Path) -> None:
    machine = tmp_path / "kiosk.toml"
    machine.write_text("[site\n", "utf-8")
    result = _kiosk_run("--config", str(machine), "--exit-after-paint", "100")
    assert result.returncode == 2
    assert "configuration error" in result.stderr and str(machine) in result.stderr
    assert "painted" not in result.stdout


@pytest.mark.slow
def test_an_invalid_setting_stops_start_up_with_the_same_message(tmp_path: Path) -> None:
    machine = tmp_path / "kiosk.toml"
    machine.write_text("[idle]\nform_seconds = 2\n", "utf-8")
    result = _kiosk_run("--windowed", "--config", str(machine))
    assert result.returncode == 2
    assert "[idle.form_seconds]" in result.stderr and str(machine) in result.stderr


def test_the_outbox_key_is_read_from_the_local_file_without_the_keyring_package() -> None:
    assert keyfile.configured()  # tests run with kiosk.keystore.LocalFileKeyring, as kiosks do
    key = secrets.outbox_key(create=True)
    code = ("import sys, base64; from kiosk.security import secrets; k = secrets.outbox_key();"
            "print(base64.b64encode(k).decode(), 'keyring' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                            env=dict(os.environ))

    assert result.stdout.split() == [base64.b64encode(key).decode(), "False"]
    assert keyring.get_password(secrets.SERVICE, secrets.OUTBOX_KEY) == base64.b64encode(key).decode()


@pytest.mark.parametrize("backend", keyfile.BACKEND_NAMES)
def test_a_kiosk_configured_with_either_backend_name_reads_its_secrets(backend: str) -> None:
    """Installed kiosks name the backend `kiosk.keystore.LocalFileKeyring`; keyring itself imports that name."""
    key = secrets.outbox_key(create=True)
    code = ("import keyring; from kiosk.security import secrets;"
            "print(keyring.get_password(secrets.SERVICE, secrets.OUTBOX_KEY), type(keyring.get_keyring()).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False,
                            env=dict(os.environ, PYTHON_KEYRING_BACKEND=backend))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [base64.b64encode(key).decode(), "LocalFileKeyring"]


def test_an_unreadable_secrets_file_is_a_clear_message() -> None:
    keyfile.path().parent.mkdir(parents=True, exist_ok=True)
    keyfile.path().write_text("[1, 2", "utf-8")
    with pytest.raises(secrets.SecretsError, match="the keyring cannot be read"):
        secrets.outbox_key()


def test_settings_validated_after_the_paint_match_the_raw_reading(tmp_path: Path) -> None:
    machine = tmp_path / "kiosk.toml"
    machine.write_text('[site]\nprofile = "dong-tam"\n', "utf-8")
    settings: Settings = load_settings(machine)
    raw, validated = BootInfo.read(machine), BootInfo.from_settings(settings)
    assert (raw.site_name, raw.opening_hours, raw.language, raw.fullscreen) == (
        validated.site_name, validated.opening_hours, validated.language, validated.fullscreen)

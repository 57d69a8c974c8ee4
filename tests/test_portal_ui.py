"""The kiosk and the sandbox portal together, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from pydantic import ValidationError
from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.catalog import load_catalog
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    GiveConsent,
    Mode,
    Reset,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmissionStored,
    SubmitStep,
    Touch,
)
from kiosk.outbox.lookup import lookup_local
from kiosk.portal.errors import PortalError
from kiosk.portal.link import PortalLink, load_cached_catalog
from kiosk.runtime import Runtime
from kiosk.sandbox.server import SandboxServer
from kiosk.security.secrets import PORTAL_SECRET, set_secret
from kiosk.settings.config import IdleSettings, Settings
from tests import portal_fixtures
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import make_runtime
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"


def settings_for(url: str) -> Settings:
    settings = Settings()
    settings.portal.base_url = url
    settings.portal.sync_interval_seconds = 3600  # the tests trigger rounds themselves
    return settings


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[SandboxServer]:
    set_secret(PORTAL_SECRET, "demo-secret")
    with SandboxServer(procedures=procedures_dir(), db_path=tmp_path / "portal.sqlite3") as server:
        yield server


@pytest.fixture
def slow_portal(tmp_path: Path) -> Iterator[SandboxServer]:
    """The sandbox portal taking 5 s over each answer."""
    set_secret(PORTAL_SECRET, "demo-secret")
    with SandboxServer(procedures=procedures_dir(), db_path=tmp_path / "slow.sqlite3", faults="latency=5") as server:
        yield server


def submit_one(runtime: Runtime, phone: str = "0912345678") -> str:
    journey = runtime.journey
    journey.dispatch(Touch())
    journey.dispatch(ChooseMode(Mode.DO))
    journey.dispatch(SelectProcedure(BIRTH))
    journey.dispatch(StartApplication())
    journey.dispatch(GiveConsent())
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, runtime.clock.now().date())
    answers["applicant_phone"] = phone
    while journey.screen is Screen.STEP:
        journey.dispatch(SubmitStep(answers))
    journey.dispatch(ConfirmSubmit())
    payload, fee = journey.session.pending_payload, journey.session.pending_fee
    assert payload is not None and fee is not None
    stored = runtime.outbox.enqueue(BIRTH, payload, "DEMO", "K01", fee_vnd=fee.payable_vnd)
    journey.dispatch(SubmissionStored(stored))
    return stored.local_ref


def portal_dossiers(server: SandboxServer) -> list[dict[str, object]]:
    answer = requests.get(server.url + "/sandbox/dossiers", timeout=5, headers=portal_fixtures.admin_headers(server))
    answer.raise_for_status()
    body = answer.json()
    return list(body["dossiers"] if isinstance(body, dict) else body)


def test_dossier_queued_offline_is_delivered_once_portal_returns(tmp_path: Path) -> None:
    set_secret(PORTAL_SECRET, "demo-secret")
    server = SandboxServer(procedures=procedures_dir(), db_path=tmp_path / "portal.sqlite3")
    server.bind()
    url = server.url
    server.stop()  # the portal is down: nothing listens on its port any more
    runtime = make_runtime(settings_for(url))
    link = PortalLink(runtime.settings, runtime.outbox)
    try:
        reference = submit_one(runtime)
        report = link.sync_round()
        assert not report.online
        assert runtime.outbox.find(reference).status == "queued"  # type: ignore[union-attr]
        port = int(url.rsplit(":", 1)[1])
        with SandboxServer(port=port, procedures=procedures_dir(), db_path=tmp_path / "portal.sqlite3") as again:
            runtime.outbox.retry_now()
            assert link.sync_round().online
            record = runtime.outbox.find(reference)
            assert record is not None and record.status == "accepted" and record.official_code
            assert runtime.outbox.find(record.official_code).uuid == record.uuid  # type: ignore[union-attr]
            runtime.outbox.retry_now()
            link.sync_round()
            assert len(portal_dossiers(again)) == 1
    finally:
        link.close()
        runtime.close()


def test_status_lookup_by_official_code_and_by_local_reference(portal: SandboxServer) -> None:
    runtime = make_runtime(settings_for(portal.url))
    link = PortalLink(runtime.settings, runtime.outbox)
    try:
        reference = submit_one(runtime, phone="0987654321")
        assert link.sync_round().online
        official = runtime.outbox.find(reference).official_code  # type: ignore[union-attr]
        assert official
        by_official = link.lookup(official, "4321")
        by_local = link.lookup(reference, "4321")
        assert by_official is not None and by_local is not None
        assert by_official.reference == by_local.reference == official
        assert by_official.status == "received"
        assert link.lookup(official, "0000") is None
    finally:
        link.close()
        runtime.close()


def test_lookup_falls_back_to_the_outbox_when_portal_is_away(tmp_path: Path) -> None:
    set_secret(PORTAL_SECRET, "demo-secret")
    runtime = make_runtime(settings_for("http://127.0.0.1:9"))
    link = PortalLink(runtime.settings, runtime.outbox)
    try:
        reference = submit_one(runtime, phone="0912340001")
        found = link.lookup(reference, "0001")
        assert found is not None and found.status == "queued"
        assert found == lookup_local(runtime.outbox, reference, "0001")
    finally:
        link.close()
        runtime.close()


def test_catalog_update_is_validated_cached_and_304_keeps_it(portal: SandboxServer, isolated_dirs: Path) -> None:
    runtime = make_runtime(settings_for(portal.url))
    link = PortalLink(runtime.settings, runtime.outbox)
    try:
        first = link.refresh_catalog()
        assert first is not None and len(first) == len(load_catalog(procedures_dir()))
        assert link.refresh_catalog() is None  # 304 Not Modified: keep what we have
        cached = load_cached_catalog(isolated_dirs)
        assert cached is not None and cached.version == first.version
    finally:
        link.close()
        runtime.close()


class _BadCatalogPortal(BaseHTTPRequestHandler):
    """A portal whose catalog holds a procedure that fails the schema (level 9)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._json({"access_token": "t", "token_type": "Bearer", "expires_in": 600})

    def do_GET(self) -> None:
        source = json.loads((procedures_dir() / "1.001193-dang-ky-khai-sinh.json").read_text("utf-8"))
        source["level"] = 9
        self._json({"version": "bad-1", "procedures": [source]}, etag='"bad"')

    def _json(self, body: object, etag: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_bad_catalog_from_the_portal_never_replaces_the_working_one(tmp_path: Path) -> None:
    set_secret(PORTAL_SECRET, "demo-secret")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BadCatalogPortal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    runtime = make_runtime(settings_for(f"http://127.0.0.1:{server.server_address[1]}"))
    link = PortalLink(runtime.settings, runtime.outbox)
    working = runtime.catalog
    try:
        with pytest.raises(PortalError):
            link.refresh_catalog()
        assert runtime.catalog is working
        assert load_cached_catalog(tmp_path / "data") is None
    finally:
        link.close()
        runtime.close()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def window_with_portal(portal: SandboxServer, make_window: WindowFactory) -> KioskWindow:
    return make_window(settings_for(portal.url))


def test_gui_thread_stays_responsive_while_the_portal_takes_5_s(
    qtbot: QtBot, slow_portal: SandboxServer, make_window: WindowFactory
) -> None:
    runtime = make_runtime(settings_for(slow_portal.url))
    submit_one(runtime)
    runtime.journey.dispatch(Reset("test"))
    win = make_window(runtime=runtime)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [0.0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer(win)
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    ticker.start()
    callers: list[int] = []
    link = runtime.start_portal()
    real_round = link.sync_round

    def recorded_round() -> object:
        callers.append(threading.get_ident())
        return real_round()

    link.sync_round = recorded_round
    win.portal_service.start()
    started = time.monotonic()
    qtbot.waitUntil(lambda: win.portal_service.last_report is not None, timeout=30_000)
    ticker.stop()
    assert time.monotonic() - started >= 4.5  # the portal really was slow
    assert callers and threading.main_thread().ident not in callers  # never on the GUI thread
    # The event loop kept turning: 5 ms ticks arrived throughout. The 95th percentile gap is the
    # measure; a single long gap on a loaded machine is the OS scheduling us out, not our code.
    ordered = sorted(gaps[1:])
    assert len(ordered) > 100
    p95 = ordered[int(len(ordered) * 0.95)]
    assert p95 <= 50, f"GUI thread blocked: p95 gap {p95} ms"


def test_heartbeat_command_ends_the_session(qtbot: QtBot, window_with_portal: KioskWindow,
                                            portal: SandboxServer) -> None:
    win = window_with_portal
    win.portal_service.start()
    win.send(Touch())
    assert win.journey.screen is Screen.HOME
    answer = requests.post(portal.url + "/sandbox/commands", headers=portal_fixtures.admin_headers(portal),
                           json={"kiosk_id": win.runtime.settings.kiosk.id, "command": {"name": "end_session"}},
                           timeout=5)
    assert answer.status_code < 300, answer.text
    win.portal_service.heartbeat()
    qtbot.waitUntil(lambda: win.journey.screen is Screen.ATTRACT, timeout=10_000)



def test_the_portal_changes_settings_only_within_the_schema(qtbot: QtBot, window_with_portal: KioskWindow,
                                                            portal: SandboxServer) -> None:
    win = window_with_portal
    win.portal_service.start()
    with pytest.raises(ValidationError):
        IdleSettings(form_seconds=3)  # the schema's least form time is 10 s
    assert win.runtime.settings.idle.form_seconds == 90
    for settings in ({"idle.menu_seconds": 60}, {"idle.form_seconds": 3}):  # the second is below the minimum
        answer = requests.post(portal.url + "/sandbox/commands", headers=portal_fixtures.admin_headers(portal),
                               json={"kiosk_id": win.runtime.settings.kiosk.id,
                                     "command": {"name": "apply_settings", "settings": settings}}, timeout=5)
        assert answer.status_code < 300, answer.text
    win.portal_service.heartbeat()
    qtbot.waitUntil(lambda: win.runtime.settings.idle.menu_seconds == 60, timeout=10_000)
    # Both commands came in the same answer, in order: the valid one is applied everywhere, the other refused.
    assert win.idle.tracker.policy.menu_seconds == 60 and win.runtime.idle_policy.menu_seconds == 60
    assert win.runtime.settings.idle.form_seconds == 90
    assert win.runtime.idle_policy.form_seconds == 90 and win.idle.tracker.policy.form_seconds == 90

"""A real fleet service for tests: PostgreSQL started by the test session (initdb + pg_ctl), or SQLite; and a
kiosk window reporting to it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fleet.postgres import PostgresUnavailableError, TempPostgres, bin_dir
from fleet.server import FleetServer
from fleet.store import FleetStore, migrate, open_engine
from kiosk.security.secrets import FLEET_SECRET, set_secret
from kiosk.settings.config import FleetSettings, Settings
from tests.qt_helpers import make_runtime
from tests.screen_walk import dispose
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

KIOSK_ID = "BTX-K01"
KIOSK_SECRET = "kiosk-test-secret"


@pytest.fixture(scope="session")
def postgres() -> Iterator[TempPostgres]:
    if bin_dir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is missing (Debian: postgresql); .ci/run installs it")
        pytest.skip("PostgreSQL is not installed")
    try:
        with TempPostgres(durable=False) as server:
            yield server
    except PostgresUnavailableError as exc:
        pytest.fail(str(exc))


def fresh_store(url: str) -> FleetStore:
    engine = open_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # each test starts from an empty schema
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(engine)
    store = FleetStore(engine)
    store.add_kiosk(KIOSK_ID, "bui-thi-xuan", "phường Hai Bà Trưng", "Nhà sinh hoạt cộng đồng tổ 5", KIOSK_SECRET)
    store.add_kiosk("DT-K01", "dong-tam", "phường Bạch Mai", "Nhà sinh hoạt cộng đồng Đồng Tâm", "other-kiosk-secret")
    store.add_user("thanhpho", "mat-khau-thanhpho", "city", None, "Tổ điều phối kiosk của thành phố")
    store.add_user("haibatrung", "mat-khau-phuong", "ward", "phường Hai Bà Trưng", "UBND phường Hai Bà Trưng")
    return store


@pytest.fixture(params=["postgresql", "sqlite"])
def fleet_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FleetStore]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").url
    else:
        url = f"sqlite:///{tmp_path / 'fleet.sqlite3'}"
    store = fresh_store(url)
    yield store
    store.engine.dispose()


@contextlib.contextmanager
def kiosk_window(qtbot: QtBot, settings: Settings) -> Iterator[KioskWindow]:
    """A shown kiosk window on `settings`, deleted afterwards."""
    ensure_app()
    runtime = make_runtime(settings)
    win = KioskWindow(runtime)
    win.resize(1366, 768)
    win.show()
    try:
        yield win
    finally:
        dispose(win, runtime)


@pytest.fixture
def reporting_window(qtbot: QtBot, fleet_store: FleetStore) -> Iterator[tuple[KioskWindow, FleetServer]]:
    """A kiosk reporting to a real fleet service; rounds only when a test asks (`report()`), usage with each."""
    set_secret(FLEET_SECRET, KIOSK_SECRET)
    with FleetServer(fleet_store) as server:
        settings = Settings(fleet=FleetSettings(base_url=server.url, client_id=KIOSK_ID, heartbeat_seconds=3600,
                                                usage_minutes=1))
        with kiosk_window(qtbot, settings) as win:
            qtbot.waitUntil(lambda: win.fleet_service.reporter is not None and not win.fleet_service._busy,
                            timeout=20_000)
            yield win, server


def round_trip(qtbot: QtBot, win: KioskWindow) -> None:
    """One report round, then the one that carries the results of the commands it brought."""
    for _ in range(2):
        win.fleet_service.report()
        qtbot.waitUntil(lambda: not win.fleet_service._busy and not win.fleet_service.runner.busy(), timeout=20_000)

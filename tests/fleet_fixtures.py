"""A real fleet service for tests: PostgreSQL started by the test session (initdb + pg_ctl), or SQLite; and a
kiosk window reporting to it."""

from __future__ import annotations

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
from tests.qt_fixtures import WindowFactory
from ui.controllers.fleet import FleetService
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


@pytest.fixture
def fleet_server(fleet_store: FleetStore) -> Iterator[FleetServer]:
    """A real fleet service on `fleet_store`, knowing this kiosk's secret."""
    set_secret(FLEET_SECRET, KIOSK_SECRET)
    with FleetServer(fleet_store) as server:
        yield server


@pytest.fixture
def reporting_window(qtbot: QtBot, fleet_server: FleetServer,
                     make_window: WindowFactory) -> tuple[KioskWindow, FleetServer]:
    """A kiosk reporting to a real fleet service; rounds only when a test asks (`report()`), usage with each.
    The window is disposed before the service stops (fixtures end in the reverse order)."""
    settings = Settings(fleet=FleetSettings(base_url=fleet_server.url, client_id=KIOSK_ID, heartbeat_seconds=3600,
                                            usage_minutes=1))
    win = make_window(settings)
    fleet = fleet_of(win)
    qtbot.waitUntil(lambda: fleet.reporter is not None and not fleet._busy, timeout=20_000)
    return win, fleet_server


def fleet_of(win: KioskWindow) -> FleetService:
    """The window's fleet controller (a kiosk has one only when a fleet service is configured)."""
    assert win.fleet_service is not None, "no fleet service configured"
    return win.fleet_service


def round_trip(qtbot: QtBot, win: KioskWindow) -> None:
    """One report round, then the one that carries the results of the commands it brought."""
    fleet = fleet_of(win)
    for _ in range(2):
        fleet.report()
        qtbot.waitUntil(lambda: not fleet._busy and not fleet.runner.busy(), timeout=20_000)

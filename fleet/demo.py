"""The fleet service for `kiosk demo --fleet`: a throw-away database, the demo kiosk and two demo logins.

PostgreSQL when it is installed (a temporary server, as in the tests), else SQLite in a temporary
directory. The logins and the kiosk's secret are the demo's published credentials, not secrets: the
service listens on 127.0.0.1 only and is gone when the demo ends.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fleet.postgres import PostgresUnavailableError, TempPostgres, bin_dir
from fleet.server import FleetServer
from fleet.store import FleetStore, migrate, open_engine

log = logging.getLogger(__name__)

DEMO_KIOSK_ID = "demo-kiosk"
DEMO_KIOSK_SECRET = "demo-fleet-secret"
DEMO_WARD = "phường Hai Bà Trưng"
DEMO_PASSWORD = "demo"
DEMO_USERS = (("thanhpho", "city", None, "Tổ điều phối kiosk của thành phố (bản trình diễn)"),
              ("phuong", "ward", DEMO_WARD, "UBND phường Hai Bà Trưng (bản trình diễn)"))


@contextlib.contextmanager
def demo_fleet(port: int = 0, site_id: str = "demo") -> Iterator[FleetServer]:
    with contextlib.ExitStack() as stack:
        url: str | None = None
        if bin_dir() is not None:
            try:
                url = stack.enter_context(TempPostgres(durable=False)).url
            except PostgresUnavailableError as exc:
                log.warning("fleet demo on SQLite: %s", exc)
        if url is None:
            url = f"sqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'fleet.sqlite3'}"
        engine = open_engine(url)
        stack.callback(engine.dispose)
        migrate(engine)
        store = FleetStore(engine)
        store.add_kiosk(DEMO_KIOSK_ID, site_id, DEMO_WARD, "Kiosk trình diễn", DEMO_KIOSK_SECRET)
        for username, role, ward, display in DEMO_USERS:
            store.add_user(username, DEMO_PASSWORD, role, ward, display)
        yield stack.enter_context(FleetServer(store, port=port))

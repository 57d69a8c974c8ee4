"""Reports waiting for the fleet service, in the kiosk's own SQLite file (no personal data in it).

The queue survives restarts and days without the service. Usage figures and command results are kept
until the service has them; heartbeats are only the latest news, so when a long outage piles up more
than `max_heartbeats` of them the oldest go first. Used from one worker thread (the reporter's); the
lock only guards against a second caller such as `kiosk status`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from kiosk.telemetry.wire import Report, ReportKind

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_kind ON reports (kind, created_at);
CREATE TABLE IF NOT EXISTS commands_seen (id TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage_sent (day TEXT PRIMARY KEY, digest TEXT NOT NULL);
"""

MAX_HEARTBEATS = 2000  # about 16 hours of heartbeats every 30 s


class ReportQueue:
    def __init__(self, path: Path, max_heartbeats: int = MAX_HEARTBEATS) -> None:
        self.path = path
        self.max_heartbeats = max_heartbeats
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(self, kind: ReportKind, body: BaseModel, created_at: datetime) -> uuid.UUID:
        """Queue one report; returns its id."""
        report_id = uuid.uuid4()
        with self._lock:
            self._db.execute("INSERT INTO reports (id, kind, created_at, body) VALUES (?, ?, ?, ?)",
                             (str(report_id), kind.value, created_at.isoformat(), body.model_dump_json()))
            if kind is ReportKind.HEARTBEAT:
                self._db.execute(
                    "DELETE FROM reports WHERE kind = ? AND id NOT IN (SELECT id FROM reports WHERE kind = ?"
                    " ORDER BY created_at DESC LIMIT ?)", (kind.value, kind.value, self.max_heartbeats))
        return report_id

    def batch(self, limit: int) -> list[Report]:
        """The oldest `limit` reports (results and usage before heartbeats of the same age)."""
        with self._lock:
            rows = self._db.execute("SELECT id, kind, created_at, body FROM reports ORDER BY created_at, rowid"
                                    " LIMIT ?", (limit,)).fetchall()
        return [Report(id=uuid.UUID(r[0]), kind=ReportKind(r[1]), created_at=datetime.fromisoformat(r[2]),
                       body=json.loads(r[3])) for r in rows]

    def remove(self, ids: Iterable[uuid.UUID | str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM reports WHERE id = ?", [(str(i),) for i in ids])

    def depth(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT kind, COUNT(*) FROM reports GROUP BY kind").fetchall()
        return {kind: count for kind, count in rows}

    # --- commands: each is carried out once, even when the service hands it out again ---

    def first_sight(self, command_id: uuid.UUID, when: datetime) -> bool:
        """Note the command; False when it was seen before (it must not run again)."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO commands_seen (id, seen_at) VALUES (?, ?)",
                                      (str(command_id), when.isoformat()))
        return cursor.rowcount == 1

    # --- usage figures: a day is sent again only when its figures changed ---

    def put_usage(self, day: str, body: BaseModel, created_at: datetime) -> bool:
        """Queue the figures of `day` unless the same figures were queued before; True when queued."""
        text = body.model_dump_json()
        digest = hashlib.sha256(json.dumps(json.loads(text), sort_keys=True).encode()).hexdigest()
        with self._lock:
            row = self._db.execute("SELECT digest FROM usage_sent WHERE day = ?", (day,)).fetchone()
            if row is not None and row[0] == digest:
                return False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO reports (id, kind, created_at, body) VALUES (?, ?, ?, ?)",
                                 (str(uuid.uuid4()), ReportKind.USAGE.value, created_at.isoformat(), text))
                self._db.execute("INSERT OR REPLACE INTO usage_sent (day, digest) VALUES (?, ?)", (day, digest))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return True

"""Today's slips, kept so staff can reprint one at the desk; sealed at rest, deleted after the day.

A slip names the applicant, so its content is sealed with the outbox's key (AES-GCM, bound to the slip
id); only the slip id (the dossier's uuid), the dossier code and the print status are in clear for the
staff console. Slips of earlier days are deleted whenever the store is used, with SQLite's
secure_delete so the sealed bytes do not linger in free pages. Each call opens its own connection, so
the GUI thread, the print worker and the staff console can all use one store.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.printing.receipt import Slip
from kiosk.security.crypto import DecryptionError, Sealer
from kiosk.workdays.clock import VN_TZ, Clock

log = logging.getLogger(__name__)

SlipStatus = Literal["pending", "printed", "failed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS slips (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'printed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    printed_at TEXT,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS slips_day ON slips (day, created_at);
"""


class SlipStoreError(Exception):
    """The slip store cannot be read or written."""


@dataclass(frozen=True)
class SlipRecord:
    """What the staff console lists about a slip, without personal data."""

    id: str
    created_at: str
    reference: str
    status: SlipStatus
    attempts: int
    last_error: str | None
    printed_at: str | None

    @property
    def needs_reprint(self) -> bool:
        """The resident left without a printed slip (printing failed or never finished)."""
        return self.status != "printed"


class SlipStore:
    """Today's slips in a small SQLite file beside the outbox."""

    def __init__(self, path: Path, sealer: Sealer, clock: Clock) -> None:
        self.path = path
        self._sealer = sealer
        self._clock = clock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=5)
            try:
                db.executescript(SCHEMA)
            finally:
                db.close()
        except (OSError, sqlite3.Error) as exc:
            raise SlipStoreError(f"cannot open the slip store at {path}: {exc}") from None

    def _today(self) -> str:
        return self._clock.now().astimezone(VN_TZ).date().isoformat()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        except sqlite3.Error as exc:
            raise SlipStoreError(f"cannot open the slip store at {self.path}: {exc}") from None
        try:
            db.execute("PRAGMA secure_delete=ON")
            db.execute("BEGIN IMMEDIATE")
            # Yesterday's slips go before anything else is read or written.
            db.execute("DELETE FROM slips WHERE day != ?", (self._today(),))
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise SlipStoreError(f"slip store: {exc}") from None
        finally:
            db.close()

    def add(self, slip_id: str, slip: Slip) -> None:
        """Keep `slip` under `slip_id` (the dossier's uuid) as waiting to be printed; replaces an older copy."""
        sealed = self._sealer.seal(json.dumps(slip.to_dict(), ensure_ascii=False).encode("utf-8"), slip_id.encode())
        now = self._clock.now().astimezone(VN_TZ).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute(
                "INSERT INTO slips (id, day, created_at, reference, status, payload) VALUES (?, ?, ?, ?, 'pending', ?)"
                " ON CONFLICT(id) DO UPDATE SET reference = excluded.reference, payload = excluded.payload",
                (slip_id, self._today(), now, slip.reference, sealed),
            )

    def get(self, slip_id: str) -> Slip | None:
        """Today's slip with this id; None when there is none (or it cannot be opened with this key)."""
        with self._db() as db:
            row = db.execute("SELECT payload FROM slips WHERE id = ?", (slip_id,)).fetchone()
        if row is None:
            return None
        try:
            return Slip.from_dict(json.loads(self._sealer.open(row[0], slip_id.encode())))
        except (DecryptionError, ValueError, KeyError, TypeError) as exc:
            log.error("slip %s cannot be opened: %s", slip_id, type(exc).__name__)
            return None

    def mark_printed(self, slip_id: str, reference: str | None = None) -> None:
        """The printer took the slip (under `reference`, when it was reprinted with the official code)."""
        now = self._clock.now().astimezone(VN_TZ).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute(
                "UPDATE slips SET status = 'printed', attempts = attempts + 1, printed_at = ?, last_error = NULL,"
                " reference = COALESCE(?, reference) WHERE id = ?",
                (now, reference, slip_id),
            )

    def mark_failed(self, slip_id: str, reason: str) -> None:
        """Printing failed: the slip waits for staff to reprint it. `reason` must hold no personal data."""
        with self._db() as db:
            db.execute(
                "UPDATE slips SET status = CASE WHEN status = 'printed' THEN 'printed' ELSE 'failed' END,"
                " attempts = attempts + 1, last_error = ? WHERE id = ?",
                (reason, slip_id),
            )

    def today(self) -> list[SlipRecord]:
        """Today's slips, newest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, created_at, reference, status, attempts, last_error, printed_at FROM slips"
                " ORDER BY created_at DESC, rowid DESC"
            ).fetchall()
        return [SlipRecord(*row) for row in rows]

    def needing_reprint(self) -> list[SlipRecord]:
        """Today's slips that did not come out of the printer, oldest first (the queue at the desk)."""
        return [record for record in reversed(self.today()) if record.needs_reprint]

    def purge(self) -> int:
        """Delete the slips of earlier days now (also done on every other call); returns how many went."""
        with self._db() as db:
            (count,) = db.execute("SELECT changes()").fetchone()
        return int(count)

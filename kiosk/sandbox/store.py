"""SQLite storage of the sandbox portal: dossiers and their timelines, feedback, statistics, heartbeats.

Every method is one transaction under one lock, so concurrent retries of the same Idempotency-Key can
never create two dossiers.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.portal.models import DossierState

NEXT_STATE = {
    DossierState.RECEIVED: DossierState.PROCESSING,
    DossierState.PROCESSING: DossierState.DONE,
    DossierState.NEEDS_MORE_PAPERS: DossierState.PROCESSING,
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    code TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload_hash TEXT NOT NULL,
    local_reference TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    phone_last4 TEXT NOT NULL,
    payload TEXT NOT NULL,
    receipt TEXT NOT NULL,
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS dossiers_by_reference ON dossiers(local_reference);
CREATE TABLE IF NOT EXISTS attachments (
    idempotency_key TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (idempotency_key, paper_id)
);
CREATE TABLE IF NOT EXISTS timeline (
    code TEXT NOT NULL REFERENCES dossiers(code),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    at_epoch REAL NOT NULL,
    note TEXT,
    PRIMARY KEY (code, seq)
);
CREATE TABLE IF NOT EXISTS feedback (
    idempotency_key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS statistics (
    kiosk_id TEXT NOT NULL,
    day TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, day)
);
CREATE TABLE IF NOT EXISTS heartbeats (
    id INTEGER PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS commands (
    id INTEGER PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    body TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0
);
"""


class IdempotencyConflict(Exception):  # noqa: N818 - reads as the situation, like KeyError
    """The Idempotency-Key was used before with a different body."""


@dataclass(frozen=True)
class TimelineRow:
    status: DossierState
    at: str
    at_epoch: float
    note: str | None


@dataclass(frozen=True)
class DossierRecord:
    code: str
    local_reference: str
    phone_last4: str
    timeline: tuple[TimelineRow, ...]

    @property
    def status(self) -> DossierState:
        return self.timeline[-1].status


# Lookup codes: random symbols a person can read back without confusing 0/O or 1/I, printed in groups of four.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_GROUPS = 2  # two groups of four: 40 bits, about a trillion codes a day


def dossier_code(agency_code: str, day: str) -> str:
    """`<agency>-<yymmdd>-XXXX-XXXX`: the day for the staff reading it, 40 random bits so that it cannot be
    guessed from another dossier's code."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS))
    return "-".join((agency_code, day, *groups))


class SandboxStore:
    """The sandbox's database. `path=None` keeps everything in memory."""

    def __init__(self, path: Path | str | None = None) -> None:
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                                   isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- dossiers --------------------------------------------------------------------------------

    def record_dossier(self, *, key: str, payload_hash: str, payload: dict[str, Any], phone_last4: str,
                       received: datetime, agency_code: str,
                       make_receipt: Callable[[str], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        """Store a new dossier, or return the first receipt for a key seen before.

        Returns (receipt, created). Raises IdempotencyConflict when the key came with another body.
        """
        with self._lock, self._transaction():
            row = self._db.execute("SELECT payload_hash, receipt FROM dossiers WHERE idempotency_key = ?",
                                   (key,)).fetchone()
            if row is not None:
                if row["payload_hash"] != payload_hash:
                    raise IdempotencyConflict(key)
                self._db.execute("UPDATE dossiers SET attempts = attempts + 1 WHERE idempotency_key = ?",
                                 (key,))
                return json.loads(row["receipt"]), False
            day = received.strftime("%y%m%d")
            code = dossier_code(agency_code, day)
            while self._db.execute("SELECT 1 FROM dossiers WHERE code = ?", (code,)).fetchone():
                code = dossier_code(agency_code, day)
            receipt = make_receipt(code)
            self._db.execute(
                "INSERT INTO dossiers(code, idempotency_key, payload_hash, local_reference, procedure_code,"
                " kiosk_id, phone_last4, payload, receipt, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (code, key, payload_hash, payload["local_reference"], payload["procedure_code"],
                 payload["kiosk_id"], phone_last4, json.dumps(payload, ensure_ascii=False),
                 json.dumps(receipt), received.isoformat()))
            self._append_timeline(code, DossierState.RECEIVED, received, "Đã tiếp nhận hồ sơ")
            return receipt, True

    def find_dossier(self, code_or_reference: str) -> DossierRecord | None:
        """By official code, else by the kiosk's local reference (the newest such dossier)."""
        with self._lock:
            return self._find(code_or_reference)

    def advance(self, code_or_reference: str, when: datetime, to: DossierState | None = None,
                note: str | None = None) -> DossierRecord | None:
        """Move a dossier to `to`, else one step along the usual course; None if there is no such dossier."""
        with self._lock, self._transaction():
            record = self._find(code_or_reference)
            if record is None:
                return None
            target = to if to is not None else NEXT_STATE.get(record.status)
            if target is not None and target != record.status:
                self._append_timeline(record.code, target, when, note)
            return self._find(record.code)

    def advance_by_time(self, code: str, now: datetime, interval_s: float) -> None:
        """Take every step of the usual course whose time has come (one step per `interval_s`)."""
        with self._lock, self._transaction():
            record = self._find(code)
            while record is not None and record.status in NEXT_STATE:
                due = record.timeline[-1].at_epoch + interval_s
                if now.timestamp() < due:
                    break
                step_time = datetime.fromtimestamp(due, tz=now.tzinfo)
                self._append_timeline(record.code, NEXT_STATE[record.status], step_time, None)
                record = self._find(record.code)

    def list_dossiers(self) -> list[dict[str, Any]]:
        """Every dossier with its key and how many submissions carried that key (for tests and demos)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT code, idempotency_key, local_reference, procedure_code, kiosk_id, received_at,"
                " attempts, (SELECT status FROM timeline t WHERE t.code = d.code ORDER BY seq DESC LIMIT 1)"
                " AS status FROM dossiers d ORDER BY received_at, rowid").fetchall()
            return [dict(r) for r in rows]

    def dossier_payload(self, code: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT payload FROM dossiers WHERE code = ?", (code,)).fetchone()
            return None if row is None else dict(json.loads(row["payload"]))

    # --- attachments (scanned papers) ------------------------------------------------------------

    def record_attachment(self, key: str, paper_id: str, sha256: str, data: bytes, received: datetime) -> bool:
        """Store one file of the dossier `key`; True when new, False when this very file was stored before.
        Raises IdempotencyConflict when another file was stored under the same key and paper."""
        with self._lock, self._transaction():
            row = self._db.execute("SELECT sha256 FROM attachments WHERE idempotency_key = ? AND paper_id = ?",
                                   (key, paper_id)).fetchone()
            if row is not None:
                if row["sha256"] != sha256:
                    raise IdempotencyConflict(key)
                self._db.execute("UPDATE attachments SET attempts = attempts + 1 WHERE idempotency_key = ?"
                                 " AND paper_id = ?", (key, paper_id))
                return False
            self._db.execute("INSERT INTO attachments(idempotency_key, paper_id, sha256, data, received_at)"
                             " VALUES (?,?,?,?,?)", (key, paper_id, sha256, data, received.isoformat()))
            return True

    def attachment_digests(self, key: str) -> dict[str, str]:
        """paper id → SHA-256 of the files uploaded under the dossier key `key`."""
        with self._lock:
            rows = self._db.execute("SELECT paper_id, sha256 FROM attachments WHERE idempotency_key = ?",
                                    (key,)).fetchall()
            return {r["paper_id"]: r["sha256"] for r in rows}

    def attachment(self, code: str, paper_id: str) -> bytes | None:
        """A file of the dossier with this official code, as uploaded (only papers the dossier lists)."""
        with self._lock:
            row = self._db.execute(
                "SELECT a.data, d.payload FROM attachments a JOIN dossiers d ON d.idempotency_key ="
                " a.idempotency_key WHERE d.code = ? AND a.paper_id = ?", (code, paper_id)).fetchone()
            if row is None:
                return None
            listed = {a["paper_id"] for a in json.loads(row["payload"]).get("attachments", [])}
            return bytes(row["data"]) if paper_id in listed else None

    def list_attachments(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT idempotency_key, paper_id, sha256, length(data) AS bytes, attempts"
                                    " FROM attachments ORDER BY received_at, rowid").fetchall()
            return [dict(r) for r in rows]

    # --- feedback, statistics, heartbeats, commands ----------------------------------------------

    def record_feedback(self, key: str, body: dict[str, Any], received: datetime) -> bool:
        """True when stored, False when the key was seen before (nothing stored twice)."""
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO feedback(idempotency_key, body, received_at) VALUES (?,?,?) "
                "ON CONFLICT(idempotency_key) DO UPDATE SET attempts = attempts + 1",
                (key, json.dumps(body, ensure_ascii=False), received.isoformat()))
            attempts = self._db.execute("SELECT attempts FROM feedback WHERE idempotency_key = ?",
                                        (key,)).fetchone()["attempts"]
            return bool(attempts == 1)

    def list_feedback(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT idempotency_key, body, received_at, attempts FROM feedback "
                                    "ORDER BY received_at").fetchall()
            return [{**json.loads(r["body"]), "idempotency_key": r["idempotency_key"],
                     "received_at": r["received_at"], "attempts": r["attempts"]} for r in rows]

    def record_statistics(self, kiosk_id: str, day: str, body: dict[str, Any], received: datetime) -> None:
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO statistics(kiosk_id, day, body, received_at) VALUES (?,?,?,?) "
                "ON CONFLICT(kiosk_id, day) DO UPDATE SET body = excluded.body,"
                " received_at = excluded.received_at",
                (kiosk_id, day, json.dumps(body), received.isoformat()))

    def list_statistics(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM statistics ORDER BY day, kiosk_id").fetchall()
            return [dict(json.loads(r["body"])) for r in rows]

    def record_heartbeat(self, kiosk_id: str, body: dict[str, Any], at: datetime) -> list[dict[str, Any]]:
        """Store the beat and hand out (once) the commands queued for this kiosk."""
        with self._lock, self._transaction():
            self._db.execute("INSERT INTO heartbeats(kiosk_id, body, at) VALUES (?,?,?)",
                             (kiosk_id, json.dumps(body), at.isoformat()))
            rows = self._db.execute("SELECT id, body FROM commands WHERE kiosk_id = ? AND delivered = 0 "
                                    "ORDER BY id", (kiosk_id,)).fetchall()
            self._db.executemany("UPDATE commands SET delivered = 1 WHERE id = ?", [(r["id"],) for r in rows])
            return [dict(json.loads(r["body"])) for r in rows]

    def list_heartbeats(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body, at FROM heartbeats ORDER BY id").fetchall()
            return [{**json.loads(r["body"]), "received_at": r["at"]} for r in rows]

    def enqueue_command(self, kiosk_id: str, command: dict[str, Any]) -> None:
        with self._lock, self._transaction():
            self._db.execute("INSERT INTO commands(kiosk_id, body) VALUES (?, ?)",
                             (kiosk_id, json.dumps(command)))

    # --- internals -------------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _find(self, code_or_reference: str) -> DossierRecord | None:
        row = self._db.execute("SELECT code, local_reference, phone_last4 FROM dossiers WHERE code = ?",
                               (code_or_reference,)).fetchone()
        if row is None:
            row = self._db.execute("SELECT code, local_reference, phone_last4 FROM dossiers "
                                   "WHERE local_reference = ? ORDER BY received_at DESC LIMIT 1",
                                   (code_or_reference,)).fetchone()
        if row is None:
            return None
        steps = self._db.execute("SELECT status, at, at_epoch, note FROM timeline WHERE code = ?"
                                 " ORDER BY seq", (row["code"],)).fetchall()
        timeline = tuple(TimelineRow(DossierState(s["status"]), s["at"], s["at_epoch"], s["note"])
                         for s in steps)
        return DossierRecord(row["code"], row["local_reference"], row["phone_last4"], timeline)

    def _append_timeline(self, code: str, status: DossierState, when: datetime, note: str | None) -> None:
        seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM timeline WHERE code = ?",
                               (code,)).fetchone()["n"]
        self._db.execute("INSERT INTO timeline(code, seq, status, at, at_epoch, note) VALUES (?,?,?,?,?,?)",
                         (code, seq, status.value, when.isoformat(), when.timestamp(), note))


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")

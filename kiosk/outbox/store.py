"""The outbox: every submitted dossier, stored durably before the resident is told it was received.

SQLite in WAL mode with synchronous=FULL; a dossier goes queued → sending → accepted or rejected.
Personal data (the applicant and the answers) is sealed with AES-GCM; only what staff and sync need
to see (references, status, procedure code, times) is kept in clear.

Longer than most modules on purpose: every SQL statement on the outbox in one place, each in its own transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.security.crypto import DecryptionError, Sealer
from kiosk.workdays.clock import VN_TZ as _VN_TZ

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    uuid TEXT PRIMARY KEY,
    local_ref TEXT NOT NULL UNIQUE,
    procedure_code TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'accepted', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    official_code TEXT UNIQUE,
    accepted_at TEXT,
    appointment_date TEXT,
    reject_reason TEXT,
    fee_vnd INTEGER NOT NULL DEFAULT 0,
    payload BLOB,
    purged_at TEXT
);
CREATE INDEX IF NOT EXISTS dossiers_status ON dossiers (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attachments (
    dossier_uuid TEXT NOT NULL REFERENCES dossiers (uuid),
    paper_id TEXT NOT NULL,
    pages INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB,
    PRIMARY KEY (dossier_uuid, paper_id)
);
CREATE TABLE IF NOT EXISTS ref_counter (day TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    uuid TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    payload BLOB NOT NULL
);
"""

STATUSES = ("queued", "sending", "accepted", "rejected")
KEY_MISMATCH = (
    "the outbox key in the keyring does not open the stored dossiers waiting to be sent (was it replaced?). "
    "Nothing was changed. Call the technician: restore the key from the site's backup as described in "
    "docs/DEPLOY.md, section 'The outbox key was replaced'; do not re-provision while dossiers are waiting."
)


class OutboxError(Exception):
    """The outbox cannot store or read; the resident must not be told the dossier was received."""


class OutboxFull(OutboxError):  # noqa: N818 (reads as the condition it reports)
    """The disk is full."""


class OutboxCorrupt(OutboxError):  # noqa: N818
    """The database file is damaged (bad header or pages): it is set aside whole and a new outbox is started."""


class OutboxKeyError(OutboxError):
    """The key in the keyring does not open a stored dossier: a local problem, never the resident's.

    The dossier stays queued (it is not the portal that refused it); start-up stops and the technician
    restores the key that sealed it (docs/DEPLOY.md, "The outbox key was replaced")."""


@dataclass(frozen=True)
class StoredDossier:
    uuid: str
    local_ref: str
    created_at: datetime


@dataclass(frozen=True)
class DossierRecord:
    """What staff and sync see of a dossier, without personal data."""

    uuid: str
    local_ref: str
    procedure_code: str
    created_at: str
    status: str
    attempts: int
    official_code: str | None
    accepted_at: str | None
    appointment_date: str | None
    reject_reason: str | None
    last_error: str | None
    fee_vnd: int

    @property
    def reference(self) -> str:
        return self.official_code or self.local_ref


@dataclass(frozen=True)
class ClaimedDossier:
    record: DossierRecord
    payload: dict[str, Any]


DOSSIER_FIELDS = (
    "uuid", "local_ref", "procedure_code", "created_at", "status", "attempts", "next_attempt_at", "last_error",
    "official_code", "accepted_at", "appointment_date", "reject_reason", "fee_vnd", "payload", "purged_at",
)
FEEDBACK_FIELDS = ("uuid", "created_at", "kind", "status", "attempts", "next_attempt_at", "payload")
ATTACHMENT_FIELDS = ("dossier_uuid", "paper_id", "pages", "size", "sha256", "data")


@dataclass
class ImportReport:
    """What `Outbox.import_rows` did; references only, never personal data."""

    dossiers: int = 0
    feedback: int = 0
    already: int = 0
    unusable: int = 0
    wrong_key: list[str] = field(default_factory=list)  # sealed with another key: left out
    conflicts: list[str] = field(default_factory=list)  # reference taken, or refused by the schema: left out
    papers: int = 0  # scanned papers brought back with their dossiers
    papers_lost: list[str] = field(default_factory=list)  # dossiers brought back without all their scanned papers


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Thread-safe access to the outbox database (one connection, one lock)."""

    def __init__(self, path: Path, sealer: Sealer) -> None:
        self.path = path
        self._sealer = sealer
        self._lock = threading.RLock()
        db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
            problems = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
            if problems != ["ok"]:
                raise OutboxCorrupt(f"the outbox at {path} is damaged: {'; '.join(map(str, problems))[:300]}")
        except (OutboxCorrupt, sqlite3.Error, OSError) as exc:
            if db is not None:
                with suppress(sqlite3.Error):
                    db.close()
            if isinstance(exc, OutboxCorrupt):
                raise
            if _is_corruption(exc):
                raise OutboxCorrupt(f"the outbox at {path} is damaged: {exc}") from None
            raise OutboxError(f"cannot open the outbox at {path}: {exc}") from None
        self._db = db

    def close(self) -> None:
        with self._read():
            self._db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The connection under the lock, outside a transaction; any SQLite error becomes an OutboxError."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                if _is_corruption(exc):
                    raise OutboxCorrupt(f"the outbox is damaged: {exc}") from None
                raise OutboxError(f"outbox database error: {exc}") from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    db.execute("COMMIT")
                except BaseException:
                    # SQLite may already have rolled back by itself (for example on SQLITE_FULL).
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if "full" in str(exc).lower():
                    raise OutboxFull("the disk is full") from None
                raise OutboxError(f"outbox database error: {exc}") from None
            except sqlite3.Error as exc:
                if _is_corruption(exc):
                    raise OutboxCorrupt(f"the outbox is damaged: {exc}") from None
                raise OutboxError(f"outbox database error: {exc}") from None

    # --- submission -------------------------------------------------------------------------------

    def enqueue(
        self,
        procedure_code: str,
        payload: dict[str, Any],
        ref_prefix: str,
        kiosk_id: str,
        fee_vnd: int = 0,
        now: datetime | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> StoredDossier:
        """Store a dossier durably, with its scanned papers (sealed like the payload, in the same transaction),
        and give it a unique local reference. Raises OutboxError on failure."""
        now = now or _utcnow()
        dossier_id = str(uuidlib.uuid4())
        day = now.astimezone(_VN_TZ).strftime("%y%m%d")
        with self._tx() as db:
            row = db.execute("SELECT seq FROM ref_counter WHERE day = ?", (day,)).fetchone()
            seq = (row[0] if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO ref_counter (day, seq) VALUES (?, ?)", (day, seq))
            local_ref = f"{ref_prefix}-{kiosk_id}-{day}-{seq:04d}"
            body = dict(payload, local_reference=local_ref)
            sealed = self._sealer.seal(json.dumps(body, ensure_ascii=False).encode("utf-8"), dossier_id.encode())
            db.execute(
                "INSERT INTO dossiers (uuid, local_ref, procedure_code, created_at, status, fee_vnd, payload)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (dossier_id, local_ref, procedure_code, now.isoformat(), fee_vnd, sealed),
            )
            for item in attachments:
                db.execute(
                    "INSERT INTO attachments (dossier_uuid, paper_id, pages, size, sha256, data)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (dossier_id, item.paper_id, item.pages, len(item.data), hashlib.sha256(item.data).hexdigest(),
                     self._sealer.seal(item.data, _attachment_aad(dossier_id, item.paper_id))),
                )
        log.info("dossier stored: %s (%s)", local_ref, procedure_code)
        return StoredDossier(dossier_id, local_ref, now)

    # --- sync side --------------------------------------------------------------------------------

    def recover(self) -> int:
        """After a crash, dossiers and feedback left 'sending' go back to 'queued' (the idempotency key makes it
        safe); returns how many."""
        with self._tx() as db:
            dossiers = db.execute("UPDATE dossiers SET status = 'queued' WHERE status = 'sending'").rowcount
            feedback = db.execute("UPDATE feedback SET status = 'queued' WHERE status = 'sending'").rowcount
        return int(dossiers) + int(feedback)

    def claim_next(self, now: float) -> ClaimedDossier | None:
        """Take the oldest queued dossier that is due, mark it 'sending' and return it decrypted."""
        with self._tx() as db:
            row = db.execute(
                f"SELECT {_COLUMNS}, payload FROM dossiers WHERE status = 'queued' AND next_attempt_at <= ?"
                " ORDER BY created_at LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE dossiers SET status = 'sending', attempts = attempts + 1 WHERE uuid = ?", (row[0],))
        record = _record(row[:-1])
        try:
            payload = json.loads(self._sealer.open(row[-1], record.uuid.encode()))
        except (DecryptionError, TypeError, ValueError):
            # A local key problem: the dossier goes back to the queue untouched and sync stops.
            self.release(record.uuid, 0, "stored data cannot be decrypted with the current outbox key")
            log.error("dossier %s cannot be decrypted with the current outbox key; left queued", record.local_ref)
            raise OutboxKeyError(KEY_MISMATCH) from None
        return ClaimedDossier(_replace(record, status="sending", attempts=record.attempts + 1), payload)

    def verify_key(self) -> int:
        """Check that the current key opens every dossier and feedback item still to be sent, and the newest
        stored dossier: raises OutboxKeyError otherwise. Returns how many sealed values were opened."""
        with self._read() as db:
            rows = db.execute(
                "SELECT uuid, payload FROM dossiers WHERE status IN ('queued', 'sending')"
                " UNION ALL SELECT * FROM (SELECT uuid, payload FROM dossiers WHERE payload IS NOT NULL"
                " ORDER BY created_at DESC LIMIT 1)"
                " UNION ALL SELECT uuid, payload FROM feedback WHERE status IN ('queued', 'sending')"
            ).fetchall()
        for item_id, sealed in rows:
            try:
                self._sealer.open(sealed, item_id.encode())
            except (DecryptionError, TypeError) as exc:
                raise OutboxKeyError(KEY_MISMATCH) from exc
        return len(rows)

    def mark_accepted(
        self, dossier_uuid: str, official_code: str, accepted_at: str, appointment_date: str | None = None,
        fee_vnd: int | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE dossiers SET status = 'accepted', official_code = ?, accepted_at = ?, appointment_date = ?,"
                " fee_vnd = COALESCE(?, fee_vnd), last_error = NULL WHERE uuid = ?",
                (official_code, accepted_at, appointment_date, fee_vnd, dossier_uuid),
            )

    def mark_rejected(self, dossier_uuid: str, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE dossiers SET status = 'rejected', reject_reason = ? WHERE uuid = ?",
                (reason[:500], dossier_uuid),
            )

    def release(self, dossier_uuid: str, retry_at: float, error: str) -> None:
        """Give a dossier back to the queue after a failed attempt."""
        with self._tx() as db:
            db.execute(
                "UPDATE dossiers SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE uuid = ?",
                (retry_at, error[:300], dossier_uuid),
            )

    def retry_now(self) -> int:
        with self._tx() as db:
            return db.execute("UPDATE dossiers SET next_attempt_at = 0 WHERE status = 'queued'").rowcount

    # --- queries ----------------------------------------------------------------------------------

    def find(self, reference: str) -> DossierRecord | None:
        """The dossier with this local reference or official code, written with or without its dashes."""
        bare = reference.replace("-", "")
        with self._read() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM dossiers WHERE local_ref = ? OR official_code = ?"
                " OR REPLACE(local_ref, '-', '') = ? OR REPLACE(official_code, '-', '') = ?",
                (reference, reference, bare, bare),
            ).fetchone()
        return _record(row) if row else None

    def get(self, dossier_uuid: str) -> DossierRecord | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM dossiers WHERE uuid = ?", (dossier_uuid,)).fetchone()
        return _record(row) if row else None

    def payload(self, dossier_uuid: str) -> dict[str, Any] | None:
        """The decrypted personal payload (None once purged)."""
        with self._read() as db:
            row = db.execute("SELECT payload FROM dossiers WHERE uuid = ?", (dossier_uuid,)).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            result: dict[str, Any] = json.loads(self._sealer.open(row[0], dossier_uuid.encode()))
        except (DecryptionError, ValueError) as exc:
            raise OutboxError("stored dossier cannot be decrypted") from exc
        return result

    def attachment(self, dossier_uuid: str, paper_id: str) -> bytes | None:
        """A scanned paper's PDF, decrypted (None when there is none or it was purged)."""
        with self._read() as db:
            row = db.execute("SELECT data FROM attachments WHERE dossier_uuid = ? AND paper_id = ?",
                             (dossier_uuid, paper_id)).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            return self._sealer.open(row[0], _attachment_aad(dossier_uuid, paper_id))
        except DecryptionError:
            raise OutboxKeyError(KEY_MISMATCH) from None

    def page_counts(self, by_reference: bool = False) -> dict[str, int]:
        """Scanned pages per dossier, by uuid (or by local reference): how many, never what they show."""
        key = "d.local_ref" if by_reference else "a.dossier_uuid"
        with self._read() as db:
            rows = db.execute(f"SELECT {key}, SUM(a.pages) FROM attachments a JOIN dossiers d"
                              " ON d.uuid = a.dossier_uuid GROUP BY a.dossier_uuid").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def records(self, status: str | None = None, limit: int = 500) -> list[DossierRecord]:
        query = f"SELECT {_COLUMNS} FROM dossiers"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        query += " ORDER BY created_at DESC LIMIT ?"
        with self._read() as db:
            rows = db.execute(query, (*args, limit)).fetchall()
        return [_record(r) for r in rows]

    def depth(self) -> int:
        with self._read() as db:
            row = db.execute("SELECT COUNT(*) FROM dossiers WHERE status IN ('queued', 'sending')").fetchone()
        return int(row[0])

    def counts(self) -> dict[str, int]:
        with self._read() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM dossiers GROUP BY status").fetchall()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    def purge(self, retention: timedelta, now: datetime | None = None) -> int:
        """Erase personal data of dossiers the portal confirmed longer than `retention` ago."""
        cutoff = ((now or _utcnow()) - retention).isoformat()
        with self._tx() as db:
            count = db.execute(
                "UPDATE dossiers SET payload = NULL, purged_at = ? WHERE status = 'accepted'"
                " AND payload IS NOT NULL AND accepted_at IS NOT NULL AND accepted_at <= ?",
                (_utcnow().isoformat(), cutoff),
            ).rowcount
            db.execute("UPDATE attachments SET data = NULL WHERE data IS NOT NULL AND dossier_uuid IN"
                       " (SELECT uuid FROM dossiers WHERE purged_at IS NOT NULL)")
        if count:
            with self._read() as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.execute("VACUUM")
        return count

    # --- feedback and ratings ---------------------------------------------------------------------

    def enqueue_feedback(self, kind: str, payload: dict[str, Any], now: datetime | None = None) -> str:
        item_id = str(uuidlib.uuid4())
        sealed = self._sealer.seal(json.dumps(payload, ensure_ascii=False).encode("utf-8"), item_id.encode())
        with self._tx() as db:
            db.execute(
                "INSERT INTO feedback (uuid, created_at, kind, status, payload) VALUES (?, ?, ?, 'queued', ?)",
                (item_id, (now or _utcnow()).isoformat(), kind, sealed),
            )
        return item_id

    def claim_feedback(self, now: float) -> tuple[str, str, dict[str, Any]] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT uuid, kind, payload FROM feedback WHERE status = 'queued' AND next_attempt_at <= ?"
                " ORDER BY created_at LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE feedback SET status = 'sending', attempts = attempts + 1 WHERE uuid = ?", (row[0],))
        try:
            payload = json.loads(self._sealer.open(row[2], row[0].encode()))
        except (DecryptionError, TypeError, ValueError):
            self.release_feedback(row[0], 0)
            raise OutboxKeyError(KEY_MISMATCH) from None
        return row[0], row[1], payload

    def mark_feedback_sent(self, item_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE feedback SET status = 'sent', payload = X'' WHERE uuid = ?", (item_id,))

    def release_feedback(self, item_id: str, retry_at: float) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE feedback SET status = 'queued', next_attempt_at = ? WHERE uuid = ?", (retry_at, item_id)
            )


    # --- recovery from a damaged outbox -------------------------------------------------------------

    def import_rows(self, dossiers: list[dict[str, Any]], feedback: list[dict[str, Any]],
                    attachments: Sequence[dict[str, Any]] = ()) -> ImportReport:
        """Add rows read from a damaged outbox, still sealed; rows already here (same uuid) are left alone,
        so importing twice changes nothing. A row 'sending' comes back 'queued'. A dossier comes with the
        scanned papers read for it (in the same transaction); one whose papers could not all be read is
        still brought back (the resident holds its receipt) and named in `papers_lost`."""
        report = ImportReport()
        papers: dict[str, list[dict[str, Any]]] = {}
        for paper in attachments:
            papers.setdefault(str(paper.get("dossier_uuid")), []).append(paper)
        for row in dossiers:
            self._import_one("dossiers", DOSSIER_FIELDS, row, report, papers.get(str(row.get("uuid")), []))
        for row in feedback:
            self._import_one("feedback", FEEDBACK_FIELDS, row, report, [])
        return report

    def _import_one(self, table: str, fields: tuple[str, ...], row: dict[str, Any], report: ImportReport,
                    papers: list[dict[str, Any]]) -> None:
        values = {name: row.get(name) for name in fields}
        if values.get("status") == "sending":
            values["status"] = "queued"
        item_id, sealed = values.get("uuid"), values.get("payload")
        if not isinstance(item_id, str):
            report.unusable += 1
            return
        opened: bytes | None = None
        if values.get("status") in ("queued", "sending") or (table == "dossiers" and sealed is not None):
            try:
                opened = self._sealer.open(sealed, item_id.encode())  # type: ignore[arg-type]
            except (DecryptionError, TypeError):
                report.wrong_key.append(str(values.get("local_ref") or item_id))
                return
        readable = [paper for paper in papers if self._paper_opens(item_id, paper)]
        placeholders = ", ".join("?" for _ in fields)
        try:
            with self._tx() as db:
                if db.execute(f"SELECT 1 FROM {table} WHERE uuid = ?", (item_id,)).fetchone():
                    report.already += 1
                    return
                db.execute(f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({placeholders})",
                           tuple(values.values()))
                for paper in readable:
                    db.execute(f"INSERT INTO attachments ({', '.join(ATTACHMENT_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?)",
                               tuple(paper.get(name) for name in ATTACHMENT_FIELDS))
        except OutboxFull:
            raise
        except OutboxError:  # a reference now taken by another dossier, or a value the schema refuses
            report.conflicts.append(str(values.get("local_ref") or item_id))
            return
        if table == "feedback":
            report.feedback += 1
            return
        report.dossiers += 1
        report.papers += len(readable)
        if opened is not None and set(_listed_papers(opened)) - {str(p.get("paper_id")) for p in readable}:
            report.papers_lost.append(str(values.get("local_ref") or item_id))

    def _paper_opens(self, dossier_uuid: str, paper: dict[str, Any]) -> bool:
        """A scanned paper's row read from a damaged outbox is whole: its PDF opens with this kiosk's key and
        matches its SHA-256. A purged paper (no data) is whole too: nothing is left to send."""
        data = paper.get("data")
        if data is None:
            return isinstance(paper.get("paper_id"), str)
        try:
            pdf = self._sealer.open(data, _attachment_aad(dossier_uuid, str(paper.get("paper_id"))))
        except (DecryptionError, TypeError):
            return False
        return hashlib.sha256(pdf).hexdigest() == paper.get("sha256")

    def carry_counters(self, counters: dict[str, int] | None, now: datetime | None = None) -> None:
        """Continue the daily reference numbers of a damaged outbox, so no new reference repeats one of it.
        When its counters cannot be read (None), today's numbering jumps to 5000."""
        today = (now or _utcnow()).astimezone(_VN_TZ).strftime("%y%m%d")
        with self._tx() as db:
            for day, seq in (counters if counters is not None else {today: 5000}).items():
                db.execute("INSERT INTO ref_counter (day, seq) VALUES (?, ?)"
                           " ON CONFLICT (day) DO UPDATE SET seq = MAX(seq, excluded.seq)", (day, int(seq)))


_COLUMNS = (
    "uuid, local_ref, procedure_code, created_at, status, attempts, official_code, accepted_at,"
    " appointment_date, reject_reason, last_error, fee_vnd"
)


@dataclass(frozen=True)
class Attachment:
    """A scanned paper to store with its dossier: one PDF."""

    paper_id: str
    pages: int
    data: bytes

    def __repr__(self) -> str:
        return f"Attachment({self.paper_id!r}, {self.pages} pages, {len(self.data)} bytes)"


def _listed_papers(payload: bytes) -> list[str]:
    """The scanned papers a sealed dossier names (its `attachments`), from its opened payload."""
    try:
        body = json.loads(payload)
    except ValueError:
        return []
    listed = body.get("attachments") if isinstance(body, dict) else None
    return [str(entry.get("paper_id")) for entry in listed or () if isinstance(entry, dict)]


def _attachment_aad(dossier_uuid: str, paper_id: str) -> bytes:
    """Binds a sealed PDF to its dossier and paper: it cannot be moved to another one unnoticed."""
    return f"{dossier_uuid}/attachment/{paper_id}".encode()


def _record(row: tuple[Any, ...]) -> DossierRecord:
    return DossierRecord(*row)


def _replace(record: DossierRecord, **changes: Any) -> DossierRecord:
    return replace(record, **changes)



def _is_corruption(exc: BaseException) -> bool:
    """SQLite's "database disk image is malformed" or "file is not a database"."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged outbox, with its WAL and shared-memory files, to `<name>-damaged-<UTC time>`, as it is."""
    stamp = (now or _utcnow()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.stem}-damaged-{stamp}{path.suffix}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{aside}{suffix}"))
    return aside


def set_aside_copies(path: Path) -> list[Path]:
    """Damaged outboxes set aside beside `path` (staff are told while any is there)."""
    return sorted(path.parent.glob(f"{path.stem}-damaged-*{path.suffix}"))


def read_counters(path: Path) -> dict[str, int] | None:
    """The daily reference counters of a (damaged) outbox file, or None when they cannot be read."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return {str(day): int(seq) for day, seq in db.execute("SELECT day, seq FROM ref_counter")}
    except (sqlite3.Error, OSError, ValueError, TypeError):
        return None


def open_or_set_aside(path: Path, sealer: Sealer) -> Outbox:
    """The outbox at `path`; when it is damaged, it is set aside intact and a new one is started (the kiosk
    keeps serving), numbering on from the damaged one's references."""
    try:
        return Outbox(path, sealer)
    except OutboxCorrupt as exc:
        try:
            aside = set_aside(path)
        except OSError as move_error:
            raise OutboxError(f"{exc}; it cannot be moved aside ({move_error.strerror})") from None
        log.error("OUTBOX DAMAGED: %s. It was moved aside intact as %s and a new outbox is in use; "
                  "recover what can be read with 'kiosk outbox salvage %s' (docs/DEPLOY.md)", exc, aside.name, aside)
    outbox = Outbox(path, sealer)
    outbox.carry_counters(read_counters(aside))
    return outbox

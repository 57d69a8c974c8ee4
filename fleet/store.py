"""The fleet database: opening it (PostgreSQL or SQLite), migrating it, and every read and write.

Each call opens its own transaction; nothing is cached between requests but the signing key (which never
changes once made), so any number of service processes can share the database.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, create_engine, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from fleet.health import signature
from fleet.schema import audit, commands, heartbeats, kiosks, metadata, rollouts, service_keys, usage, users
from fleet.security import Staff, check_kiosk_secret, check_password, hash_kiosk_secret, hash_password
from kiosk.portal.models import DailyStatistics
from kiosk.telemetry.wire import CommandName, CommandResult, Heartbeat, Report

MIGRATIONS = Path(__file__).with_name("migrations")
OPEN_COMMANDS = ("queued", "delivered")
HISTORY_SAMPLE = timedelta(hours=1)
ROLES = ("city", "ward")


def open_engine(url: str) -> Engine:
    """An engine for `url` (postgresql+psycopg://… or sqlite:///FILE)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic; safe to run from several processes one after the other)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, revision)


def _insert(connection: Connection, table: Any) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BatchOutcome:
    accepted: list[uuid.UUID]
    rejected: dict[str, str]
    commands: list[dict[str, Any]]


class FleetStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._key: bytes | None = None

    # --- keys ---

    def signing_key(self) -> bytes:
        if self._key is None:
            with self.engine.begin() as conn:
                conn.execute(_insert(conn, service_keys).values(name="signing", value=secrets.token_hex(32))
                             .on_conflict_do_nothing())
                value = conn.execute(select(service_keys.c.value).where(service_keys.c.name == "signing")).scalar_one()
            self._key = bytes.fromhex(value)
        return self._key

    # --- kiosks and staff ---

    def add_kiosk(self, kiosk_id: str, site_id: str, ward: str, name: str, secret: str,
                  group: str = "default") -> None:
        values = {"site_id": site_id, "ward": ward, "name": name, "group_name": group,
                  "secret_hash": hash_kiosk_secret(secret)}
        with self.engine.begin() as conn:
            conn.execute(_insert(conn, kiosks).values(id=kiosk_id, **values)
                         .on_conflict_do_update(index_elements=[kiosks.c.id], set_=values))

    def kiosk_secret_ok(self, kiosk_id: str, secret: str) -> bool:
        with self.engine.connect() as conn:
            stored = conn.execute(select(kiosks.c.secret_hash).where(kiosks.c.id == kiosk_id)).scalar()
        return stored is not None and check_kiosk_secret(secret, stored)

    def add_user(self, username: str, password: str, role: str, ward: str | None, display_name: str) -> None:
        if role not in ROLES or (role == "ward") != bool(ward):
            raise ValueError("role is city (no ward) or ward (with its ward)")
        values = {"password_hash": hash_password(password), "role": role, "ward": ward, "display_name": display_name}
        with self.engine.begin() as conn:
            conn.execute(_insert(conn, users).values(username=username, **values)
                         .on_conflict_do_update(index_elements=[users.c.username], set_=values))

    def staff(self, username: str, password: str | None = None) -> Staff | None:
        """The user (checking `password` when given), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None or (password is not None and not check_password(password, row.password_hash)):
            return None
        return Staff(row.username, row.role, row.ward, row.display_name)

    # --- what kiosks send ---

    def apply_batch(self, kiosk_id: str, reports: Sequence[Report], now: datetime | None = None) -> BatchOutcome:
        now = now or now_utc()
        accepted: list[uuid.UUID] = []
        rejected: dict[str, str] = {}
        with self.engine.begin() as conn:
            beats: list[tuple[Report, dict[str, Any]]] = []
            for report in reports:
                try:
                    body = report.parsed()
                except ValidationError as exc:
                    rejected[str(report.id)] = f"{report.kind.value} body invalid: {exc.error_count()} error(s)"
                    continue
                if isinstance(body, Heartbeat):
                    beats.append((report, body.model_dump(mode="json")))
                elif isinstance(body, DailyStatistics):
                    if body.kiosk_id != kiosk_id:
                        rejected[str(report.id)] = "figures of another kiosk"
                        continue
                    self._store_usage(conn, kiosk_id, report, body)
                elif isinstance(body, CommandResult):
                    self._store_result(conn, kiosk_id, report, body, now)
                accepted.append(report.id)
            conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id).values(last_seen=now))
            if beats:
                self._store_heartbeats(conn, kiosk_id, beats, now)
            pending = conn.execute(select(commands.c.id, commands.c.name, commands.c.args)
                                   .where(commands.c.kiosk_id == kiosk_id, commands.c.status.in_(OPEN_COMMANDS))
                                   .order_by(commands.c.created_at)).all()
            conn.execute(update(commands).where(commands.c.kiosk_id == kiosk_id, commands.c.status == "queued")
                         .values(status="delivered", delivered_at=now))
        handed = [{"id": str(row.id), "name": row.name, "args": row.args} for row in pending]
        return BatchOutcome(accepted, rejected, handed)

    def _store_heartbeats(self, conn: Connection, kiosk_id: str, beats: list[tuple[Report, dict[str, Any]]],
                          now: datetime) -> None:
        """The newest heartbeat becomes the kiosk's state; the history keeps a heartbeat when something that
        matters changed (`health.signature`) and otherwise one an hour, so it grows with events, not time."""
        beats.sort(key=lambda item: item[0].created_at)
        current = conn.execute(select(kiosks.c.beat).where(kiosks.c.id == kiosk_id)).scalar()
        last = _aware(conn.execute(select(func.max(heartbeats.c.created_at))
                                   .where(heartbeats.c.kiosk_id == kiosk_id)).scalar())
        previous = signature(current)
        for report, data in beats:
            changed = signature(data) != previous
            if changed or last is None or report.created_at - last >= HISTORY_SAMPLE:
                conn.execute(_insert(conn, heartbeats).values(
                    id=report.id, kiosk_id=kiosk_id, created_at=report.created_at, received_at=now, body=data,
                ).on_conflict_do_nothing())
                last = report.created_at
            previous = signature(data)
        newest, data = beats[-1]
        conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id)
                     .where((kiosks.c.beat_at.is_(None)) | (kiosks.c.beat_at < newest.created_at))
                     .values(beat_at=newest.created_at, beat=data))

    def _store_usage(self, conn: Connection, kiosk_id: str, report: Report, body: DailyStatistics) -> None:
        values = {"report_id": report.id, "created_at": report.created_at, "sessions": body.sessions,
                  "body": body.model_dump(mode="json")}
        existing = conn.execute(select(usage.c.report_id, usage.c.created_at)
                                .where(usage.c.kiosk_id == kiosk_id, usage.c.day == body.date)).first()
        if existing is None:
            try:
                with conn.begin_nested():
                    conn.execute(usage.insert().values(kiosk_id=kiosk_id, day=body.date, **values))
            except IntegrityError:  # the same report, or another process storing the same day just now
                pass
        elif existing.report_id != report.id and _aware(existing.created_at) < report.created_at:  # type: ignore[operator]
            conn.execute(update(usage).where(usage.c.kiosk_id == kiosk_id, usage.c.day == body.date).values(**values))

    def _store_result(self, conn: Connection, kiosk_id: str, report: Report, body: CommandResult,
                      now: datetime) -> None:
        changed = conn.execute(update(commands)
                               .where(commands.c.id == body.command_id, commands.c.kiosk_id == kiosk_id,
                                      commands.c.status.in_(OPEN_COMMANDS))
                               .values(status="done" if body.ok else "failed", finished_at=now, result=body.detail,
                                       result_report_id=report.id)).rowcount
        if changed:
            rollout_id = conn.execute(select(commands.c.rollout_id)
                                      .where(commands.c.id == body.command_id)).scalar()
            if rollout_id is not None:
                self._advance(conn, rollout_id)

    # --- staged rollouts of catalog and settings versions ---

    def start_rollout(self, staff: Staff, target: str, version: str, content: dict[str, Any], group: str,
                      stage_size: int) -> int:
        """Send `version` to the first `stage_size` kiosks of `group`; the next stage starts when every kiosk of
        this one applied it, and a kiosk that refuses it halts the rollout."""
        if target not in ("catalog", "settings") or stage_size < 1:
            raise ValueError("target is catalog or settings; stages have at least one kiosk")
        with self.engine.begin() as conn:
            key = conn.execute(rollouts.insert().values(
                target=target, version=version, content=content, group_name=group, stage_size=stage_size,
                status="active", created_by=staff.username, created_at=now_utc())).inserted_primary_key
            assert key is not None
            rollout_id = int(key[0])
            conn.execute(audit.insert().values(at=now_utc(), username=staff.username, action="rollout:start",
                                               detail=f"{target} {version} to {group}, {stage_size} at a time"))
            self._advance(conn, rollout_id)
        return rollout_id

    def _advance(self, conn: Connection, rollout_id: int) -> None:
        rollout = conn.execute(select(rollouts).where(rollouts.c.id == rollout_id)).first()
        if rollout is None or rollout.status != "active":
            return
        sent = conn.execute(select(commands.c.kiosk_id, commands.c.status)
                            .where(commands.c.rollout_id == rollout_id)).all()
        if any(row.status == "failed" for row in sent):
            conn.execute(update(rollouts).where(rollouts.c.id == rollout_id).values(status="halted"))
            conn.execute(update(commands).where(commands.c.rollout_id == rollout_id, commands.c.status == "queued")
                         .values(status="cancelled"))
            return
        if any(row.status in OPEN_COMMANDS for row in sent):
            return  # this stage is still going
        done = {row.kiosk_id for row in sent}
        group = conn.execute(select(kiosks.c.id).where(kiosks.c.group_name == rollout.group_name)
                             .order_by(kiosks.c.id)).scalars().all()
        stage = [k for k in group if k not in done][: rollout.stage_size]
        if not stage:
            conn.execute(update(rollouts).where(rollouts.c.id == rollout_id).values(status="done"))
            return
        system = Staff(rollout.created_by, "city", None, "")
        for kiosk_id in stage:
            self.add_command(system, kiosk_id, CommandName.APPLY_VERSION,
                             {"target": rollout.target, "version": rollout.version, "content": rollout.content},
                             rollout_id=rollout_id, conn=conn)

    def roll_back(self, staff: Staff, rollout_id: int) -> int:
        """Stop the rollout and send every kiosk that applied it back to its previous version; how many."""
        with self.engine.begin() as conn:
            rollout = conn.execute(select(rollouts).where(rollouts.c.id == rollout_id)).first()
            if rollout is None or rollout.status == "rolled_back":
                return 0
            conn.execute(update(rollouts).where(rollouts.c.id == rollout_id).values(status="rolled_back"))
            conn.execute(update(commands).where(commands.c.rollout_id == rollout_id, commands.c.status == "queued")
                         .values(status="cancelled"))
            applied = conn.execute(select(commands.c.kiosk_id).where(
                commands.c.rollout_id == rollout_id, commands.c.name == CommandName.APPLY_VERSION.value,
                commands.c.status.in_(("done", "delivered")))).scalars().all()
            for kiosk_id in sorted(set(applied)):
                self.add_command(staff, kiosk_id, CommandName.APPLY_VERSION,
                                 {"target": rollout.target, "version": rollout.version, "rollback": True},
                                 conn=conn)
            conn.execute(audit.insert().values(at=now_utc(), username=staff.username, action="rollout:rollback",
                                               detail=f"{rollout.target} {rollout.version}: {len(set(applied))}"))
        return len(set(applied))

    def rollouts(self, limit: int = 10) -> list[Any]:
        """Recent rollouts with their progress (kiosks done, failed, open; kiosks in the group)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(rollouts).order_by(rollouts.c.id.desc()).limit(limit)).all()
            result: list[Any] = []
            for row in rows:
                states = conn.execute(select(commands.c.status, func.count()).where(commands.c.rollout_id == row.id)
                                      .group_by(commands.c.status)).all()
                size = conn.execute(select(func.count()).select_from(kiosks)
                                    .where(kiosks.c.group_name == row.group_name)).scalar_one()
                result.append((row, dict(states), size))
        return result

    # --- commands and the audit log ---

    def add_command(self, staff: Staff, kiosk_id: str, name: CommandName, args: dict[str, Any] | None = None,
                    rollout_id: int | None = None, conn: Connection | None = None) -> uuid.UUID:
        command_id = uuid.uuid4()
        now = now_utc()

        def write(c: Connection) -> None:
            c.execute(commands.insert().values(
                id=command_id, kiosk_id=kiosk_id, name=name.value, args=args or {}, status="queued",
                created_by=staff.username, created_at=now, rollout_id=rollout_id))
            c.execute(audit.insert().values(at=now, username=staff.username, action=f"command:{name.value}",
                                            kiosk_id=kiosk_id, detail=str(command_id)))

        if conn is not None:
            write(conn)
        else:
            with self.engine.begin() as c:
                write(c)
        return command_id

    def note(self, staff: Staff, action: str, kiosk_id: str | None = None, detail: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(audit.insert().values(at=now_utc(), username=staff.username, action=action,
                                               kiosk_id=kiosk_id, detail=detail[:500]))

    # --- what the dashboard reads ---

    def kiosks_for(self, staff: Staff) -> list[Any]:
        query = select(kiosks).order_by(kiosks.c.ward, kiosks.c.id)
        if staff.role != "city":
            query = query.where(kiosks.c.ward == staff.ward)
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def kiosk(self, kiosk_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(kiosks).where(kiosks.c.id == kiosk_id)).first()

    def recent_commands(self, kiosk_ids: Iterable[str], limit: int = 50) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(commands).where(commands.c.kiosk_id.in_(list(kiosk_ids)))
                                     .order_by(commands.c.created_at.desc()).limit(limit)).all())

    def audit_log(self, staff: Staff, kiosk_ids: Iterable[str], limit: int = 50) -> list[Any]:
        query = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if staff.role != "city":
            query = query.where(audit.c.kiosk_id.in_(list(kiosk_ids)))
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def usage_rows(self, kiosk_ids: Iterable[str], since: date) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(usage.c.kiosk_id, usage.c.day, usage.c.body)
                                     .where(usage.c.kiosk_id.in_(list(kiosk_ids)), usage.c.day >= since)
                                     .order_by(usage.c.day)).all())

    # --- housekeeping ---

    def prune_heartbeats(self, keep_days: int = 14, now: datetime | None = None) -> int:
        """Drop heartbeats older than `keep_days` (the kiosks' latest state stays); returns how many."""
        cutoff = (now or now_utc()) - timedelta(days=keep_days)
        with self.engine.begin() as conn:
            return conn.execute(heartbeats.delete().where(heartbeats.c.created_at < cutoff)).rowcount

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in metadata.sorted_tables}


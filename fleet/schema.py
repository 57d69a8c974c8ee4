"""The fleet database's tables (SQLAlchemy Core). Changes go through a migration in fleet/migrations/."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

# One row per kiosk: its credentials, where it stands, and its latest heartbeat.
kiosks = Table(
    "kiosks", metadata,
    Column("id", String(64), primary_key=True),
    Column("site_id", String(64), nullable=False),
    Column("ward", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("group_name", String(64), nullable=False, server_default="default"),
    Column("secret_hash", String(300), nullable=False),
    Column("last_seen", DateTime(timezone=True)),
    Column("beat_at", DateTime(timezone=True)),  # created_at of the heartbeat in `beat`
    Column("beat", JSON),
)

# The heartbeats worth keeping (a change of state, else one an hour: fleet.store), by the id the kiosk gave it
# (a report sent twice is kept once).
heartbeats = Table(
    "heartbeats", metadata,
    Column("id", Uuid, primary_key=True),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("body", JSON, nullable=False),
)
Index("heartbeats_kiosk_time", heartbeats.c.kiosk_id, heartbeats.c.created_at)

# One row per kiosk and day: the latest figures the kiosk sent for that day (a newer report replaces them).
usage = Table(
    "usage", metadata,
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("report_id", Uuid, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("body", JSON, nullable=False),
)

commands = Table(
    "commands", metadata,
    Column("id", Uuid, primary_key=True),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=False),
    Column("name", String(32), nullable=False),
    Column("args", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # queued, delivered, done, failed, cancelled
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("result", Text),
    Column("result_report_id", Uuid, unique=True),
    Column("rollout_id", Integer),
)
Index("commands_kiosk_status", commands.c.kiosk_id, commands.c.status)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),  # city or ward
    Column("ward", String(64)),  # the ward a ward user sees
    Column("display_name", String(200), nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("kiosk_id", String(64)),
    Column("detail", Text, nullable=False, server_default=""),
)

# Keys shared by every service process (the token signing key), made once by whichever process is first.
service_keys = Table(
    "service_keys", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

# A catalog or settings version sent to a group of kiosks, a few at a time.
rollouts = Table(
    "rollouts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(16), nullable=False),  # catalog or settings
    Column("version", String(128), nullable=False),
    Column("content", JSON, nullable=False),
    Column("group_name", String(64), nullable=False),
    Column("stage_size", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # active, done, halted, rolled_back
    Column("previous_version", String(128), nullable=False, server_default=""),
    Column("previous_content", JSON),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

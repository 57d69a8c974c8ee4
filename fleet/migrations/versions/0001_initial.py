"""The fleet database: kiosks, heartbeats, usage, commands, users, audit log, keys, rollouts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("group_name", sa.String(64), nullable=False, server_default="default"),
        sa.Column("secret_hash", sa.String(300), nullable=False),
        sa.Column("last_seen", TZ),
        sa.Column("beat_at", TZ),
        sa.Column("beat", sa.JSON),
    )
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
    )
    op.create_index("heartbeats_kiosk_time", "heartbeats", ["kiosk_id", "created_at"])
    op.create_table(
        "usage",
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("report_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sessions", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
    )
    op.create_table(
        "commands",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("result", sa.Text),
        sa.Column("result_report_id", sa.Uuid, unique=True),
        sa.Column("rollout_id", sa.Integer),
    )
    op.create_index("commands_kiosk_status", "commands", ["kiosk_id", "status"])
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("ward", sa.String(64)),
        sa.Column("display_name", sa.String(200), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "service_keys",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("group_name", sa.String(64), nullable=False),
        sa.Column("stage_size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("previous_version", sa.String(128), nullable=False, server_default=""),
        sa.Column("previous_content", sa.JSON),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("rollouts", "service_keys", "audit", "users", "commands", "usage", "heartbeats", "kiosks"):
        op.drop_table(table)

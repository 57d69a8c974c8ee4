"""The fleet service: every kiosk's health, usage and remote commands in one place, and the dashboard.

An optional part (`pip install '.[fleet]'`): FastAPI, SQLAlchemy 2 on PostgreSQL (or SQLite for one ward's
laptop), schema by Alembic migrations. Service processes keep nothing that matters in memory, so several
can share one database. It imports the kiosk's wire messages (`kiosk.telemetry.wire`), never Qt or the
kiosk's screens; the kiosk never imports it.
"""

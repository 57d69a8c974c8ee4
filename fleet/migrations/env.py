"""Alembic environment: the connection comes from `fleet.store.migrate` (config attribute 'connection')."""

from __future__ import annotations

from alembic import context

from fleet.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

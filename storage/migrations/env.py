"""Alembic environment: runs migrations on the connection guidewatch hands it."""

from __future__ import annotations

from alembic import context

from storage.tables import include_object, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.migrate()")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()

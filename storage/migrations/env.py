"""Alembic environment: runs migrations on the connection guidewatch hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.changes  # noqa: F401  (registers the change and alert tables)
import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.migrate()")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()

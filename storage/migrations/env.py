"""Alembic environment: runs migrations on the connection guidewatch hands it."""

from __future__ import annotations

from alembic import context

from storage.tables import metadata

# Search structures made by hand in migration 0003, which the models do not describe.
SEARCH_OBJECTS = {("column", "search_vector"), ("index", "ix_sections_fts")}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Keep autogenerate from proposing to drop the full-text search structures."""
    if type_ == "table" and name and name.startswith("sections_fts"):
        return False
    return (type_, name) not in SEARCH_OBJECTS


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

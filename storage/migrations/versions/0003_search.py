"""full-text search over sections (SQLite FTS5 + triggers, PostgreSQL GIN expression index)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

On SQLite the FTS5 table holds only the index (content='sections'); triggers keep it in step
with every insert, update and delete on `sections`, so storing a version indexes it. A later
migration that rebuilds `sections` in batch mode drops these triggers: it must create them again.
On PostgreSQL a stored generated column `search_vector` holds each section's words (so a phrase
check reads it instead of re-parsing the text), with a GIN index on it. Neither is in the
SQLModel models: autogenerate must be told to leave `sections_fts*` and `search_vector` alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    """CREATE VIRTUAL TABLE sections_fts USING fts5(
        text, content='sections', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER sections_fts_insert AFTER INSERT ON sections BEGIN
        INSERT INTO sections_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER sections_fts_delete AFTER DELETE ON sections BEGIN
        INSERT INTO sections_fts(sections_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER sections_fts_update AFTER UPDATE OF text ON sections BEGIN
        INSERT INTO sections_fts(sections_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO sections_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO sections_fts(sections_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS sections_fts_update",
    "DROP TRIGGER IF EXISTS sections_fts_delete",
    "DROP TRIGGER IF EXISTS sections_fts_insert",
    "DROP TABLE IF EXISTS sections_fts",
)
PG_UP = (
    r"""ALTER TABLE sections ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, regexp_replace(text, '\W+', ' ', 'g'))
    ) STORED""",
    "CREATE INDEX ix_sections_fts ON sections USING gin (search_vector)",
)
PG_DOWN = (
    "DROP INDEX IF EXISTS ix_sections_fts",
    "ALTER TABLE sections DROP COLUMN IF EXISTS search_vector",
)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(PG_DOWN)

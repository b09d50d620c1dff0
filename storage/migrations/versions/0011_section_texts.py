"""each distinct section text stored once (section_texts); sections point at it

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Every section row carried its full text, though most versions repeat most sections word for
word. `section_texts` keeps each distinct text once, keyed by the SHA-256 of its UTF-8 bytes
(computed here from the text itself, whatever `sections.text_sha256` says; a row stored before
0008 keeps its NULL there). `sections.text` becomes `sections.text_id`.

The full-text index moves with the text: on SQLite the FTS5 table `sections_fts` and its three
triggers are made again over `section_texts` (same names, same tokenizer); on PostgreSQL the
generated `search_vector` column and its GIN index `ix_sections_fts` move to `section_texts`.
A search finds texts, then the sections that point at them (`ix_sections_text_id`).

On SQLite `sections` is rebuilt in batch mode (its triggers are dropped first and not needed
on it again). The downgrade gives every section its text back (SQLite: in its old place among
the columns; PostgreSQL: as the last column, with `search_vector` after it) and rebuilds the
old index over `sections`.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 2000
TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"


def _sqlite_fts(table: str) -> tuple[str, ...]:
    """The FTS5 table and triggers of 0003, over `table` (sections, or section_texts)."""
    return (
        f"""CREATE VIRTUAL TABLE sections_fts USING fts5(
        text, content='{table}', content_rowid='id', {TOKENIZE}
    )""",
        f"""CREATE TRIGGER sections_fts_insert AFTER INSERT ON {table} BEGIN
        INSERT INTO sections_fts(rowid, text) VALUES (new.id, new.text);
    END""",
        f"""CREATE TRIGGER sections_fts_delete AFTER DELETE ON {table} BEGIN
        INSERT INTO sections_fts(sections_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
        f"""CREATE TRIGGER sections_fts_update AFTER UPDATE OF text ON {table} BEGIN
        INSERT INTO sections_fts(sections_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO sections_fts(rowid, text) VALUES (new.id, new.text);
    END""",
        "INSERT INTO sections_fts(sections_fts) VALUES ('rebuild')",
    )


SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS sections_fts_update",
    "DROP TRIGGER IF EXISTS sections_fts_delete",
    "DROP TRIGGER IF EXISTS sections_fts_insert",
    "DROP TABLE IF EXISTS sections_fts",
)


def _pg_search(table: str) -> tuple[str, ...]:
    """The generated tsvector column and GIN index of 0003, on `table`."""
    return (
        rf"""ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, regexp_replace(text, '\W+', ' ', 'g'))
    ) STORED""",
        f"CREATE INDEX ix_sections_fts ON {table} USING gin (search_vector)",
    )


def _pg_drop(table: str) -> tuple[str, ...]:
    return (
        "DROP INDEX IF EXISTS ix_sections_fts",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector",
    )


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _fill_texts() -> None:
    """Put each distinct text in section_texts and point every section at its row."""
    bind = op.get_bind()
    known: dict[str, int] = {}
    insert = sa.text("INSERT INTO section_texts (text_sha256, text) VALUES (:sha, :text)")
    find = sa.text("SELECT id FROM section_texts WHERE text_sha256 = :sha")
    point = sa.text("UPDATE sections SET text_id = :text_id WHERE id = :id")
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, text FROM sections WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            return
        updates = []
        for section_id, body in rows:
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
            text_id = known.get(digest)
            if text_id is None:
                bind.execute(insert, {"sha": digest, "text": body})
                text_id = int(bind.execute(find, {"sha": digest}).scalar_one())
                known[digest] = text_id
            updates.append({"text_id": text_id, "id": section_id})
        bind.execute(point, updates)
        last = int(rows[-1][0])


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DROP)
    elif dialect == "postgresql":
        _run(_pg_drop("sections"))
    op.create_table(
        "section_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("text_sha256"),
    )
    if dialect == "sqlite":  # in place; the batch below rebuilds the table with it
        op.execute("ALTER TABLE sections ADD COLUMN text_id INTEGER REFERENCES section_texts (id)")
    else:
        op.add_column("sections", sa.Column("text_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_sections_text_id", "sections", "section_texts", ["text_id"], ["id"]
        )
    _fill_texts()
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.alter_column("text_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("text")
        batch_op.create_index("ix_sections_text_id", ["text_id"], unique=False)
    if dialect == "sqlite":
        _run(_sqlite_fts("section_texts"))
    elif dialect == "postgresql":
        _run(_pg_search("section_texts"))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DROP)
    elif dialect == "postgresql":
        _run(_pg_drop("section_texts"))
    op.add_column("sections", sa.Column("text", sa.Text(), nullable=True))
    op.execute(
        "UPDATE sections SET text = "
        "(SELECT section_texts.text FROM section_texts WHERE section_texts.id = sections.text_id)"
    )
    reorder: list[tuple[str, ...]] | None = (
        [("heading_path", "text", "pages")] if dialect == "sqlite" else None
    )
    with op.batch_alter_table("sections", schema=None, partial_reordering=reorder) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=False)
        batch_op.drop_index("ix_sections_text_id")
        if dialect == "postgresql":
            batch_op.drop_constraint("fk_sections_text_id", type_="foreignkey")
        batch_op.drop_column("text_id")
    op.drop_table("section_texts")
    if dialect == "sqlite":
        _run(_sqlite_fts("sections"))
    elif dialect == "postgresql":
        _run(_pg_search("sections"))

"""the section-text hash kept once (section_texts); term counts keyed by the text's id

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

Since 0011 each distinct section text is a row of `section_texts`, with its SHA-256 there.
`sections.text_sha256` repeated that hash in every section row: it is dropped (a reader that
needs a section's hash joins `section_texts`). `term_counts` is keyed by (fingerprint, text_id),
an integer, instead of (fingerprint, text_sha256): its rows are converted by joining
`section_texts` on the hash (counts of a text no section holds any more are left behind; they
are a cache).

The downgrade gives both back: every section its hash (from its text's row; a row that older
code had left NULL gets the hash it would have been given), and term_counts its hashes. On
SQLite the column comes back in its old place; on PostgreSQL it is the last column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _term_counts(key: sa.Column) -> None:  # type: ignore[type-arg]
    """Make term_counts afresh with this second key column (the old one renamed aside)."""
    op.rename_table("term_counts", "term_counts_old")
    if op.get_bind().dialect.name == "postgresql":  # the key's index keeps its name otherwise
        op.execute("ALTER INDEX term_counts_pkey RENAME TO term_counts_old_pkey")
    op.create_table(
        "term_counts",
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        key,
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", key.name),
        sqlite_with_rowid=False,
    )


HASH = "SELECT t.text_sha256 FROM section_texts t WHERE t.id = sections.text_id"


def _sqlite_in_place() -> None:
    """SQLite: move sections.text_sha256 back before text_id, the rest of its SQL as it was.

    The upgrade dropped the column in place (ALTER TABLE ... DROP COLUMN edits the stored SQL
    only); a batch rebuild would reflect the table and write its foreign keys in another order,
    so the table is made again from its own SQL with the column put back, then refilled.
    """
    bind = op.get_bind()
    made = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sections'")
    ).scalar_one()
    anchor = "\ttext_id INTEGER NOT NULL"
    if made.count(anchor) != 1 or not made.startswith('CREATE TABLE "sections"'):
        raise RuntimeError(f"sections is not as migration 0012 left it: {made}")
    indexes = bind.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sections' "
            "AND sql IS NOT NULL ORDER BY name"
        )
    ).scalars()
    keep = list(indexes)
    columns = "id, version_id, ordinal, key, heading_path, pages"
    _run_all(
        made.replace('CREATE TABLE "sections"', 'CREATE TABLE "_sections_0012"', 1).replace(
            anchor, "\ttext_sha256 VARCHAR(64), \n" + anchor, 1
        ),
        f"INSERT INTO _sections_0012 ({columns}, text_sha256, text_id) "
        f"SELECT {columns}, ({HASH}), text_id FROM sections",
        "DROP TABLE sections",
        'ALTER TABLE _sections_0012 RENAME TO "sections"',
        *keep,
    )


def _run_all(*statements: str) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _term_counts(sa.Column("text_id", sa.Integer(), nullable=False))
    op.execute(
        "INSERT INTO term_counts (fingerprint, text_id, counts) "
        "SELECT o.fingerprint, t.id, o.counts FROM term_counts_old o "
        "JOIN section_texts t ON t.text_sha256 = o.text_sha256"
    )
    op.drop_table("term_counts_old")
    op.drop_column("sections", "text_sha256")  # SQLite (3.35+): in place, its SQL kept


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_in_place()
    else:
        op.add_column(
            "sections",
            sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        )
        op.execute(f"UPDATE sections SET text_sha256 = ({HASH})")
    _term_counts(
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
    )
    op.execute(
        "INSERT INTO term_counts (fingerprint, text_sha256, counts) "
        "SELECT o.fingerprint, t.text_sha256, o.counts FROM term_counts_old o "
        "JOIN section_texts t ON t.id = o.text_id"
    )
    op.drop_table("term_counts_old")

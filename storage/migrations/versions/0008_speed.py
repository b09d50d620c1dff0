"""indexes the query plans asked for; term counts once per distinct section text

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-30

- `show --at` and `evidence` look up the fetches that confirmed a version (by version_id, in
  started_at order): without an index SQLite skip-scanned the document index and sorted in a
  temporary B-tree, twice per question.
- `sections.text_sha256` names each section text, so that watched-term counts are kept once
  per distinct text (`term_counts`, keyed by the topics fingerprint) instead of recounted over
  every version at query time. Existing rows get their hash here. The column is added in
  place (not in batch mode): rebuilding `sections` would drop the FTS triggers of 0003.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def _hash_sections() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE sections SET text_sha256 = encode(sha256(convert_to(text, 'UTF8')), 'hex')"
        )
        return
    select = sa.text(
        "SELECT id, text FROM sections WHERE text_sha256 IS NULL AND id > :after "
        "ORDER BY id LIMIT :n"
    )
    update = sa.text("UPDATE sections SET text_sha256 = :h WHERE id = :id")
    after = 0
    while True:
        rows = bind.execute(select, {"after": after, "n": BATCH}).fetchall()
        if not rows:
            return
        bind.execute(
            update,
            [{"id": id, "h": hashlib.sha256(text.encode("utf-8")).hexdigest()} for id, text in rows],
        )
        after = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fetches_version_started", ["version_id", "started_at"], unique=False
        )
    op.add_column(
        "sections",
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    _hash_sections()
    op.create_table(
        "term_counts",
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", "text_sha256"),
    )


def downgrade() -> None:
    op.drop_table("term_counts")
    op.drop_column("sections", "text_sha256")
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.drop_index("ix_fetches_version_started")

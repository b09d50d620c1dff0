"""indexes the query plans asked for

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-30

`show --at` and `evidence` look up the fetches that confirmed a version (by version_id, in
started_at order): without an index SQLite skip-scanned the document index and sorted in a
temporary B-tree, twice per question.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fetches_version_started", ["version_id", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.drop_index("ix_fetches_version_started")

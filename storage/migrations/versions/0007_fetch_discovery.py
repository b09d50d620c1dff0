"""fetches.discovery: how a discovered document's file was found (methods tried, candidates)

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30

JSON: {"method", "chosen", "reason", "attempts": [...], "candidates": [...]}; "{}" for a
document fetched at its declared address. Added with ADD COLUMN (no table rebuild).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "fetches", sa.Column("discovery", sa.Text(), nullable=False, server_default="{}")
    )


def downgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.drop_column("discovery")

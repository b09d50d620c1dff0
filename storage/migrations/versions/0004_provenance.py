"""provenance of fetches and versions (live or archive capture), and the witness capture

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Columns are only added (no batch rebuild), so the FTS triggers of 0003 stay in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _provenance() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "provenance",
        sqlmodel.sql.sqltypes.AutoString(length=20),
        nullable=False,
        server_default="live",
    )


def upgrade() -> None:
    op.add_column("fetches", _provenance())
    op.add_column("fetches", sa.Column("archive_url", sa.Text(), nullable=True))
    op.add_column(
        "fetches",
        sa.Column("archive_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    # Partial: live fetches (the great majority) have no archive address and no index entry.
    op.create_index(
        "ix_fetches_archive_url",
        "fetches",
        ["document_id", "archive_url"],
        sqlite_where=sa.text("archive_url IS NOT NULL"),
        postgresql_where=sa.text("archive_url IS NOT NULL"),
    )
    op.add_column("versions", _provenance())
    op.add_column("versions", sa.Column("archive_url", sa.Text(), nullable=True))
    op.add_column("versions", sa.Column("witness_url", sa.Text(), nullable=True))
    op.add_column("versions", sa.Column("witness_error", sa.Text(), nullable=True))
    op.add_column(
        "versions",
        sa.Column("witness_attempts", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of `versions` would break the foreign
    # keys that point at it.
    op.drop_index("ix_fetches_archive_url", table_name="fetches")
    for table, name in (
        ("versions", "witness_attempts"),
        ("versions", "witness_error"),
        ("versions", "witness_url"),
        ("versions", "archive_url"),
        ("versions", "provenance"),
        ("fetches", "archive_digest"),
        ("fetches", "archive_url"),
        ("fetches", "provenance"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")

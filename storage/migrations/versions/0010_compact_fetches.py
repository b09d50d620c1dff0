"""a fetch row stores NULL for what it would only repeat

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30

An unchanged fetch repeated, on every row: its final URL when it was the URL asked (about
60 bytes), "live", "[]", "{}" four times. Those become NULL, which storage.repo's readers
(final_url, provenance, redirects, fetch_headers, related, discovery) rebuild exactly:

- final_url is NULL when the answer came from the URL asked (a row with a status and a
  size: a response was received); a row without a response keeps its NULL as before;
- provenance is NULL for a live fetch ("archive" stays);
- redirects "[]", headers "{}", related "{}" and discovery "{}" are NULL.

The columns become nullable, and provenance and discovery lose their server defaults (a row
inserted without them is live, with no discovery record). On SQLite this rebuilds `fetches`
(nothing points at it and it has no trigger); on PostgreSQL the columns are altered in place.
The downgrade writes every value back in full and restores the NOT NULL columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, type, value it stood for, server default before 0010)
COLUMNS = (
    ("redirects", sa.Text(), "[]", None),
    ("headers", sa.Text(), "{}", None),
    ("related", sa.Text(), "{}", None),
    ("discovery", sa.Text(), "{}", "{}"),
    ("provenance", sqlmodel.sql.sqltypes.AutoString(length=20), "live", "live"),
)
# A response was received: the row has a status and a size (a 304's size is 0).
ANSWERED = "status IS NOT NULL AND size IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        for name, type_, _value, default in COLUMNS:
            batch_op.alter_column(
                name,
                existing_type=type_,
                nullable=True,
                server_default=None,
                existing_server_default=default,
            )
    defaults = ", ".join(f"{name} = NULLIF({name}, '{value}')" for name, _t, value, _d in COLUMNS)
    op.execute(
        f"UPDATE fetches SET final_url = CASE WHEN final_url = url AND {ANSWERED} "
        f"THEN NULL ELSE final_url END, {defaults}"
    )


def downgrade() -> None:
    defaults = ", ".join(
        f"{name} = COALESCE({name}, '{value}')" for name, _t, value, _d in COLUMNS
    )
    op.execute(
        f"UPDATE fetches SET final_url = CASE WHEN final_url IS NULL AND {ANSWERED} "
        f"THEN url ELSE final_url END, {defaults}"
    )
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        for name, type_, _value, default in COLUMNS:
            batch_op.alter_column(
                name, existing_type=type_, nullable=False, server_default=default
            )

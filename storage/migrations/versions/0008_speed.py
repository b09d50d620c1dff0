"""indexes the query plans asked for; term counts once per distinct text; shared headers

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-30

- `show --at` and `evidence` look up the fetches that confirmed a version by version_id:
  without an index SQLite skip-scanned the whole document index, twice per question. The
  index is on version_id alone (a version's fetches are then sorted, a few hundred at most):
  with started_at in it, it cost 26 more bytes on every fetch.
- `header_sets` keeps each distinct set of response headers once; a fetch points to its set
  and keeps the server's Date as an offset in seconds from started_at (`date_offset`), so an
  unchanged fetch no longer repeats its headers. Older rows keep their headers in place.
- `sections.text_sha256` names each section text, so that watched-term counts are kept once
  per distinct text (`term_counts`, keyed by the topics fingerprint) instead of recounted over
  every version at query time. Existing rows get their hash here. The column is added in
  place (not in batch mode): rebuilding `sections` would drop the FTS triggers of 0003.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import formatdate

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0009"
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


def _add_fetch_columns() -> None:
    op.create_table(
        "header_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    if op.get_bind().dialect.name == "sqlite":  # in place: no batch rebuild of a long table
        op.execute("ALTER TABLE fetches ADD COLUMN headers_id INTEGER REFERENCES header_sets (id)")
    else:
        op.add_column("fetches", sa.Column("headers_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_fetches_headers_id", "fetches", "header_sets", ["headers_id"], ["id"]
        )
    op.add_column("fetches", sa.Column("date_offset", sa.Integer(), nullable=True))


def upgrade() -> None:
    op.create_index("ix_fetches_version_id", "fetches", ["version_id"], unique=False)
    _add_fetch_columns()
    op.add_column(
        "sections",
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    _hash_sections()
    op.create_table(
        "term_counts",
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", "text_sha256"),
        sqlite_with_rowid=False,  # the rows live in the key's B-tree: no second copy
    )


def _headers_back() -> None:
    """Put each fetch's headers (its set, and its Date) back into its own row."""
    bind = op.get_bind()
    found = bind.execute(sa.text("SELECT id, headers FROM header_sets"))
    sets: dict[int, str] = {int(id): str(headers) for id, headers in found}
    rows = bind.execute(
        sa.text(
            "SELECT id, started_at, headers_id, date_offset FROM fetches "
            "WHERE headers_id IS NOT NULL OR date_offset IS NOT NULL"
        )
    ).fetchall()
    update = sa.text("UPDATE fetches SET headers = :h WHERE id = :id")
    for id, started, headers_id, offset in rows:
        headers = json.loads(sets.get(headers_id, "{}"))
        if offset is not None:
            moment = started if isinstance(started, datetime) else datetime.fromisoformat(started)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            headers["date"] = formatdate(int(moment.timestamp()) + offset, usegmt=True)
        bind.execute(update, {"id": id, "h": json.dumps(headers, sort_keys=True)})


def downgrade() -> None:
    _headers_back()
    op.drop_table("term_counts")
    op.drop_column("sections", "text_sha256")
    with op.batch_alter_table("fetches", schema=None) as batch_op:  # SQLite: a rebuild
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_fetches_headers_id", type_="foreignkey")
        batch_op.drop_column("date_offset")
        batch_op.drop_column("headers_id")
        batch_op.drop_index("ix_fetches_version_id")
    op.drop_table("header_sets")

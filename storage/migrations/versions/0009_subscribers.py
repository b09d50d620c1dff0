"""subscribers: one outbox row per (alert, subscriber, channel), deliveries per item

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-30

`deliveries` holds, for each queued item, one row per subscriber and channel that follows it
(unique), and the message that carries it to them once composed. `alerts` names the
subscriber and channel a message goes to (both NULL for messages to GUIDEWATCH_MAIL_TO and
topic recipients, composed as before), and `alert_items.routed_at` says an item was handed
to the subscribers who follow it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subscriber", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("channel", sa.Text(), nullable=True))
    with op.batch_alter_table("alert_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("subscriber", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["alert_items.id"]),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "subscriber", "channel", name="uq_deliveries_item_to"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deliveries_subscriber"), ["subscriber"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_subscriber"))
        batch_op.drop_index(batch_op.f("ix_deliveries_alert_id"))
    op.drop_table("deliveries")
    with op.batch_alter_table("alert_items", schema=None) as batch_op:
        batch_op.drop_column("routed_at")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("channel")
        batch_op.drop_column("subscriber")

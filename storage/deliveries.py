"""Deliveries: which subscriber and channel each queued item goes to, and in which message.

One row per (item, subscriber, channel), unique, so an item reaches each subscriber's
channel at most once; a message claims its rows in one conditional UPDATE (alert_id still
NULL), so two runs composing at once never both carry the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage import tables
from storage.changes import Alert, AlertItem
from storage.db import insert_or_ignore
from storage.repo import utcnow


class Delivery(SQLModel, table=True):
    """One queued item for one subscriber's channel, and the message that carries it."""

    __table__ = tables.deliveries

    id: int | None = Field(default=None, sa_column=tables.deliveries.c.id)
    item_id: int = Field(sa_column=tables.deliveries.c.item_id)
    subscriber: str = Field(sa_column=tables.deliveries.c.subscriber)
    channel: str = Field(sa_column=tables.deliveries.c.channel)
    alert_id: int | None = Field(default=None, sa_column=tables.deliveries.c.alert_id)
    created_at: datetime = Field(sa_column=tables.deliveries.c.created_at)


def unrouted_items(*, session: Session) -> list[AlertItem]:
    """Queued items not yet handed to subscribers nor carried by a message, oldest first."""
    query = (
        select(AlertItem)
        .where(col(AlertItem.alert_id).is_(None), col(AlertItem.routed_at).is_(None))
        .order_by(col(AlertItem.id))
    )
    return list(session.exec(query))


def route(*, session: Session, item: AlertItem, targets: Sequence[tuple[str, str]]) -> int:
    """Hand an item to these (subscriber, channel) pairs, once each; return rows added."""
    assert item.id is not None
    added = 0
    for subscriber, channel in targets:
        statement = insert_or_ignore(
            session, Delivery, index_elements=["item_id", "subscriber", "channel"]
        ).values(item_id=item.id, subscriber=subscriber, channel=channel, created_at=utcnow())
        added += int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
    session.execute(
        update(AlertItem).where(col(AlertItem.id) == item.id).values(routed_at=utcnow())
    )
    return added


def waiting(
    *, session: Session, subscriber: str, channel: str, queued_before: datetime | None = None
) -> list[tuple[Delivery, AlertItem]]:
    """A channel's deliveries no message carries yet (items queued before a time), oldest first."""
    query = (
        select(Delivery, AlertItem)
        .join(AlertItem, col(AlertItem.id) == col(Delivery.item_id))
        .where(
            Delivery.subscriber == subscriber,
            Delivery.channel == channel,
            col(Delivery.alert_id).is_(None),
        )
        .order_by(col(AlertItem.id))
    )
    if queued_before is not None:
        query = query.where(col(AlertItem.created_at) < queued_before)
    return [(d, i) for d, i in session.exec(query)]


def claim(*, session: Session, alert: Alert, deliveries: Sequence[Delivery]) -> bool:
    """Attach deliveries to a new message; False if another run carried any of them first."""
    ids = [d.id for d in deliveries]
    claimed = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.alert_id).is_(None))
        .values(alert_id=alert.id)
        .execution_options(synchronize_session=False)
    )
    return int(claimed.rowcount) == len(ids)  # type: ignore[attr-defined]


def items_carried(*, session: Session, alert_id: int) -> list[AlertItem]:
    """The items a subscriber's message carries, oldest first."""
    query = (
        select(AlertItem)
        .join(Delivery, col(Delivery.item_id) == col(AlertItem.id))
        .where(Delivery.alert_id == alert_id)
        .order_by(col(AlertItem.id))
    )
    return list(session.exec(query))


def count_waiting(*, session: Session) -> dict[tuple[str, str], int]:
    """How many deliveries wait for a message, per (subscriber, channel)."""
    query = (
        select(Delivery.subscriber, Delivery.channel, func.count())
        .where(col(Delivery.alert_id).is_(None))
        .group_by(Delivery.subscriber, Delivery.channel)
    )
    return {(s, c): int(n) for s, c, n in session.exec(query)}

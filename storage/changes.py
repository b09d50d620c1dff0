"""Tables and repository functions for recorded changes and the alert outbox.

Three tables:
- `changes`: one row per change found between two versions (on a topic or not);
- `alert_items`: what is waiting to be told (a change on one followed topic, or an event such
  as a document gone), once each thanks to a unique key;
- `alerts`: the outbox of messages. Pending items are gathered into one message per run and
  recipient list; a message gets its Message-ID when it is created and keeps it on every
  retry. A run claims a message by moving it from pending to sending, then marks it sent (or
  back to pending after a failed attempt).

Recording changes, queueing items and the fetch-log questions of the events are in
storage.alert_queue (SQLAlchemy Core, no ORM), re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage import tables
from storage.repo import utcnow

ALERT_STATUSES = ("pending", "sending", "sent", "failed")


class ChangeRow(SQLModel, table=True):
    """One change to one section between two versions of a document."""

    __table__ = tables.changes

    id: int | None = Field(default=None, sa_column=tables.changes.c.id)
    document_id: str = Field(sa_column=tables.changes.c.document_id)
    from_version_id: int | None = Field(default=None, sa_column=tables.changes.c.from_version_id)
    to_version_id: int = Field(sa_column=tables.changes.c.to_version_id)
    ordinal: int = Field(sa_column=tables.changes.c.ordinal)
    section_key: str = Field(sa_column=tables.changes.c.section_key)
    kind: str = Field(sa_column=tables.changes.c.kind)
    topics: str = Field(default="[]", sa_column=tables.changes.c.topics)
    significance: int = Field(default=0, sa_column=tables.changes.c.significance)
    payload: str = Field(default="{}", sa_column=tables.changes.c.payload)
    created_at: datetime = Field(sa_column=tables.changes.c.created_at)

    def topic_list(self) -> list[str]:
        """The topics this change is on."""
        return list(json.loads(self.topics))

    def data(self) -> dict[str, Any]:
        """The change as recorded (compare.model.Change.to_dict())."""
        return dict(json.loads(self.payload))


class AlertItem(SQLModel, table=True):
    """One thing to tell: a change on a followed topic, or a document event."""

    __table__ = tables.alert_items

    id: int | None = Field(default=None, sa_column=tables.alert_items.c.id)
    key: str = Field(sa_column=tables.alert_items.c.key)
    kind: str = Field(sa_column=tables.alert_items.c.kind)
    document_id: str = Field(sa_column=tables.alert_items.c.document_id)
    change_id: int | None = Field(default=None, sa_column=tables.alert_items.c.change_id)
    topic: str | None = Field(default=None, sa_column=tables.alert_items.c.topic)
    fetch_id: int | None = Field(default=None, sa_column=tables.alert_items.c.fetch_id)
    payload: str = Field(default="{}", sa_column=tables.alert_items.c.payload)
    created_at: datetime = Field(sa_column=tables.alert_items.c.created_at)
    alert_id: int | None = Field(default=None, sa_column=tables.alert_items.c.alert_id)
    routed_at: datetime | None = Field(
        default=None, sa_column=tables.alert_items.c.routed_at
    )  # handed to the subscribers who follow it (0009)

    def data(self) -> dict[str, Any]:
        """The event's details."""
        return dict(json.loads(self.payload))


class Alert(SQLModel, table=True):
    """One outgoing message: pending, sending while a run has it, then sent (or failed)."""

    __table__ = tables.alerts

    id: int | None = Field(default=None, sa_column=tables.alerts.c.id)
    kind: str = Field(sa_column=tables.alerts.c.kind)
    message_id: str = Field(sa_column=tables.alerts.c.message_id)
    recipients: str = Field(default="[]", sa_column=tables.alerts.c.recipients)
    topics: str = Field(default="[]", sa_column=tables.alerts.c.topics)
    subject: str = Field(default="", sa_column=tables.alerts.c.subject)
    status: str = Field(default="pending", sa_column=tables.alerts.c.status)
    attempts: int = Field(default=0, sa_column=tables.alerts.c.attempts)
    last_error: str | None = Field(default=None, sa_column=tables.alerts.c.last_error)
    created_at: datetime = Field(sa_column=tables.alerts.c.created_at)
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=tables.alerts.c.last_attempt_at
    )
    sent_at: datetime | None = Field(default=None, sa_column=tables.alerts.c.sent_at)
    subscriber: str | None = Field(
        default=None, sa_column=tables.alerts.c.subscriber
    )  # None: MAIL_TO (0009)
    channel: str | None = Field(default=None, sa_column=tables.alerts.c.channel)

    def recipient_list(self) -> list[str]:
        """The addresses this message goes to."""
        return list(json.loads(self.recipients))

    def topic_list(self) -> list[str]:
        """The topics this message covers."""
        return list(json.loads(self.topics))


def list_changes(
    *,
    session: Session,
    document_id: str | None = None,
    since: datetime | None = None,
    topic: str | None = None,
    on_topic_only: bool = True,
    to_version_id: int | None = None,
) -> list[ChangeRow]:
    """Return recorded changes, oldest first, filtered by document, time and topic."""
    query = select(ChangeRow)
    if document_id is not None:
        query = query.where(ChangeRow.document_id == document_id)
    if since is not None:
        query = query.where(ChangeRow.created_at >= since)
    if to_version_id is not None:
        query = query.where(ChangeRow.to_version_id == to_version_id)
    if on_topic_only or topic is not None:
        query = query.where(ChangeRow.topics != "[]")
    rows = list(session.exec(query.order_by(col(ChangeRow.id))))
    if topic is not None:
        rows = [row for row in rows if topic in row.topic_list()]
    return rows


def get_changes(*, session: Session, ids: Sequence[int]) -> list[ChangeRow]:
    """Return the change rows with these ids, in id order."""
    if not ids:
        return []
    query = select(ChangeRow).where(col(ChangeRow.id).in_(list(ids))).order_by(col(ChangeRow.id))
    return list(session.exec(query))


def unassigned_items(*, session: Session) -> list[AlertItem]:
    """Return the queued items that no message carries yet, oldest first.

    An item handed to subscribers (routed_at set) is theirs: see storage/deliveries.py.
    """
    query = (
        select(AlertItem)
        .where(col(AlertItem.alert_id).is_(None), col(AlertItem.routed_at).is_(None))
        .order_by(col(AlertItem.id))
    )
    return list(session.exec(query))


def items_of(*, session: Session, alert_id: int) -> list[AlertItem]:
    """Return the items one message carries, oldest first."""
    query = select(AlertItem).where(AlertItem.alert_id == alert_id).order_by(col(AlertItem.id))
    return list(session.exec(query))


def create_alert(
    *,
    session: Session,
    kind: str,
    message_id: str,
    recipients: Sequence[str],
    topics: Sequence[str],
    subject: str,
    items: Sequence[AlertItem],
) -> Alert | None:
    """Create a pending message carrying items; None if another run took any of them first."""
    alert = Alert(
        kind=kind,
        message_id=message_id,
        recipients=json.dumps(list(recipients)),
        topics=json.dumps(list(topics)),
        subject=subject,
        status="pending",
        created_at=utcnow(),
    )
    session.add(alert)
    session.flush()
    ids = [item.id for item in items]
    claimed = session.execute(
        update(AlertItem)
        .where(col(AlertItem.id).in_(ids), col(AlertItem.alert_id).is_(None))
        .values(alert_id=alert.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
        return None
    for item in items:
        item.alert_id = alert.id
    return alert


def list_alerts(
    *, session: Session, status: str | None = None, limit: int | None = None
) -> list[Alert]:
    """Return messages, newest first, optionally of one status."""
    query = select(Alert)
    if status is not None:
        query = query.where(Alert.status == status)
    query = query.order_by(col(Alert.id).desc())
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def pending_alerts(*, session: Session, stale_before: datetime | None = None) -> list[Alert]:
    """Return the messages still to send, oldest first.

    With stale_before, also those left sending by a run whose last attempt began before then.
    """
    waiting = col(Alert.status) == "pending"
    if stale_before is not None:
        stale = and_(col(Alert.status) == "sending", col(Alert.last_attempt_at) < stale_before)
        waiting = or_(waiting, stale)
    query = select(Alert).where(waiting).order_by(col(Alert.id))
    return list(session.exec(query))


def count_alerts(*, session: Session) -> dict[str, int]:
    """Return how many messages are in each status."""
    counts = dict.fromkeys(ALERT_STATUSES, 0)
    query = select(Alert.status, func.count()).group_by(Alert.status)
    for status, count in session.exec(query):
        counts[status] = int(count)
    return counts

"""Tables and repository functions for recorded changes and the alert outbox.

Three tables:
- `changes`: one row per change found between two versions (on a topic or not);
- `alert_items`: what is waiting to be told (a change on one followed topic, or an event such
  as a document gone), once each thanks to a unique key;
- `alerts`: the outbox of messages. Pending items are gathered into one message per run and
  recipient list; a message gets its Message-ID when it is created and keeps it on every
  retry, and goes from pending to sent exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.repo import utcnow

ALERT_STATUSES = ("pending", "sent", "failed")
EVENT_KINDS = ("gone", "moved", "failing", "recovered", "discovered")


class ChangeRow(SQLModel, table=True):
    """One change to one section between two versions of a document."""

    __tablename__ = "changes"
    __table_args__ = (UniqueConstraint("to_version_id", "ordinal", name="uq_changes_version_ord"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=200)
    from_version_id: int | None = Field(default=None, foreign_key="versions.id")
    to_version_id: int = Field(foreign_key="versions.id", index=True)
    ordinal: int
    section_key: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=20)
    topics: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    significance: int = 0
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime

    def topic_list(self) -> list[str]:
        """The topics this change is on."""
        return list(json.loads(self.topics))

    def data(self) -> dict[str, Any]:
        """The change as recorded (compare.model.Change.to_dict())."""
        return dict(json.loads(self.payload))


class AlertItem(SQLModel, table=True):
    """One thing to tell: a change on a followed topic, or a document event."""

    __tablename__ = "alert_items"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=20)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=200)
    change_id: int | None = Field(default=None, foreign_key="changes.id")
    topic: str | None = Field(default=None, max_length=100)
    fetch_id: int | None = None
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime
    alert_id: int | None = Field(default=None, foreign_key="alerts.id", index=True)

    def data(self) -> dict[str, Any]:
        """The event's details."""
        return dict(json.loads(self.payload))


class Alert(SQLModel, table=True):
    """One outgoing message: pending, then sent exactly once (or failed, kept for a retry)."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    message_id: str = Field(max_length=300, unique=True)
    recipients: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    topics: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None

    def recipient_list(self) -> list[str]:
        """The addresses this message goes to."""
        return list(json.loads(self.recipients))

    def topic_list(self) -> list[str]:
        """The topics this message covers."""
        return list(json.loads(self.topics))


def add_change(
    *,
    session: Session,
    document_id: str,
    from_version_id: int | None,
    to_version_id: int,
    ordinal: int,
    payload: dict[str, Any],
) -> ChangeRow:
    """Record one change (payload is Change.to_dict()); return the existing row on a re-run."""
    existing = session.exec(
        select(ChangeRow).where(
            ChangeRow.to_version_id == to_version_id, ChangeRow.ordinal == ordinal
        )
    ).first()
    if existing is not None:
        return existing
    row = ChangeRow(
        document_id=document_id,
        from_version_id=from_version_id,
        to_version_id=to_version_id,
        ordinal=ordinal,
        section_key=str(payload.get("section_key", "")),
        kind=str(payload.get("kind", "modified")),
        topics=json.dumps(list(payload.get("topics", ())), ensure_ascii=False),
        significance=int(payload.get("significance", 0)),
        payload=json.dumps(payload, ensure_ascii=False),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


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


def queue_item(
    *,
    session: Session,
    key: str,
    kind: str,
    document_id: str,
    change_id: int | None = None,
    topic: str | None = None,
    fetch_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AlertItem | None:
    """Queue something to tell, once per key; return None when the key was queued before."""
    existing = session.exec(select(AlertItem).where(AlertItem.key == key)).first()
    if existing is not None:
        return None
    item = AlertItem(
        key=key,
        kind=kind,
        document_id=document_id,
        change_id=change_id,
        topic=topic,
        fetch_id=fetch_id,
        payload=json.dumps(payload or {}, ensure_ascii=False, default=str),
        created_at=utcnow(),
    )
    session.add(item)
    session.flush()
    return item


def unassigned_items(*, session: Session) -> list[AlertItem]:
    """Return the queued items that no message carries yet, oldest first."""
    query = select(AlertItem).where(col(AlertItem.alert_id).is_(None)).order_by(col(AlertItem.id))
    return list(session.exec(query))


def items_of(*, session: Session, alert_id: int) -> list[AlertItem]:
    """Return the items one message carries, oldest first."""
    query = select(AlertItem).where(AlertItem.alert_id == alert_id).order_by(col(AlertItem.id))
    return list(session.exec(query))


def find_items(
    *, session: Session, document_id: str, kinds: Sequence[str], fetch_ids: Sequence[int]
) -> list[AlertItem]:
    """Return a document's event items of these kinds caused by any of these fetches."""
    if not fetch_ids:
        return []
    query = select(AlertItem).where(
        AlertItem.document_id == document_id,
        col(AlertItem.kind).in_(list(kinds)),
        col(AlertItem.fetch_id).in_(list(fetch_ids)),
    )
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


def pending_alerts(*, session: Session) -> list[Alert]:
    """Return the messages still to send, oldest first."""
    query = select(Alert).where(Alert.status == "pending").order_by(col(Alert.id))
    return list(session.exec(query))


def count_alerts(*, session: Session) -> dict[str, int]:
    """Return how many messages are in each status."""
    counts = dict.fromkeys(ALERT_STATUSES, 0)
    query = select(Alert.status, func.count()).group_by(Alert.status)
    for status, count in session.exec(query):
        counts[status] = int(count)
    return counts

"""The outbox's state changes: claim a message, mark it sent, record a failed attempt or error.

Each function takes a session and never commits; the caller gives each its own transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col

from storage.changes import Alert


def claim_alert(
    *, session: Session, alert_id: int, attempts: int, now: datetime, stale_before: datetime
) -> bool:
    """Move a message to sending and count an attempt; False if another run has it or sent it.

    Only a pending message, or one left sending since before `stale_before`, can be claimed;
    its attempts count must still be `attempts`.
    """
    result = session.execute(
        update(Alert)
        .where(
            col(Alert.id) == alert_id,
            col(Alert.attempts) == attempts,
            or_(
                col(Alert.status) == "pending",
                and_(col(Alert.status) == "sending", col(Alert.last_attempt_at) < stale_before),
            ),
        )
        .values(status="sending", attempts=attempts + 1, last_attempt_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_sent(*, session: Session, alert_id: int, now: datetime) -> None:
    """Mark a message sent and clear its last error."""
    session.execute(
        update(Alert)
        .where(col(Alert.id) == alert_id)
        .values(status="sent", sent_at=now, last_error=None)
    )


def end_attempt(*, session: Session, alert_id: int, attempts: int, status: str, error: str) -> None:
    """Put a message still sending with `attempts` attempts to `status`, with its error."""
    session.execute(
        update(Alert)
        .where(
            col(Alert.id) == alert_id,
            col(Alert.status) == "sending",
            col(Alert.attempts) == attempts,
        )
        .values(status=status, last_error=error)
    )


def note_error(*, session: Session, alert_id: int, error: str) -> None:
    """Record why a message was not even tried."""
    session.execute(update(Alert).where(col(Alert.id) == alert_id).values(last_error=error))


def release_failed(*, session: Session) -> int:
    """Put failed messages back to pending with no attempts counted; return how many."""
    result = session.execute(
        update(Alert).where(col(Alert.status) == "failed").values(status="pending", attempts=0)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

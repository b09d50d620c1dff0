"""What waits for the next digest: each queued item with its document, one line, since when
and for whom (the outbox's "N item(s) waiting" made readable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from alerts.naming import EVENT_WORDS, place
from compare.model import Change
from compare.statement import statement_of
from storage import changes as store
from storage import deliveries
from storage.changes import AlertItem

LINE_CHARS = 90  # one item's line in the table, cut with "…"


@dataclass(frozen=True)
class WaitingItem:
    """One queued item not yet carried by a message."""

    item_id: int
    document_id: str
    line: str
    since: datetime
    to: str  # the subscriber and channel, or who follows its topic when not yet handed out


def _lines(session: Session, items: list[AlertItem]) -> dict[int, str]:
    """Each item's one line: a change's place and statement, or what happened to a document."""
    ids = [i.change_id for i in items if i.change_id is not None]
    changes = {row.id: row for row in store.get_changes(session=session, ids=ids)}
    lines: dict[int, str] = {}
    for item in items:
        assert item.id is not None
        row = changes.get(item.change_id) if item.change_id is not None else None
        if row is not None:
            change = Change.from_dict(row.data())
            lines[item.id] = " ".join(f"{place(change)}: {statement_of(change)}".split())
        else:
            detail = str(item.data().get("detail", ""))
            said = EVENT_WORDS.get(item.kind, item.kind)
            lines[item.id] = " ".join(f"{said}{': ' + detail if detail else ''}".split())
    return lines


def waiting_items(session: Session) -> list[WaitingItem]:
    """Items no message carries yet: those handed to a subscriber's channel, then those not
    yet handed out (the next delivery routes them to whoever follows their topic)."""
    pairs: list[tuple[AlertItem, str]] = []
    for subscriber, channel in sorted(deliveries.count_waiting(session=session)):
        for _, item in deliveries.waiting(session=session, subscriber=subscriber, channel=channel):
            pairs.append((item, f"{subscriber} {channel}"))
    for item in store.unassigned_items(session=session):
        pairs.append((item, f"followers of {item.topic}" if item.topic else "every recipient"))
    lines = _lines(session, [item for item, _ in pairs])
    return [
        WaitingItem(
            item_id=item.id or 0,
            document_id=item.document_id,
            line=lines[item.id or 0],
            since=item.created_at,
            to=to,
        )
        for item, to in pairs
    ]


def cut(text: str, limit: int = LINE_CHARS) -> str:
    """Text cut to `limit` characters with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

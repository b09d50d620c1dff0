"""Recording changes and queueing what to tell, through SQLAlchemy Core (no ORM loaded).

A run that stores a new version records its changes and queues alert items here, on the
check's Core connection; callers with an ORM session pass it too (what it holds pending is
flushed first). Also the bounded questions about a document's fetch log that the events ask
(how many runs in a row failed, from which fetch). storage.changes keeps the ORM classes of
these tables for the writers of messages, and re-exports these functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, func, or_, select

from storage.db import insert_or_ignore, writer_connection
from storage.repo import utcnow
from storage.tables import LIVE_FETCH, alert_items, changes, fetches

if TYPE_CHECKING:
    from storage.db import Db

_CHANGE_IDS = (
    select(changes.c.ordinal, changes.c.id)
    .where(changes.c.to_version_id == bindparam("to_version_id"))
    .order_by(changes.c.ordinal)
)


def add_changes(
    *,
    session: Db,
    document_id: str,
    from_version_id: int | None,
    to_version_id: int,
    payloads: Sequence[dict[str, Any]],
) -> list[int]:
    """Record changes (each Change.to_dict()) in order; return their ids, in one statement.

    A change already recorded (a hook run again for the same version) is kept as it is and
    its id returned: then its version's ids are read once more.
    """
    if not payloads:
        return []
    connection = writer_connection(session)
    now = utcnow()
    rows = [
        {
            "document_id": document_id,
            "from_version_id": from_version_id,
            "to_version_id": to_version_id,
            "ordinal": ordinal,
            "section_key": str(payload.get("section_key", "")),
            "kind": str(payload.get("kind", "modified")),
            "topics": json.dumps(list(payload.get("topics", ())), ensure_ascii=False),
            "significance": int(payload.get("significance", 0)),
            "payload": json.dumps(payload, ensure_ascii=False),
            "created_at": now,
        }
        for ordinal, payload in enumerate(payloads)
    ]
    statement = insert_or_ignore(
        connection, changes, index_elements=["to_version_id", "ordinal"]
    ).returning(changes.c.ordinal, changes.c.id)
    ids = dict(connection.execute(statement, rows).tuples().all())
    if len(ids) < len(rows):  # some were there already
        found = connection.execute(_CHANGE_IDS, {"to_version_id": to_version_id})
        ids = dict(found.tuples().all())
    return [ids[row["ordinal"]] for row in rows]


def item_row(
    *,
    key: str,
    kind: str,
    document_id: str,
    change_id: int | None = None,
    topic: str | None = None,
    fetch_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one alert item to queue."""
    return {
        "key": key,
        "kind": kind,
        "document_id": document_id,
        "change_id": change_id,
        "topic": topic,
        "fetch_id": fetch_id,
        "payload": json.dumps(payload or {}, ensure_ascii=False, default=str),
        "created_at": utcnow(),
    }


def queue_items(*, session: Db, items: Sequence[dict[str, Any]]) -> None:
    """Queue items (item_row) in one statement, each once per key (a key queued before, even
    by a concurrent run, is skipped without costing the others)."""
    if items:
        connection = writer_connection(session)
        connection.execute(insert_or_ignore(connection, alert_items, index_elements=["key"]), items)


def queue_item(
    *,
    session: Db,
    key: str,
    kind: str,
    document_id: str,
    change_id: int | None = None,
    topic: str | None = None,
    fetch_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Row[Any] | None:
    """Queue something to tell, once per key; return None when the key was queued before.

    The insert itself skips a key that exists (even one a concurrent run has just queued), so
    one item already queued never costs the others queued in the same transaction.
    """
    values = item_row(
        key=key,
        kind=kind,
        document_id=document_id,
        change_id=change_id,
        topic=topic,
        fetch_id=fetch_id,
        payload=payload,
    )
    connection = writer_connection(session)
    statement = (
        insert_or_ignore(connection, alert_items, index_elements=["key"])
        .values(**values)
        .returning(*alert_items.c)
    )
    return connection.execute(statement).first()


FetchPosition = tuple[datetime, int]  # (started_at, id): the fetch log's order


@dataclass(frozen=True)
class Streak:
    """A document's fetches in a row, up to and including `last`, whose outcome is in a set."""

    count: int
    first_id: int | None  # the oldest fetch of the streak; None when the streak is empty
    before: FetchPosition | None  # the newest fetch before the streak (outside the set)
    last: FetchPosition


# The plain bound on started_at before each OR lets the (document_id, started_at) index
# serve the range.
def _not_after(position: FetchPosition) -> ColumnElement[bool]:
    started, id = position
    return and_(
        fetches.c.started_at <= started,
        or_(fetches.c.started_at < started, fetches.c.id <= id),
    )


def _after(position: FetchPosition) -> ColumnElement[bool]:
    started, id = position
    return and_(
        fetches.c.started_at >= started,
        or_(fetches.c.started_at > started, fetches.c.id > id),
    )


def _newest_position(session: Db, *where: Any) -> FetchPosition | None:
    row = session.execute(
        select(fetches.c.started_at, fetches.c.id)
        .where(*where)
        .order_by(fetches.c.started_at.desc(), fetches.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def previous_fetch(
    *, session: Db, document_id: str, position: FetchPosition
) -> FetchPosition | None:
    """Return where the document's fetch just before this one is in its log, if any."""
    return _newest_position(
        session,
        fetches.c.document_id == document_id,
        LIVE_FETCH,  # archive captures are not runs
        _not_after(position),
        fetches.c.id != position[1],
    )


def fetch_streak(
    *, session: Db, document_id: str, last: FetchPosition, outcomes: Sequence[str]
) -> Streak:
    """Count the fetches in a row ending at `last` whose outcome is one of these.

    Reads from `last` back to the first fetch outside the set (an index range), never the
    whole log; fetches recorded after `last` (a concurrent run) are not counted.
    """
    upto: list[ColumnElement[bool]] = [
        fetches.c.document_id == document_id,
        LIVE_FETCH,  # archive captures are not runs
        _not_after(last),
    ]
    before = _newest_position(session, *upto, fetches.c.outcome.not_in(list(outcomes)))
    within = upto + ([_after(before)] if before else [])
    count = session.execute(select(func.count()).select_from(fetches).where(*within)).scalar_one()
    first = session.execute(
        select(fetches.c.id).where(*within).order_by(fetches.c.started_at, fetches.c.id).limit(1)
    ).scalar()
    return Streak(int(count), first, before, last)


def items_in_streak(
    *, session: Db, document_id: str, kinds: Sequence[str], streak: Streak
) -> list[Row[Any]]:
    """Return a document's event items of these kinds caused by a fetch of this streak."""
    if not streak.count:
        return []
    within = [_not_after(streak.last)] + ([_after(streak.before)] if streak.before else [])
    query = (
        select(alert_items)
        .join(fetches, fetches.c.id == alert_items.c.fetch_id)
        .where(
            alert_items.c.document_id == document_id,
            fetches.c.document_id == document_id,
            alert_items.c.kind.in_(list(kinds)),
            *within,
        )
        .order_by(alert_items.c.id)
    )
    return list(session.execute(query))

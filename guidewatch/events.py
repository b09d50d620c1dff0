"""The events of a check, queued once each: a document gone, moved, failing for
`failure_threshold` runs in a row and then recovered, newly discovered, or a new version that
could not be compared. Through SQLAlchemy Core: no ORM loaded; the queue
(storage.alert_queue) only when an event may be due, not by a run where nothing happened.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from guidewatch.keep import CheckResult
from scrapers.model import DocumentSpec
from storage import fetch_log
from storage.tables import CONFIRMING, FAILING, NOT_CLEAN

if TYPE_CHECKING:
    from storage.db import Db
    from storage.version_store import AnyVersion


def item_payload(spec: DocumentSpec, **extra: object) -> dict[str, object]:
    """What an alert item about a document carries: its title and live address, and extra."""
    return {"title": spec.title, "live_url": spec.live_url or spec.url} | extra


def _digest(*parts: str) -> str:
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Event:
    """One event to queue, with the key that makes it once-only."""

    kind: str
    key: str
    fetch_id: int | None
    detail: str
    url: str | None = None


def _events(session: Db, spec: DocumentSpec, result: CheckResult, threshold: int) -> list[_Event]:
    """The events this check raises."""
    from storage import alert_queue as store

    if result.fetch_id is None:
        return []
    current = fetch_log.fetch_row(session=session, id=result.fetch_id)
    if current is None or current.document_id != spec.id:
        return []
    doc = spec.id
    at = (current.started_at, current.id)
    events: list[_Event] = []
    if result.outcome == "gone":
        # Once per state change: gone -> failed -> gone is still the one gone spell.
        spell = store.fetch_streak(session=session, document_id=doc, last=at, outcomes=NOT_CLEAN)
        told = store.items_in_streak(
            session=session, document_id=doc, kinds=("gone",), streak=spell
        )
        gone = store.fetch_streak(session=session, document_id=doc, last=at, outcomes=("gone",))
        if gone.first_id is not None and not told:
            detail = f"the publisher answered HTTP {current.status or '404/410'} for {current.url}"
            key = f"gone:{doc}:{gone.first_id}"
            events.append(_Event("gone", key, gone.first_id, detail))
    if result.outcome in FAILING:
        run = store.fetch_streak(session=session, document_id=doc, last=at, outcomes=FAILING)
        if run.count >= threshold and run.first_id is not None:
            detail = f"{run.count} runs in a row failed; last error: {result.message}"
            key = f"failing:{doc}:{run.first_id}"
            events.append(_Event("failing", key, run.first_id, detail))
    if result.ok:
        previous = store.previous_fetch(session=session, document_id=doc, position=at)
        if previous is not None:
            before = store.fetch_streak(
                session=session, document_id=doc, last=previous, outcomes=NOT_CLEAN
            )
            told = store.items_in_streak(
                session=session, document_id=doc, kinds=("failing", "gone"), streak=before
            )
            if told:
                detail = f"checked successfully again after {before.count} failed run(s)"
                key = f"recovered:{doc}:{before.first_id}"
                events.append(_Event("recovered", key, current.id, detail))
    if result.moved_from:
        detail = f"now at {current.url} (was {result.moved_from})"
        if result.found:  # a discovered file: a new edition, and how it was chosen
            detail = f"a new edition {detail}; {result.found}"
        key = f"moved:{doc}:{_digest(result.moved_from, current.url)}"
        events.append(_Event("moved", key, current.id, detail, current.url))
    if spec.kind == "pdf-link" and result.outcome == "new_version" and result.version_number == 1:
        # How it was found (wp-media, sitemap, index page…), as the run output says it.
        detail = result.found.removeprefix("found ") or f"at {current.url}"
        events.append(_Event("discovered", f"discovered:{doc}", current.id, detail, current.url))
    return events


def _quiet(spec: DocumentSpec, result: CheckResult) -> bool:
    """Whether a check can raise no event: clean after a clean fetch, same URL, nothing new.

    Then no query is made (most checks of most runs). A check whose previous outcome is not
    known (None) is always looked at.
    """
    if not result.ok or result.moved_from or result.previous_outcome is None:
        return False
    if result.previous_outcome not in ("", *CONFIRMING):
        return False  # it may be a recovery
    discovered = spec.kind == "pdf-link" and result.outcome == "new_version"
    return not (discovered and result.version_number == 1)


def record_event(
    engine: Engine, spec: DocumentSpec, result: CheckResult, *, threshold: int
) -> list[str]:
    """Queue, once each, the events one check raised; return the kinds newly queued.

    Each event is queued on its own: one already queued (by an earlier or a concurrent run)
    is skipped without costing the others.
    """
    if _quiet(spec, result):
        return []
    from storage import alert_queue as store

    queued: list[str] = []
    with engine.connect() as connection:
        for event in _events(connection, spec, result, threshold):
            item = store.queue_item(
                session=connection,
                key=event.key,
                kind=event.kind,
                document_id=spec.id,
                fetch_id=event.fetch_id,
                payload=item_payload(
                    spec, detail=event.detail, live_url=event.url or spec.live_url or spec.url
                ),
            )
            if item is not None:
                queued.append(item.kind)
        connection.commit()
    return queued


def record_compare_failure(
    session: Db, spec: DocumentSpec, previous: AnyVersion, new: AnyVersion, error: Exception
) -> bool:
    """Queue, once per version, word that a new version was kept but could not be compared."""
    from storage import alert_queue as store

    detail = (
        f"version {new.number} was kept, but comparing it with version {previous.number} "
        f"failed ({type(error).__name__}: {error}); run `guidewatch replay {spec.id}` "
        "to see what changed"
    )
    item = store.queue_item(
        session=session,
        key=f"compare-failed:{spec.id}:{new.id}",
        kind="compare-failed",
        document_id=spec.id,
        fetch_id=new.fetch_id,
        payload=item_payload(spec, detail=detail),
    )
    return item is not None

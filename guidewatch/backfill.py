"""History from the archive: store a document's captures as fetches and versions, like live ones.

A backfill only ever adds history *before* what is stored (and, for a document never fetched
live, after its newest archive capture), so every step is one capture in its own
transaction: captures before the stored history are taken newest first, each becoming the
new first version (or moving the first version's first-seen date back when its text is the
same), which is why an interrupted backfill resumes by simply running again. Captures that
fall inside the stored history, or after the first live fetch, are left out: from then on
the live fetches are the record.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from compare.model import Topic
from guidewatch.backfill_plan import Window, captures_for
from guidewatch.backfill_read import ArchiveDown, captured_failure, read_capture, same_bytes
from guidewatch.changes import compare_versions
from guidewatch.cycle import declare
from scrapers.base import Extractor, get_extractor
from scrapers.model import (
    Document,
    DocumentSpec,
    Fetched,
    ScrapeError,
)
from scrapers.wayback import Capture, WaybackClient
from storage import alert_queue, blobs, fetch_log, version_store
from storage import archive as history
from storage.db import open_session
from storage.models import Fetch, Version

log = logging.getLogger("guidewatch.backfill")

Progress = Callable[[str, Capture], None]


@dataclass
class Plan:
    """What a backfill of one document will do."""

    spec: DocumentSpec
    listed: int = 0
    known: int = 0
    outside: int = 0
    before: list[Capture] = field(default_factory=list)  # newest first
    after: list[Capture] = field(default_factory=list)  # oldest first
    error: str = ""
    archive_down: bool = False  # the archive itself failed: plan no other document
    existing: int = 0  # versions stored before this backfill (renumbered if it adds earlier ones)
    mementos: int = 0  # captures whose bytes must be asked for (one per new digest)
    bytes: int = 0  # their sizes as the CDX gives them (compressed archive records)

    @property
    def todo(self) -> int:
        """How many captures will be stored."""
        return len(self.before) + len(self.after)

    def count_mementos(self, stored: set[str]) -> None:
        """Count the memento requests the planned captures need (repeats of a digest: none)."""
        seen = set(stored)
        for capture in self.before[::-1] + self.after:
            if capture.statuscode not in (None, 200) or capture.digest in seen:
                continue
            if capture.digest:
                seen.add(capture.digest)
            self.mementos += 1
            self.bytes += capture.length or 0


@dataclass
class Outcome:
    """What a backfill of one document did."""

    document_id: str
    new_versions: int = 0
    confirmed: int = 0
    not_versions: int = 0
    changes: int = 0
    topic_changes: int = 0
    renumbered: int = 0  # versions stored before existing ones: their numbers moved up by this
    first: datetime | None = None
    last: datetime | None = None
    error: str = ""

    def saw(self, moment: datetime) -> None:
        """Widen the span of the history this backfill added."""
        self.first = moment if self.first is None else min(self.first, moment)
        self.last = moment if self.last is None else max(self.last, moment)


def aware(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite gives naive ones back)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plan_document(
    spec: DocumentSpec, *, engine: Engine, client: WaybackClient, window: Window
) -> Plan:
    """List the document's captures and sort them into what to fetch and what to leave."""
    plan = Plan(spec)
    try:
        captures = captures_for(client, spec, window)
    except ScrapeError as error:
        plan.error = str(error)
        # Unreachable, refusing (robots.txt) or failing: the other documents would fare alike.
        plan.archive_down = error.status is None or error.status == 429 or error.status >= 500
        return plan
    plan.listed = len(captures)
    with open_session(engine) as session:
        known = history.archive_addresses(session=session, document_id=spec.id)
        digests = history.archive_digests(session=session, document_id=spec.id)
        floor = history.first_live_fetch(session=session, document_id=spec.id)
        first = history.earliest_version(session=session, document_id=spec.id)
        latest = version_store.latest_version(session=session, document_id=spec.id)
        plan.existing = latest.number if latest else 0
        starts = aware(first.first_seen_at) if first else None
        ends = aware(latest.last_seen_at) if latest else None
    floor = aware(floor) if floor else None
    for capture in captures:
        when = capture.when
        if client.capture_address(capture) in known:
            plan.known += 1
        elif floor is not None and when >= floor:
            plan.outside += 1
        elif starts is None or when < starts:
            plan.before.append(capture)
        elif floor is None and ends is not None and when > ends:
            plan.after.append(capture)
        else:
            plan.outside += 1
    plan.before.reverse()
    plan.count_mementos(digests)
    return plan


def _row(spec: DocumentSpec, client: WaybackClient, capture: Capture) -> Fetch:
    return Fetch(
        document_id=spec.id,
        started_at=capture.when,
        url=capture.original,
        outcome="failed",
        status=capture.statuscode,
        provenance="archive",
        archive_url=client.capture_address(capture),
        archive_digest=capture.digest or None,
    )


def _fill(session: Session, row: Fetch, fetched: Fetched) -> None:
    row.final_url = fetched.final_url
    row.redirects = json.dumps(list(fetched.redirects))
    row.status = fetched.status
    row.headers = json.dumps(dict(fetched.headers), sort_keys=True)
    row.size = len(fetched.body)
    row.duration_ms = fetched.duration_ms
    if fetched.body:
        row.body_sha256 = blobs.put_blob(session=session, body=fetched.body)
    row.related = json.dumps(
        {u: blobs.put_blob(session=session, body=b) for u, b in fetched.related.items()}
    )


def _record_changes(
    session: Session,
    spec: DocumentSpec,
    old: Version,
    new: Version,
    topics: Sequence[Topic],
    outcome: Outcome,
) -> None:
    """Store the changes old → new like any other, but queue none of them (no mail)."""
    try:
        with session.begin_nested():
            found = compare_versions(session, spec, old, new, topics=topics)
            assert new.id is not None
            alert_queue.add_changes(
                session=session,
                document_id=spec.id,
                from_version_id=old.id,
                to_version_id=new.id,
                payloads=[change.to_dict() for change in found],
            )
            outcome.changes += len(found)
            outcome.topic_changes += sum(1 for c in found if c.topics)
    except Exception:
        log.exception("%s: comparing archive version %s failed", spec.id, new.number)


def _new_version(
    session: Session,
    spec: DocumentSpec,
    extractor: Extractor,
    row: Fetch,
    document: Document,
    number: int,
) -> Version:
    assert row.body_sha256 is not None
    version = version_store.add_version(
        session=session,
        document_id=spec.id,
        document=document,
        url=row.url,
        body_sha256=row.body_sha256,
        extractor=extractor.kind,
        extractor_version=extractor.version,
        fetch_id=row.id,
        seen_at=row.started_at,
        number=number,
    )
    version.provenance = "archive"
    version.archive_url = row.archive_url
    session.add(version)
    return version


def _keep_before(
    session: Session,
    spec: DocumentSpec,
    extractor: Extractor,
    row: Fetch,
    document: Document,
    topics: Sequence[Topic],
    outcome: Outcome,
) -> None:
    """Store a capture older than every stored version."""
    first = history.earliest_version(session=session, document_id=spec.id)
    row.outcome = "new_version"
    if first is not None and first.text_sha256 == version_store.text_hash(document):
        # The same wording, seen earlier: the version was first seen in this capture.
        earlier = (
            fetch_log.get_fetch(session=session, id=first.fetch_id) if first.fetch_id else None
        )
        if earlier is not None and fetch_log.provenance(earlier) == "archive":
            earlier.outcome = "unchanged"
            session.add(earlier)
        fetch_log.add_fetch(session=session, fetch=row)
        assert row.body_sha256 is not None
        first.first_seen_at = row.started_at
        first.fetch_id, first.body_sha256, first.url = row.id, row.body_sha256, row.url
        first.provenance, first.archive_url = "archive", row.archive_url
        row.version_id = first.id
        session.add_all([first, row])
        outcome.confirmed += 1
        return
    fetch_log.add_fetch(session=session, fetch=row)
    history.make_room_first(session=session, document_id=spec.id)
    version = _new_version(session, spec, extractor, row, document, 1)
    row.version_id = version.id
    session.add(row)
    outcome.new_versions += 1
    if first is not None:
        session.refresh(first)
        outcome.renumbered += 1
        _record_changes(session, spec, version, first, topics, outcome)


def _keep_after(
    session: Session,
    spec: DocumentSpec,
    extractor: Extractor,
    row: Fetch,
    document: Document,
    topics: Sequence[Topic],
    outcome: Outcome,
) -> None:
    """Store a capture newer than every stored version (a document never fetched live)."""
    latest = version_store.latest_version(session=session, document_id=spec.id)
    fetch_log.add_fetch(session=session, fetch=row)
    if latest is not None and latest.text_sha256 == version_store.text_hash(document):
        row.outcome, row.version_id = "unchanged", latest.id
        latest.last_seen_at = row.started_at
        session.add_all([latest, row])
        outcome.confirmed += 1
        return
    row.outcome = "new_version"
    version = _new_version(
        session, spec, extractor, row, document, (latest.number if latest else 0) + 1
    )
    row.version_id = version.id
    session.add(row)
    outcome.new_versions += 1
    if latest is not None:
        _record_changes(session, spec, latest, version, topics, outcome)


def store_capture(
    spec: DocumentSpec,
    capture: Capture,
    *,
    engine: Engine,
    client: WaybackClient,
    topics: Sequence[Topic],
    before: bool,
    outcome: Outcome,
) -> str:
    """Fetch, extract and keep one capture in its own transaction; return the fetch outcome."""
    extractor = get_extractor(spec.kind)
    row = _row(spec, client, capture)
    fetched: Fetched | None = None
    failure = captured_failure(capture)
    document: Document | None = None
    if failure is None:
        try:
            known = same_bytes(engine, spec, capture)
            fetched, document = read_capture(spec, extractor, client, capture, known)
        except ScrapeError as error:
            failure, fetched = error, error.fetched
    with open_session(engine) as session:
        if fetched is not None:
            _fill(session, row, fetched)
        if failure is not None or document is None:
            assert failure is not None
            row.outcome, row.error = failure.outcome, str(failure)
            row.status = failure.status or row.status
            fetch_log.add_fetch(session=session, fetch=row)
            session.commit()
            outcome.not_versions += 1
            return row.outcome
        keep = _keep_before if before else _keep_after
        keep(session, spec, extractor, row, document, topics, outcome)
        session.commit()
    outcome.saw(capture.when)
    return row.outcome


def backfill_document(
    plan: Plan,
    *,
    engine: Engine,
    client: WaybackClient,
    topics: Sequence[Topic],
    progress: Progress | None = None,
) -> Outcome:
    """Store every planned capture of one document; stop (to resume later) if the archive fails."""
    outcome = Outcome(plan.spec.id, error=plan.error)
    if plan.error or not plan.todo:
        return outcome
    declare(plan.spec, engine)
    steps = [(c, True) for c in plan.before] + [(c, False) for c in plan.after]
    for capture, before in steps:
        try:
            store_capture(
                plan.spec,
                capture,
                engine=engine,
                client=client,
                topics=topics,
                before=before,
                outcome=outcome,
            )
        except ArchiveDown as error:
            outcome.error = f"the archive failed ({error}); run the backfill again to continue"
            break
        except Exception as error:  # a bug must not stop the other documents
            log.exception("%s: unexpected error storing capture %s", plan.spec.id, capture.key)
            outcome.error = f"internal error: {type(error).__name__}: {error}"
            break
        if progress is not None:
            progress(plan.spec.id, capture)
    if not plan.existing:
        outcome.renumbered = 0  # only versions of this backfill moved: nobody knew their numbers
    return outcome

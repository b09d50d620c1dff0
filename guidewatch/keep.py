"""Keeping what one check found: one function per outcome, each one transaction.

A check's transaction is a Core connection's, whatever it finds: a document answered 304,
serving the same text again or a new version is kept without loading the ORM, SQLModel or
pydantic.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import Connection, Engine

from scrapers.base import Extractor, check_content_kind
from scrapers.discover.model import Record
from scrapers.model import Document, DocumentSpec, Fetched, ScrapeError, SuspectError
from storage import blobs, fetch_log, repo, version_store
from storage.fetch_log import FetchRecord
from storage.tables import CONFIRMING

if TYPE_CHECKING:
    from sqlalchemy import Row

    from storage.db import Db
    from storage.version_store import AnyVersion

# The cycle's logger: what is decided here is the cycle's decision.
log = logging.getLogger("guidewatch.cycle")

# A new extraction shorter than this share of the last version's text is kept as suspect.
SHRINK_LIMIT = 0.4
SHRINK_CONFIRMATIONS = 3


class AfterVersion(Protocol):
    """What runs in a new version's transaction once it is stored (compare it, queue alerts).

    A run's check passes its Core connection and the versions as Core rows; other callers may
    pass an ORM session and ORM objects. `document` is the text just extracted, when the
    caller has it (spares reading the new version back).
    """

    def __call__(
        self,
        session: Db,
        spec: DocumentSpec,
        previous: AnyVersion | None,
        new: AnyVersion,
        /,
        document: Document | None = None,
    ) -> None:
        """Act on a version just stored."""


@dataclass(frozen=True)
class CheckResult:
    """What one document's check did, small enough to pass between Prefect tasks."""

    document_id: str
    outcome: str
    message: str = ""
    version_number: int | None = None
    fetch_id: int | None = None
    moved_from: str | None = None
    found: str = ""  # how a discovered file was chosen, for the run output and alerts
    # The outcome of the document's fetch before this one ("" if none; None if not known):
    # when it was clean and this check is too, no event can follow, and none is looked for.
    previous_outcome: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the check succeeded (a gone document is recorded, not failed)."""
        return self.outcome in CONFIRMING


@dataclass
class Check:
    """What one document's check knows so far: filled in as it discovers and fetches."""

    spec: DocumentSpec
    engine: Engine
    started: datetime
    url: str
    fetched: Fetched | None = None
    discovery: Record | None = None
    moved_from: str | None = None  # the address the last fetch was made at, if another
    header_set: tuple[str, int] | None = None  # the newest fetch's, for add_fetch's known_set


def fetch_row(
    check: Check, fetched: Fetched | None, discovery: Record | None = None
) -> FetchRecord:
    """Return the fetch log row of this check, its outcome still to be said."""
    row = FetchRecord(
        document_id=check.spec.id, started_at=check.started, url=check.url, outcome="failed"
    )
    if discovery is not None:
        row.discovery = json.dumps(discovery.to_json())
    if fetched is not None:
        row.final_url = fetched.final_url
        row.redirects = json.dumps(list(fetched.redirects))
        row.status = fetched.status
        row.headers = json.dumps(dict(fetched.headers), sort_keys=True)
        row.size = len(fetched.body)
        row.duration_ms = fetched.duration_ms
    return row


def check_shrink(
    session: Db, spec_id: str, document: Document, previous: AnyVersion | None
) -> None:
    """Refuse empty text, and text that shrank by most of its size until it proves stable.

    A shrunken extraction is usually a broken page; but if exactly the same shorter text is
    served SHRINK_CONFIRMATIONS times in a row, the publisher really cut the document, and
    it becomes a version (and so a change people are told about).
    """
    text = document.text.strip()
    if not text:
        raise SuspectError("extracted text is empty")
    if previous is None or len(text) >= SHRINK_LIMIT * previous.text_size:
        return
    mark = f"text sha256 {version_store.text_hash(document)[:16]}"
    earlier = fetch_log.list_fetches(
        session=session, document_id=spec_id, limit=SHRINK_CONFIRMATIONS - 1
    )
    if len(earlier) == SHRINK_CONFIRMATIONS - 1 and all(
        f.outcome == "suspect" and mark in (f.error or "") for f in earlier
    ):
        log.warning(
            "%s: the same shorter text served %d times: keeping it as a version",
            spec_id,
            SHRINK_CONFIRMATIONS,
        )
        return
    raise SuspectError(
        f"extracted text shrank from {previous.text_size} to {len(text)} characters ({mark}); "
        f"kept as suspect, not as a version, unless served {SHRINK_CONFIRMATIONS} times in a row"
    )


def keep(check: Check, extractor: Extractor, after_version: AfterVersion | None) -> CheckResult:
    """Store a fetch that was answered, and the version it brings if its text is new."""
    fetched = check.fetched
    assert fetched is not None, "keep() is for a check that fetched"
    with check.engine.connect() as session:
        newest = _back_from_gone(session, check.spec.id)
        row = fetch_row(check, fetched, check.discovery)
        if fetched.status == 304:
            return _not_modified(check, session, row, newest)
        previous = version_store.newest_version(session=session, document_id=check.spec.id)
        row.body_sha256 = blobs.put_blob(session=session, body=fetched.body)
        row.related = json.dumps(
            {u: blobs.put_blob(session=session, body=b) for u, b in fetched.related.items()}
        )
        try:
            check_content_kind(extractor, fetched)
            document = extractor.extract(check.spec, fetched)
            check_shrink(session, check.spec.id, document, previous)
        except ScrapeError as error:
            return _refused(check, session, row, error)
        if previous is not None and previous.text_sha256 == version_store.text_hash(document):
            return _unchanged(check, session, row, previous)
        return _new_version(check, session, row, previous, document, extractor, after_version)


def _back_from_gone(session: Connection, document_id: str) -> tuple[int, int] | None:
    """Clear the gone mark of a document that answers again; return its newest version's ref.

    The newest version's (id, number), read in the same statement, is all an answer 304 needs.
    """
    gone, newest = repo.gone_and_newest(session=session, id=document_id)
    if gone:
        repo.clear_gone(session=session, id=document_id)
    return newest


def _not_modified(
    check: Check, session: Connection, row: FetchRecord, latest: tuple[int, int] | None
) -> CheckResult:
    """Answered 304: the newest version was seen again (most checks of most runs)."""
    row.outcome = "not_modified"
    if latest is not None:
        row.version_id = latest[0]
        version_store.mark_seen(session=session, version_id=latest[0], seen_at=check.started)
    fetch_log.add_fetch(session=session, fetch=row, known_set=check.header_set)
    session.commit()
    number = latest[1] if latest else None
    message = "not modified since the last fetch"
    return CheckResult(check.spec.id, "not_modified", message, number, row.id, check.moved_from)


def _refused(
    check: Check, session: Connection, row: FetchRecord, error: ScrapeError
) -> CheckResult:
    """The body was fetched but its text is not a version (suspect, wrong kind, unreadable)."""
    row.outcome = error.outcome
    row.error = str(error)
    fetch_log.add_fetch(session=session, fetch=row, known_set=check.header_set)
    session.commit()
    return CheckResult(check.spec.id, row.outcome, str(error), None, row.id, check.moved_from)


def _unchanged(
    check: Check, session: Connection, row: FetchRecord, previous: AnyVersion
) -> CheckResult:
    """The same text as the newest version: it was seen again."""
    row.outcome = "unchanged"
    row.version_id = previous.id
    assert previous.id is not None
    version_store.mark_seen(session=session, version_id=previous.id, seen_at=check.started)
    fetch_log.add_fetch(session=session, fetch=row, known_set=check.header_set)
    session.commit()
    return CheckResult(check.spec.id, "unchanged", "", previous.number, row.id, check.moved_from)


def _new_version(
    check: Check,
    connection: Connection,
    row: FetchRecord,
    previous: AnyVersion | None,
    document: Document,
    extractor: Extractor,
    after_version: AfterVersion | None,
) -> CheckResult:
    """New text: store it as the next version, then let after_version compare it.

    All in the check's transaction, committed once at the end.
    """
    assert row.body_sha256 is not None, "keep() stored the body"
    row.outcome = "new_version"
    fetch_log.add_fetch(session=connection, fetch=row, known_set=check.header_set)
    assert row.id is not None
    version = _store_version(check, connection, row, previous, document, extractor)
    if after_version is not None:
        after_version(connection, check.spec, previous, version, document=document)
    connection.commit()
    return CheckResult(check.spec.id, "new_version", "", version.number, row.id, check.moved_from)


def _store_version(
    check: Check,
    session: Connection,
    row: FetchRecord,
    previous: AnyVersion | None,
    document: Document,
    extractor: Extractor,
) -> Row[Any]:
    """Add the next version with its sections, and point the check's fetch at it."""
    assert row.body_sha256 is not None and row.id is not None
    version = version_store.add_version(
        session=session,
        document_id=check.spec.id,
        document=document,
        url=check.url,
        body_sha256=row.body_sha256,
        extractor=extractor.kind,
        extractor_version=extractor.version,
        fetch_id=row.id,
        seen_at=check.started,
        number=(previous.number if previous else 0) + 1,
    )
    assert version.id is not None
    row.version_id = version.id
    fetch_log.set_version(session=session, fetch_id=row.id, version_id=version.id)
    return version


def record_failure(
    check: Check, error: ScrapeError, fetched: Fetched | None, discovery: Record | None = None
) -> CheckResult:
    """Store a check that failed (a gone document is marked gone), with what it was served."""
    with check.engine.connect() as session:
        row = fetch_row(check, fetched, discovery)
        row.outcome = error.outcome
        row.error = str(error)
        if row.status is None:
            row.status = error.status
        if fetched is not None and fetched.body:
            row.body_sha256 = blobs.put_blob(session=session, body=fetched.body)
        if error.outcome == "gone":
            repo.mark_gone(session=session, id=check.spec.id, at=check.started)
        fetch_log.add_fetch(session=session, fetch=row, known_set=check.header_set)
        session.commit()
        return CheckResult(check.spec.id, error.outcome, str(error), None, row.id)

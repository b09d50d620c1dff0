"""The cycle's hooks: compare a new version with the previous one, record and queue alerts.

- after_version (inside the document's transaction): compare like with like (re-extracting
  the older raw copy when the extractor changed), store every change, queue the ones on a
  topic for the next digest. When the comparison itself fails, the version is kept and a
  "compare-failed" event is queued instead, so that a person hears of it.
- after_check (after each document): queue, once each, a document gone, moved, failing for
  `failure_threshold` runs in a row and then recovered, or newly discovered on an index page
  (guidewatch/events.py).

Both work on the check's SQLAlchemy Core connection (writers with an ORM session pass it
too): a run loads neither the ORM, SQLModel, storage.models nor pydantic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from guidewatch.cycle import AfterCheck, AfterVersion, CheckResult
from guidewatch.events import item_payload, record_compare_failure, record_event
from scrapers.base import Extractor, get_extractor
from scrapers.model import Document, DocumentSpec, Fetched, ScrapeError
from storage import blobs, fetch_log, version_store
from storage.repo import sha256

if TYPE_CHECKING:
    # Comparing is imported when a version is stored, not by a run where nothing changed.
    from compare.model import Change, Topic
    from guidewatch.settings import Settings
    from storage.db import Db
    from storage.version_store import AnyVersion

__all__ = ["compare_versions", "make_hooks", "record_changes", "record_event", "replay"]

log = logging.getLogger("guidewatch.changes")

Extractors = Callable[[str], Extractor]


def stored_fetched(session: Db, version: AnyVersion) -> Fetched:
    """Rebuild the response a version was extracted from, related bodies included."""
    from scrapers.sniff import sniff_kind

    body = blobs.get_blob(session=session, sha=version.body_sha256)
    fetch = fetch_log.fetch_row(session=session, id=version.fetch_id) if version.fetch_id else None
    headers: dict[str, str] = fetch_log.fetch_headers(session=session, fetch=fetch) if fetch else {}
    related_shas: dict[str, str] = fetch_log.related(fetch) if fetch else {}
    related = {url: blobs.get_blob(session=session, sha=sha) for url, sha in related_shas.items()}
    return Fetched(
        url=fetch.url if fetch else version.url,
        final_url=(fetch_log.final_url(fetch) if fetch else None) or version.url,
        status=(fetch.status if fetch else None) or 200,
        headers=headers,
        body=body,
        content_kind=sniff_kind(body, headers.get("content-type")),
        redirects=tuple(fetch_log.redirects(fetch)) if fetch else (),
        related=related,
    )


def comparable_document(
    session: Db,
    spec: DocumentSpec,
    version: AnyVersion,
    *,
    extractor: Extractor,
    extracted: Document | None = None,
) -> Document:
    """A version's text as the current extractor sees it (stored sections when it made them).

    `extracted` is the document the version was just stored from, if the caller has it: the
    same text as its stored sections, without reading them back.
    """
    if version.extractor == extractor.kind and version.extractor_version == extractor.version:
        if extracted is not None:
            return extracted
        return version_store.version_document(session=session, version=version)
    try:
        return extractor.extract(spec, stored_fetched(session, version))
    except (ScrapeError, blobs.CorruptBlobError) as error:
        log.warning(
            "%s version %s: cannot re-extract with %s %s (%s); comparing stored text",
            spec.id,
            version.number,
            extractor.kind,
            extractor.version,
            error,
        )
        return version_store.version_document(session=session, version=version)


def compare_versions(
    session: Db,
    spec: DocumentSpec,
    old: AnyVersion,
    new: AnyVersion,
    *,
    topics: Sequence[Topic],
    extractors: Extractors = get_extractor,
    extracted: Document | None = None,
) -> list[Change]:
    """Compare two stored versions like with like, with the spec's ignore rules.

    `extracted`: the new version's document as just extracted, if the caller has it.
    """
    from compare.diff import compare_documents
    from compare.noise import resolve_ignore

    extractor = extractors(spec.kind)
    before = comparable_document(session, spec, old, extractor=extractor)
    after = comparable_document(session, spec, new, extractor=extractor, extracted=extracted)
    ignore = resolve_ignore(spec.options.get("ignore", ()))
    return compare_documents(before, after, topics=topics, ignore=ignore)


def record_changes(
    session: Db,
    spec: DocumentSpec,
    previous: AnyVersion | None,
    new: AnyVersion,
    *,
    topics: Sequence[Topic],
    extractors: Extractors = get_extractor,
    extracted: Document | None = None,
) -> list[int]:
    """Store every change from previous to new and queue those on a topic; never commits.

    Two statements however many changes: the changes, then their items. Returns the ids of
    the changes, in order.
    """
    from storage import alert_queue as store

    if previous is None:
        return []
    assert new.id is not None
    changes = compare_versions(
        session, spec, previous, new, topics=topics, extractors=extractors, extracted=extracted
    )
    ids = store.add_changes(
        session=session,
        document_id=spec.id,
        from_version_id=previous.id,
        to_version_id=new.id,
        payloads=[change.to_dict() for change in changes],
    )
    payload = item_payload(spec)
    items = [
        store.item_row(
            key=f"change:{change_id}:{topic}",
            kind="change",
            document_id=spec.id,
            change_id=change_id,
            topic=topic,
            payload=payload,
        )
        for change, change_id in zip(changes, ids, strict=True)
        for topic in change.topics
    ]
    store.queue_items(session=session, items=items)
    return ids


def section_texts(document: Document) -> dict[str, str]:
    """Each section text of a document by its SHA-256 (as version_store stores it)."""
    return {sha256(s.text.encode("utf-8")): s.text for s in document.sections}


def make_hooks(
    settings: Settings,
    engine: Engine | None = None,
    *,
    topics: Sequence[Topic] | None = None,
    extractors: Extractors = get_extractor,
) -> tuple[AfterVersion, AfterCheck]:
    """Return (after_version, after_check) for run_cycle, reading topics from settings."""
    if topics is None:
        from compare.topics import read_topics

        topics = read_topics(settings.topics_path)
    watched: Sequence[Topic] = topics  # a TopicSet keeps its strength scale
    if engine is None:
        from storage.db import make_engine

        engine = make_engine(settings.database_url)

    def after_version(
        session: Db,
        spec: DocumentSpec,
        previous: AnyVersion | None,
        new: AnyVersion,
        /,
        document: Document | None = None,
    ) -> None:
        if previous is not None:  # a first version is counted when a timeline first asks
            from guidewatch.term_counts import keep_version_counts

            texts = None if document is None else section_texts(document)
            keep_version_counts(session, new.id, watched, texts)
        # A comparison bug must not cost the evidence: the version is kept either way, and
        # the failure is queued as an event so that it is not only in a log.
        try:
            with session.begin_nested():
                record_changes(
                    session,
                    spec,
                    previous,
                    new,
                    topics=watched,
                    extractors=extractors,
                    extracted=document,
                )
        except Exception as error:
            log.exception("%s: comparing version %s failed; version kept", spec.id, new.number)
            if previous is None:
                return
            try:
                with session.begin_nested():
                    record_compare_failure(session, spec, previous, new, error)
            except Exception:
                log.exception("%s: queueing the comparison failure failed", spec.id)

    def after_check(spec: DocumentSpec, result: CheckResult) -> None:
        try:
            record_event(engine, spec, result, threshold=settings.failure_threshold)
        except Exception:
            log.exception("%s: recording events failed", spec.id)

    return after_version, after_check


@dataclass(frozen=True)
class ReplayStep:
    """What comparing two stored versions with today's rules finds."""

    document_id: str
    from_version: int
    to_version: int
    changes: tuple[Change, ...]

    @property
    def alerting(self) -> tuple[Change, ...]:
        """The changes that would be alerted (those on a topic)."""
        return tuple(c for c in self.changes if c.topics)


def replay(
    session: Db,
    spec: DocumentSpec,
    *,
    topics: Sequence[Topic],
    extractors: Extractors = get_extractor,
) -> list[ReplayStep]:
    """Re-extract and compare every stored version in turn; writes and sends nothing."""
    versions = version_store.version_rows(session=session, document_id=spec.id)
    steps = []
    for old, new in zip(versions, versions[1:], strict=False):
        found = compare_versions(session, spec, old, new, topics=topics, extractors=extractors)
        steps.append(ReplayStep(spec.id, old.number, new.number, tuple(found)))
    return steps

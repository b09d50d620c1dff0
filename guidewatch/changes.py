"""The cycle's hooks: compare a new version with the previous one, record and queue alerts.

- after_version (inside the document's transaction): compare like with like (re-extracting
  the older raw copy when the extractor changed), store every change, queue the ones on a
  topic for the next digest. When the comparison itself fails, the version is kept and a
  "compare-failed" event is queued instead, so that a person hears of it.
- after_check (after each document): queue, once each, a document gone, moved, failing for
  `failure_threshold` runs in a row and then recovered, or newly discovered on an index page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from guidewatch.cycle import AfterCheck, AfterVersion, CheckResult
from scrapers.base import Extractor, get_extractor
from scrapers.model import Document, DocumentSpec, Fetched, ScrapeError
from storage import blobs, fetch_log, version_store
from storage.db import open_session
from storage.repo import sha256
from storage.tables import CONFIRMING, FAILING, NOT_CLEAN

if TYPE_CHECKING:
    # Comparing, and the ORM that stores changes and events, are imported when a version is
    # stored or an event may be due, not by a run where nothing changed.
    from sqlmodel import Session

    from compare.model import Change, Topic
    from guidewatch.settings import Settings
    from storage.changes import ChangeRow
    from storage.models import Version
    from storage.version_store import AnyVersion

log = logging.getLogger("guidewatch.changes")

Extractors = Callable[[str], Extractor]


def stored_fetched(session: Session, version: AnyVersion) -> Fetched:
    """Rebuild the response a version was extracted from, related bodies included."""
    from scrapers.sniff import sniff_kind

    body = blobs.get_blob(session=session, sha=version.body_sha256)
    fetch = fetch_log.get_fetch(session=session, id=version.fetch_id) if version.fetch_id else None
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
    session: Session,
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
    session: Session,
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


def _item_payload(spec: DocumentSpec, **extra: object) -> dict[str, object]:
    return {"title": spec.title, "live_url": spec.live_url or spec.url} | extra


def record_changes(
    session: Session,
    spec: DocumentSpec,
    previous: AnyVersion | None,
    new: Version,
    *,
    topics: Sequence[Topic],
    extractors: Extractors = get_extractor,
    extracted: Document | None = None,
) -> list[ChangeRow]:
    """Store every change from previous to new and queue those on a topic; never commits."""
    from storage import changes as store

    if previous is None:
        return []
    assert new.id is not None
    changes = compare_versions(
        session, spec, previous, new, topics=topics, extractors=extractors, extracted=extracted
    )
    rows = []
    for ordinal, change in enumerate(changes):
        row = store.add_change(
            session=session,
            document_id=spec.id,
            from_version_id=previous.id,
            to_version_id=new.id,
            ordinal=ordinal,
            payload=change.to_dict(),
        )
        rows.append(row)
        for topic in change.topics:
            store.queue_item(
                session=session,
                key=f"change:{row.id}:{topic}",
                kind="change",
                document_id=spec.id,
                change_id=row.id,
                topic=topic,
                payload=_item_payload(spec),
            )
    return rows


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


def _events(
    session: Session, spec: DocumentSpec, result: CheckResult, threshold: int
) -> list[_Event]:
    """The events this check raises."""
    from storage import changes as store
    from storage.models import Fetch

    if result.fetch_id is None:
        return []
    current = session.get(Fetch, result.fetch_id)
    if current is None or current.id is None or current.document_id != spec.id:
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
    from storage import changes as store

    queued: list[str] = []
    with open_session(engine) as session:
        for event in _events(session, spec, result, threshold):
            item = store.queue_item(
                session=session,
                key=event.key,
                kind=event.kind,
                document_id=spec.id,
                fetch_id=event.fetch_id,
                payload=_item_payload(
                    spec, detail=event.detail, live_url=event.url or spec.live_url or spec.url
                ),
            )
            if item is not None:
                queued.append(item.kind)
        session.commit()
    return queued


def record_compare_failure(
    session: Session, spec: DocumentSpec, previous: AnyVersion, new: Version, error: Exception
) -> bool:
    """Queue, once per version, word that a new version was kept but could not be compared."""
    from storage import changes as store

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
        payload=_item_payload(spec, detail=detail),
    )
    return item is not None


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
        session: Session,
        spec: DocumentSpec,
        previous: AnyVersion | None,
        new: Version,
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
    session: Session,
    spec: DocumentSpec,
    *,
    topics: Sequence[Topic],
    extractors: Extractors = get_extractor,
) -> list[ReplayStep]:
    """Re-extract and compare every stored version in turn; writes and sends nothing."""
    versions = version_store.list_versions(session=session, document_id=spec.id)
    steps = []
    for old, new in zip(versions, versions[1:], strict=False):
        found = compare_versions(session, spec, old, new, topics=topics, extractors=extractors)
        steps.append(ReplayStep(spec.id, old.number, new.number, tuple(found)))
    return steps

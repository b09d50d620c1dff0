"""One monitoring cycle: for each document, discover, fetch, extract and keep."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scrapers.base import check_content_kind, get_extractor
from scrapers.discover.model import DiscoveryError, Found, Record
from scrapers.model import Document, DocumentSpec, Fetched, ScrapeError, StoppedError, SuspectError
from scrapers.rewrite import Rewrites
from storage import blobs, fetch_log, repo, version_store
from storage.db import open_session
from storage.models import CONFIRMING, Fetch, Version

if TYPE_CHECKING:
    from scrapers.fetch import FetchPolicy

log = logging.getLogger("guidewatch.cycle")

# A new extraction shorter than this share of the last version's text is kept as suspect.
SHRINK_LIMIT = 0.4
SHRINK_CONFIRMATIONS = 3

# A check stopped by the run being stopped (Ctrl-C, TERM): not a failure of the site, so it
# is not recorded in the fetch log and never counts toward the failing alert.
CANCELLED = "cancelled"
# What httpx says when a request is made on a client closed under it (the run is stopping).
_CLOSED_CLIENT = "client has been closed"

AfterVersion = Callable[[Session, DocumentSpec, Version | None, Version], None]
AfterCheck = Callable[[DocumentSpec, "CheckResult"], None]
Progress = Callable[["CheckResult", float], None]


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


class Fetcher(Protocol):
    """Anything that fetches URLs like HttpFetcher (scrapers.base.Getter is one plain function)."""

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """Fetch one URL."""
        ...


def _headers_json(fetched: Fetched) -> str:
    return json.dumps(dict(fetched.headers), sort_keys=True)


def _fetch_row(
    spec: DocumentSpec,
    started: datetime,
    url: str,
    fetched: Fetched | None,
    discovery: Record | None = None,
) -> Fetch:
    row = Fetch(document_id=spec.id, started_at=started, url=url, outcome="failed")
    if discovery is not None:
        row.discovery = json.dumps(discovery.to_json())
    if fetched is not None:
        row.final_url = fetched.final_url
        row.redirects = json.dumps(list(fetched.redirects))
        row.status = fetched.status
        row.headers = _headers_json(fetched)
        row.size = len(fetched.body)
        row.duration_ms = fetched.duration_ms
    return row


def declare(spec: DocumentSpec, engine: Engine) -> None:
    """Create or update the document's row (a concurrent run may create it first)."""
    declared = (spec.source, spec.title, spec.kind, spec.url)
    for attempt in (1, 2):
        with open_session(engine) as session:
            if repo.declared_fields(session=session, id=spec.id) == declared:
                return  # nothing to write: no transaction
            repo.upsert_document(
                session=session,
                id=spec.id,
                source=spec.source,
                title=spec.title,
                kind=spec.kind,
                url=spec.url,
            )
            try:
                session.commit()
                return
            except IntegrityError:
                if attempt == 2:
                    raise


def _fetch_related(fetcher: Fetcher, urls: list[str]) -> dict[str, bytes]:
    """Fetch the extra bodies an extractor asks for; one that fails is left out, not fatal."""
    bodies = {}
    for url in urls:
        try:
            bodies[url] = fetcher.get(url).body
        except ScrapeError as error:
            log.warning("related %s not fetched: %s", url, error)
    return bodies


def _check_shrink(
    session: Session, spec_id: str, document: Document, previous: Version | None
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


def check_document(
    spec: DocumentSpec,
    *,
    engine: Engine,
    fetcher: Fetcher,
    after_version: AfterVersion | None = None,
    stopped: Callable[[], bool] | None = None,
) -> CheckResult:
    """Fetch, extract and keep one document; record every attempt; never raise for bad input.

    `stopped` says whether the run is being stopped: an error then is the stop's doing (the
    fetcher closed under the check), and the check ends cancelled, with nothing recorded.
    """
    result = _check(spec, engine, fetcher, after_version, stopped)
    log_decisions(spec, result)
    return result


def log_decisions(spec: DocumentSpec, result: CheckResult) -> None:
    """Log at INFO what a person would want to know was decided, and why."""
    if result.outcome == "suspect":
        log.info("%s: suspect, not kept as a version: %s", spec.id, result.message)
    elif result.outcome == "gone":
        log.info("%s: marked gone: %s", spec.id, result.message)
    if result.moved_from:
        log.info("%s: moved: no longer at %s", spec.id, result.moved_from)
    if result.outcome == "new_version":
        if spec.kind == "pdf-link" and result.version_number == 1:
            log.info("%s: discovered: a PDF linked from %s", spec.id, spec.url)
        log.info("%s: new version %s kept", spec.id, result.version_number)


def _check(
    spec: DocumentSpec,
    engine: Engine,
    fetcher: Fetcher,
    after_version: AfterVersion | None,
    stopped: Callable[[], bool] | None,
) -> CheckResult:
    started = repo.utcnow()
    declare(spec, engine)
    url = spec.url
    fetched: Fetched | None = None
    discovery: Record | None = None
    try:
        extractor = get_extractor(spec.kind)
        url = extractor.discover(spec, lambda u: fetcher.get(u))
        discovery = url.record if isinstance(url, Found) else None
        if url != spec.url:
            log.debug("%s: %s leads to %s", spec.id, spec.url, url)
        with open_session(engine) as session:
            state = fetch_log.fetch_state(session=session, document_id=spec.id, url=url)
        etag, modified, moved_from = state.etag, state.last_modified, state.last_url
        fetched = fetcher.get(url, etag=etag, last_modified=modified)
        if fetched.status != 304:
            related = _fetch_related(fetcher, extractor.related(spec, fetched))
            if related:
                fetched = replace(fetched, related=related)

        def extract(served: Fetched) -> Document:
            check_content_kind(extractor, served)
            return extractor.extract(spec, served)

        keep = partial(
            _keep,
            spec,
            engine,
            started,
            url,
            fetched,
            extractor.kind,
            extractor.version,
            extract=extract,
            after_version=after_version,
            moved_from=moved_from if moved_from not in (None, url) else None,
            discovery=discovery,
        )
        found = discovery.summary() if discovery else ""
        try:
            result = keep()
        except IntegrityError:
            # A concurrent run stored the next version first: keep this fetch against it.
            result = keep()
        return replace(result, found=found, previous_outcome=state.previous_outcome)
    except Exception as error:
        if (
            (stopped is not None and stopped())
            or (isinstance(error, RuntimeError) and _CLOSED_CLIENT in str(error))
            or isinstance(error, StoppedError)
        ):
            log.info("%s: cancelled, the run is stopping (%s): not recorded", spec.id, error)
            return CheckResult(spec.id, CANCELLED, "the run was stopped before this check ended")
        if isinstance(error, DiscoveryError):
            return _record_failure(spec, engine, started, url, None, error, error.record)
        if isinstance(error, ScrapeError):
            return _record_failure(spec, engine, started, url, error.fetched or fetched, error)
        if isinstance(error, RecursionError):
            # Not a bug: a page nested deeper than a parser can walk (100,000 <div>s) is not
            # a readable document.
            deep = SuspectError(
                "the page nests its elements too deeply to be read (RecursionError): "
                "not stored as a version"
            )
            return _record_failure(spec, engine, started, url, fetched, deep)
        # A bug in an extractor must not stop the other documents.
        log.exception("unexpected error checking %s", spec.id)
        wrapped = ScrapeError(f"internal error: {type(error).__name__}: {error}")
        return _record_failure(spec, engine, started, url, fetched, wrapped)


def _keep(
    spec: DocumentSpec,
    engine: Engine,
    started: datetime,
    url: str,
    fetched: Fetched,
    extractor: str,
    extractor_version: str,
    *,
    extract: Callable[[Fetched], Document],
    after_version: AfterVersion | None,
    moved_from: str | None,
    discovery: Record | None = None,
) -> CheckResult:
    with open_session(engine) as session:
        if repo.is_gone(session=session, id=spec.id):
            stored = repo.get_document(session=session, id=spec.id)
            if stored is not None:
                stored.gone_at = None
                session.add(stored)
        row = _fetch_row(spec, started, url, fetched, discovery)
        if fetched.status == 304:
            # Most checks of most runs: the newest version's id and number are all it needs.
            latest = version_store.latest_version_ref(session=session, document_id=spec.id)
            row.outcome = "not_modified"
            if latest is not None:
                row.version_id = latest[0]
                version_store.mark_seen(session=session, version_id=latest[0], seen_at=started)
            fetch_log.add_fetch(session=session, fetch=row)
            session.commit()
            return CheckResult(
                spec.id,
                "not_modified",
                "not modified since the last fetch",
                latest[1] if latest else None,
                row.id,
                moved_from,
            )
        previous = version_store.latest_version(session=session, document_id=spec.id)
        row.body_sha256 = blobs.put_blob(session=session, body=fetched.body)
        row.related = json.dumps(
            {u: blobs.put_blob(session=session, body=b) for u, b in fetched.related.items()}
        )
        try:
            document = extract(fetched)
            _check_shrink(session, spec.id, document, previous)
        except ScrapeError as error:
            row.outcome = error.outcome
            row.error = str(error)
            fetch_log.add_fetch(session=session, fetch=row)
            session.commit()
            return CheckResult(spec.id, row.outcome, str(error), None, row.id, moved_from)
        digest = version_store.text_hash(document)
        if previous is not None and previous.text_sha256 == digest:
            row.outcome = "unchanged"
            row.version_id = previous.id
            previous.last_seen_at = started
            session.add(previous)
            fetch_log.add_fetch(session=session, fetch=row)
            session.commit()
            return CheckResult(spec.id, "unchanged", "", previous.number, row.id, moved_from)
        row.outcome = "new_version"
        fetch_log.add_fetch(session=session, fetch=row)
        version = version_store.add_version(
            session=session,
            document_id=spec.id,
            document=document,
            url=url,
            body_sha256=row.body_sha256,
            extractor=extractor,
            extractor_version=extractor_version,
            fetch_id=row.id,
            seen_at=started,
            number=(previous.number if previous else 0) + 1,
        )
        row.version_id = version.id
        session.add(row)
        if after_version is not None:
            after_version(session, spec, previous, version)
        session.commit()
        return CheckResult(spec.id, "new_version", "", version.number, row.id, moved_from)


def _record_failure(
    spec: DocumentSpec,
    engine: Engine,
    started: datetime,
    url: str,
    fetched: Fetched | None,
    error: ScrapeError,
    discovery: Record | None = None,
) -> CheckResult:
    with open_session(engine) as session:
        row = _fetch_row(spec, started, url, fetched, discovery)
        row.outcome = error.outcome
        row.error = str(error)
        if row.status is None:
            row.status = error.status
        if fetched is not None and fetched.body:
            row.body_sha256 = blobs.put_blob(session=session, body=fetched.body)
        if error.outcome == "gone":
            stored = repo.get_document(session=session, id=spec.id)
            if stored is not None and stored.gone_at is None:
                stored.gone_at = started
                session.add(stored)
        fetch_log.add_fetch(session=session, fetch=row)
        session.commit()
        return CheckResult(spec.id, error.outcome, str(error), None, row.id)


def run_cycle(
    specs: Sequence[DocumentSpec],
    *,
    engine: Engine,
    policy: FetchPolicy,
    after_version: AfterVersion | None = None,
    after_check: AfterCheck | None = None,
    rewrites: Rewrites = (),
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Check every document in turn; one document's failure never stops the others.

    Mirror mode lives in the policy (its rewrites); `rewrites`, when given, is put there.
    `progress` hears of each document as it finishes, with the seconds it took.
    """
    from scrapers.fetch import HttpFetcher  # httpx is slow to import: only when fetching

    if rewrites and not policy.rewrites:
        policy = replace(policy, rewrites=rewrites)
    results = []
    with HttpFetcher(policy) as fetcher:
        for spec in specs:
            began = time.monotonic()
            result = check_document(
                spec, engine=engine, fetcher=fetcher, after_version=after_version
            )
            log.info("%s: %s %s", spec.id, result.outcome, result.message)
            if after_check is not None:
                after_check(spec, result)
            results.append(result)
            if progress is not None:
                progress(result, time.monotonic() - began)
    return results

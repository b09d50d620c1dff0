"""One monitoring cycle: for each document, discover, fetch, extract and keep."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from guidewatch.keep import AfterVersion, Check, CheckResult, keep, record_failure
from scrapers.base import get_extractor
from scrapers.discover.model import DiscoveryError, Found
from scrapers.model import DocumentSpec, Fetched, ScrapeError, StoppedError, SuspectError
from scrapers.rewrite import Rewrites
from storage import fetch_log, repo

if TYPE_CHECKING:
    from scrapers.fetch import FetchPolicy

log = logging.getLogger("guidewatch.cycle")

# A check stopped by the run being stopped (Ctrl-C, TERM): not a failure of the site, so it
# is not recorded in the fetch log and never counts toward the failing alert.
CANCELLED = "cancelled"
# What httpx says when a request is made on a client closed under it (the run is stopping).
_CLOSED_CLIENT = "client has been closed"

AfterCheck = Callable[[DocumentSpec, CheckResult], None]
Progress = Callable[[CheckResult, float], None]


class Fetcher(Protocol):
    """Anything that fetches URLs like HttpFetcher (scrapers.base.Getter is one plain function)."""

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """Fetch one URL."""
        ...


def declare(spec: DocumentSpec, engine: Engine) -> None:
    """Create or update the document's row (a concurrent run may create it first)."""
    declared = (spec.source, spec.title, spec.kind, spec.url)
    for attempt in (1, 2):
        with engine.connect() as connection:
            found = repo.declared_fields(session=connection, id=spec.id)
            if found == declared:
                return  # nothing to write: no transaction
            try:
                repo.upsert_document(
                    session=connection,
                    id=spec.id,
                    source=spec.source,
                    title=spec.title,
                    kind=spec.kind,
                    url=spec.url,
                    exists=found is not None,
                )
                connection.commit()
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
    """Check one document: what goes wrong is recorded (or cancelled), never raised."""
    check = Check(spec, engine, repo.utcnow(), spec.url)
    declare(spec, engine)
    try:
        return _fetch_and_keep(check, fetcher, after_version)
    except Exception as error:
        return _failed(check, error, stopped)


def _fetch_and_keep(
    check: Check, fetcher: Fetcher, after_version: AfterVersion | None
) -> CheckResult:
    """Discover the document's address, fetch it (conditionally) and keep what came."""
    spec = check.spec
    extractor = get_extractor(spec.kind)
    url = check.url = extractor.discover(spec, lambda u: fetcher.get(u))
    check.discovery = url.record if isinstance(url, Found) else None
    if url != spec.url:
        log.debug("%s: %s leads to %s", spec.id, spec.url, url)
    with check.engine.connect() as connection:
        state = fetch_log.fetch_state(session=connection, document_id=spec.id, url=url)
    fetched = fetcher.get(url, etag=state.etag, last_modified=state.last_modified)
    check.fetched = fetched
    if fetched.status != 304:
        related = _fetch_related(fetcher, extractor.related(spec, fetched))
        if related:
            check.fetched = replace(fetched, related=related)
    check.moved_from = state.last_url if state.last_url not in (None, url) else None
    check.header_set = state.header_set
    try:
        result = keep(check, extractor, after_version)
    except IntegrityError:
        # A concurrent run stored the next version first: keep this fetch against it.
        result = keep(check, extractor, after_version)
    found = check.discovery.summary() if check.discovery else ""
    return replace(result, found=found, previous_outcome=state.previous_outcome)


def _failed(check: Check, error: Exception, stopped: Callable[[], bool] | None) -> CheckResult:
    """Record why a check failed, or say it was cancelled when the run is stopping."""
    if (
        (stopped is not None and stopped())
        or (isinstance(error, RuntimeError) and _CLOSED_CLIENT in str(error))
        or isinstance(error, StoppedError)
    ):
        log.info("%s: cancelled, the run is stopping (%s): not recorded", check.spec.id, error)
        return CheckResult(check.spec.id, CANCELLED, "the run was stopped before this check ended")
    if isinstance(error, DiscoveryError):
        return record_failure(check, error, None, error.record)
    if isinstance(error, ScrapeError):
        return record_failure(check, error, error.fetched or check.fetched)
    if isinstance(error, RecursionError):
        # Not a bug: a page nested deeper than a parser can walk (100,000 <div>s) is not
        # a readable document.
        deep = SuspectError(
            "the page nests its elements too deeply to be read (RecursionError): "
            "not stored as a version"
        )
        return record_failure(check, deep, check.fetched)
    # A bug in an extractor must not stop the other documents.
    log.exception("unexpected error checking %s", check.spec.id)
    wrapped = ScrapeError(f"internal error: {type(error).__name__}: {error}")
    return record_failure(check, wrapped, check.fetched)


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

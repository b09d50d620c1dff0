"""The monitor flow's checks: one Prefect task per source, a Failed task for each failed document.

A source's documents run one after another in one task (sharing one polite fetcher, one
database engine, one set of hooks); its state message counts the outcomes and its log has a
line per document. A Prefect task per document cost 54 ms of client and server CPU (three
state events and a log line to record, a fresh engine and hooks; docs/benchmarks.md), more
than the check itself when the answer is 304. What the Prefect UI shows of a document that
failed is kept: each one is a Failed task of its own, `check-<document>`, saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State

from flows.fetchers import fetcher_for, pause, stopping
from guidewatch.app import App
from guidewatch.cycle import (
    CANCELLED,
    AfterCheck,
    AfterVersion,
    CheckResult,
    Fetcher,
    check_document,
)
from guidewatch.settings import default_of, load_settings
from storage.models import FAILING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scrapers.model import DocumentSpec

# Replaced at run time by GUIDEWATCH_RETRY_DELAY_SECONDS (monitor: with_options).
DEFAULT_RETRY_DELAY = default_of("retry_delay_seconds")
CheckReturn = dict[str, Any] | State


class DocumentNotChecked(Exception):
    """A document whose check failed (recorded in the fetch log); carries the check's result.

    Returned as a Failed task state, so the Prefect UI shows the document failed, while the
    flow goes on with the others and sends the alerts before it ends.
    """

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message, result)
        self.message = message
        self.result = result

    def __str__(self) -> str:
        return self.message


def retry_delay() -> float:
    """Seconds between a task's attempts (GUIDEWATCH_RETRY_DELAY_SECONDS, default 120)."""
    return load_settings().retry_delay_seconds


def describe(result: CheckResult) -> str:
    """One line saying what happened to a document: outcome, version, and why if it failed."""
    text = f"{result.document_id}: {result.outcome.replace('_', ' ')}"
    if result.version_number:
        text += f" (version {result.version_number})"
    if result.moved_from:
        text += f", moved from {result.moved_from}"
    if result.message and not result.ok:
        text += f" — {result.message}"
    return text


def log_outcome(result: CheckResult) -> None:
    """Log a document's outcome in its task run: a warning when it was not checked cleanly."""
    logger = get_run_logger()
    if result.ok:
        logger.info(describe(result))
    else:
        logger.warning(describe(result))


def outcome_counts(results: Sequence[dict[str, Any]]) -> str:
    """Say how many documents ended in each outcome, e.g. "5 new version, 12 gone"."""
    counts: dict[str, int] = {}
    for result in results:
        outcome = str(result.get("outcome", "")).replace("_", " ")
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


def failed_state(result: CheckResult) -> State:
    """The Failed state that shows a document not checked cleanly, with why."""
    text = describe(result)
    return Failed(message=text, data=DocumentNotChecked(text, asdict(result)))


def _check_with_hooks(
    spec: DocumentSpec,
    engine: Engine,
    fetcher: Fetcher,
    hooks: tuple[AfterVersion, AfterCheck],
    run_id: str,
) -> CheckResult:
    """Check one document, comparing and alerting through the hooks; stop when the run stops."""
    after_version, after_check = hooks
    result = check_document(
        spec,
        engine=engine,
        fetcher=fetcher,
        after_version=after_version,
        stopped=lambda: stopping(run_id),
    )
    after_check(spec, result)
    return result


@task(task_run_name="check-{document_id}", cache_policy=NO_CACHE, persist_result=False)
def document_failed(document_id: str, result: dict[str, Any]) -> State:
    """Show one document whose check failed as a Failed task (the check already recorded it)."""
    return failed_state(CheckResult(**result))


@task(task_run_name="check-{document_id}", cache_policy=NO_CACHE, persist_result=False)
def check(document_id: str, run_id: str) -> CheckReturn:
    """Check one document again, alone, after an error escaped its check in the source's task."""
    from guidewatch.changes import make_hooks
    from storage.db import make_engine

    app = App()
    spec = app.catalog.document(document_id)
    engine = make_engine(app.settings.database_url)
    try:
        after_version, after_check = make_hooks(app.settings, engine)
        fetcher = fetcher_for(app, run_id, spec.source)
        result = _check_with_hooks(spec, engine, fetcher, (after_version, after_check), run_id)
    finally:
        engine.dispose()
    log_outcome(result)
    # A failed document is a Failed task, not an exception: the fetcher already retried at
    # the network boundary, and every attempt is a row that the "failing" alert counts.
    return failed_state(result) if result.outcome in FAILING else asdict(result)


def result_of(document_id: str, state: State) -> dict[str, Any]:
    """A check's result dict, from a completed task or from the error that failed it."""
    value = state.result(raise_on_failure=False)
    if state.is_completed() and isinstance(value, dict):
        return value
    if isinstance(value, DocumentNotChecked):
        return value.result
    return asdict(CheckResult(document_id, "failed", state.message or "the task did not finish"))


def check_again(document_id: str, run_id: str, error: Exception) -> dict[str, Any]:
    """After an error escaped a check (the database unreachable): wait, then one more try.

    The second try is a task of its own (Completed or Failed with the error in the UI), as the
    one retry a document's task had when each document was a task.
    """
    seconds = retry_delay()
    get_run_logger().warning(
        "%s: the check raised %r; checked again as its own task in %s s",
        document_id,
        error,
        seconds,
    )
    if pause(run_id, seconds):
        return asdict(CheckResult(document_id, CANCELLED, "the run stopped before the retry"))
    return result_of(document_id, check(document_id, run_id, return_state=True))


@task(
    task_run_name="check-{source}",
    # Only an error before any document is checked gets here (the database unreachable when
    # the task opens it): each document's own errors are handled in the loop.
    retries=1,
    retry_delay_seconds=DEFAULT_RETRY_DELAY,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def check_source(source: str, document_ids: list[str], run_id: str) -> State:
    """Check a source's documents one after another; a Failed task for each that failed."""
    from guidewatch.changes import make_hooks
    from storage.db import make_engine

    app = App()
    engine = make_engine(app.settings.database_url)
    results: list[dict[str, Any]] = []
    try:
        after_version, after_check = make_hooks(app.settings, engine)
        fetcher = fetcher_for(app, run_id, source)
        for document_id in document_ids:
            if stopping(run_id):
                result = CheckResult(document_id, CANCELLED, "the run stopped before this check")
                results.append(asdict(result))
                continue
            try:
                spec = app.catalog.document(document_id)
                hooks = (after_version, after_check)
                result = _check_with_hooks(spec, engine, fetcher, hooks, run_id)
            except Exception as error:  # noqa: BLE001 - the document is tried again, alone
                results.append(check_again(document_id, run_id, error))
                continue
            log_outcome(result)
            if result.outcome in FAILING:
                document_failed(document_id, asdict(result), return_state=True)
            results.append(asdict(result))
    finally:
        engine.dispose()
    return Completed(
        message=f"{len(results)} document(s) checked: {outcome_counts(results)}", data=results
    )


def results_of(document_ids: Sequence[str], state: State) -> dict[str, dict[str, Any]]:
    """Each document's result from its source's task; failed for those it did not reach."""
    value = state.result(raise_on_failure=False)
    found = {str(r["document_id"]): r for r in value} if isinstance(value, list) else {}
    why = state.message or "the task did not finish"
    return {doc: found.get(doc) or asdict(CheckResult(doc, "failed", why)) for doc in document_ids}

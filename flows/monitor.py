"""The monitor flow: check each chosen document as its own task, then send the pending alerts.

Wiring only: the work is guidewatch.cycle.check_document, guidewatch.changes' hooks and
alerts.outbox.deliver_pending. Documents of one source run one after another (sharing one
polite fetcher); different sources run side by side. A document that fails is recorded (the
fetcher retried it with backoff); it never stops the others. The run ends Failed when any
document failed, after the alerts went out.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import allow_failure, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from flows.fetchers import close_fetchers, fetcher_for, stopping
from flows.report import CHANGES_KEY, DOCUMENTS_KEY, changes_markdown, load_changes, outcome_table
from guidewatch.app import App
from guidewatch.cycle import CheckResult, check_document
from guidewatch.monitor import RunSummary, alerts_line, deliver, shown_url, undelivered
from guidewatch.settings import Settings, load_settings
from storage.models import FAILING

CheckReturn = dict[str, Any] | State
# Replaced at run time by GUIDEWATCH_RETRY_DELAY_SECONDS (monitor: with_options).
DEFAULT_RETRY_DELAY = Settings.model_fields["retry_delay_seconds"].default


class AlertsNotSent(Exception):
    """The SMTP server did not take every pending alert; they stay in the outbox."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message, report)
        self.message = message
        self.report = report

    def __str__(self) -> str:
        return self.message


class RunFailed(Exception):
    """A monitor run that left documents or alerts undone; carries the run's summary.

    A Failed state's data must be an exception: a worker running a deployment raises it
    (a plain dict there ends in Prefect's "Unexpected result for failed state" TypeError).
    """

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message, summary)
        self.message = message
        self.summary = summary

    def __str__(self) -> str:
        return self.message


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


def retry_unless_recorded(task: Any, task_run: Any, state: State) -> bool:
    """Retry a check only for errors that escaped it, never for a failure it recorded."""
    return not isinstance(state.data, DocumentNotChecked)


def retry_delay() -> float:
    """Seconds between a task's attempts (GUIDEWATCH_RETRY_DELAY_SECONDS, default 120)."""
    return load_settings().retry_delay_seconds


@task(
    task_run_name="check-{document_id}",
    # Retries only for errors that escape check_document (the database being unreachable).
    retries=1,
    retry_delay_seconds=DEFAULT_RETRY_DELAY,
    retry_condition_fn=retry_unless_recorded,
    cache_policy=NO_CACHE,
)
def check(document_id: str, run_id: str) -> CheckReturn:
    """Fetch, extract, keep and compare one document and return what happened."""
    from guidewatch.changes import make_hooks
    from storage.db import make_engine

    app = App()
    spec = app.catalog.document(document_id)
    engine = make_engine(app.settings.database_url)
    try:
        after_version, after_check = make_hooks(app.settings, engine)
        fetcher = fetcher_for(app, run_id, spec.source)
        result = check_document(
            spec,
            engine=engine,
            fetcher=fetcher,
            after_version=after_version,
            stopped=lambda: stopping(run_id),
        )
        after_check(spec, result)
    finally:
        engine.dispose()
    log_outcome(result)
    # A failed document is a Failed task, not an exception: the fetcher already retried at
    # the network boundary, and every attempt is a row that the "failing" alert counts.
    if result.outcome in FAILING:
        text = describe(result)
        return Failed(message=text, data=DocumentNotChecked(text, asdict(result)))
    return asdict(result)


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


def outcome_counts(results: list[dict[str, Any]]) -> str:
    """Say how many documents ended in each outcome, e.g. "5 new version, 12 gone"."""
    counts: dict[str, int] = {}
    for result in results:
        outcome = str(result.get("outcome", "")).replace("_", " ")
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


@task(retries=2, retry_delay_seconds=DEFAULT_RETRY_DELAY, cache_policy=NO_CACHE)
def send_alerts() -> dict[str, Any]:
    """Send every pending alert; raise AlertsNotSent when a configured server refused some."""
    report = deliver(App())
    if undelivered(report):
        raise AlertsNotSent(alerts_line(report), report)
    return report


@task(cache_policy=NO_CACHE)
def publish_report(results: list[dict[str, Any]]) -> None:
    """Show the run in the Prefect UI: a redline of what changed and a table of outcomes."""
    from storage.db import make_engine

    engine = make_engine(App().settings.database_url)
    try:
        changes = load_changes(engine, results)
    finally:
        engine.dispose()
    create_markdown_artifact(
        markdown=changes_markdown(results, changes),
        key=CHANGES_KEY,
        description="What changed in this run (a view; the database is the record)",
    )
    create_table_artifact(
        table=outcome_table(results),
        key=DOCUMENTS_KEY,
        description="Every document checked in this run and its outcome",
    )


def _result_of(document_id: str, state: State) -> dict[str, Any]:
    """The check's result dict, from a completed task or from the error that failed it."""
    value = state.result(raise_on_failure=False)
    if state.is_completed() and isinstance(value, dict):
        return value
    if isinstance(value, DocumentNotChecked):
        return value.result
    return asdict(CheckResult(document_id, "failed", state.message or "the task did not finish"))


@flow(name="monitor")
def monitor(sources: list[str] | None = None, documents: list[str] | None = None) -> State:
    """Check the chosen documents (all when none are chosen), send alerts, show what changed."""
    app = App()
    specs = app.catalog.select(sources or [], documents or [])
    # Create or migrate the database once, before tasks open it side by side.
    app.writable_engine().dispose()
    run_id = str(flow_run.get_id() or "direct")
    checker = check.with_options(retry_delay_seconds=retry_delay())
    futures: dict[str, PrefectFuture[CheckReturn]] = {}
    last_of_source: dict[str, PrefectFuture[CheckReturn]] = {}
    try:
        for spec in specs:
            before = last_of_source.get(spec.source)
            after: list[Any] = [allow_failure(before)] if before is not None else []
            future = checker.submit(spec.id, run_id, wait_for=after, return_state=False)
            futures[spec.id] = last_of_source[spec.source] = future
        wait(list(futures.values()))
    finally:
        close_fetchers(run_id)
    results = [_result_of(doc, future.state) for doc, future in futures.items()]

    alerts = send_alerts.with_options(retry_delay_seconds=retry_delay())(return_state=True)
    delivery = alerts.result(raise_on_failure=False)
    if isinstance(delivery, AlertsNotSent):
        delivery = delivery.report
    report = publish_report(results, return_state=True)

    summary = RunSummary(
        results=[CheckResult(**r) for r in results],
        delivery=dict(delivery) if isinstance(delivery, dict) else {},
        database=shown_url(app.settings.database_url),
    )
    checked = f"{len(results)} document(s) checked: {outcome_counts(results)}"
    problems = [f"{r.document_id}: {r.message}" for r in summary.failures]
    if not alerts.is_completed():
        problems.append(f"alerts not sent: {alerts.message}")
    if not report.is_completed():
        problems.append(f"report not published: {report.message}")
    if problems:
        message = f"{checked}. " + "; ".join(problems)
        return Failed(message=message, data=RunFailed(message, summary.to_dict()))
    return Completed(message=checked, data=summary.to_dict())


def summary_from_dict(data: Any) -> RunSummary:
    """Rebuild a RunSummary from a monitor run's result (a summary dict, or RunFailed)."""
    if isinstance(data, RunFailed):
        data = data.summary
    if isinstance(data, BaseException):
        raise data
    if not isinstance(data, dict):
        raise TypeError(f"not a monitor run summary: {data!r}")
    return RunSummary(
        results=[CheckResult(**r) for r in data["documents"]],
        delivery=dict(data.get("alerts") or {}),
        database=str(data.get("database", "")),
    )


def run_monitor(sources: list[str] | None = None, documents: list[str] | None = None) -> RunSummary:
    """Run the monitor flow once in this process and return what it did.

    Without PREFECT_API_URL, Prefect starts a temporary server for the run (seconds).
    """
    state = monitor(sources, documents, return_state=True)
    return summary_from_dict(state.result(raise_on_failure=False))

"""The monitor flow: check the chosen documents a source to a task, then send the pending alerts.

Wiring only: the work is guidewatch.cycle.check_document (flows/checks.py), guidewatch.changes'
hooks and alerts.outbox.deliver_pending. Documents of one source run one after another in one
task (sharing one polite fetcher); different sources run side by side. A document that fails
is recorded (the fetcher retried it with backoff) and shown as a Failed task of its own; it
never stops the others. The run ends Failed when any document failed, after the alerts went out.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from flows.checks import DEFAULT_RETRY_DELAY, check_source, outcome_counts, results_of, retry_delay
from flows.fetchers import close_fetchers
from flows.report import CHANGES_KEY, DOCUMENTS_KEY, changes_markdown, load_changes, outcome_table
from guidewatch.app import App
from guidewatch.cycle import CheckResult
from guidewatch.monitor import RunSummary, alerts_line, deliver, shown_url, undelivered


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


@task(
    retries=2, retry_delay_seconds=DEFAULT_RETRY_DELAY, cache_policy=NO_CACHE, persist_result=False
)
def send_alerts() -> dict[str, Any]:
    """Send every pending alert; raise AlertsNotSent when a configured server refused some."""
    report = deliver(App())
    if undelivered(report):
        raise AlertsNotSent(alerts_line(report), report)
    return report


@task(cache_policy=NO_CACHE, persist_result=False)
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


@flow(name="monitor")
def monitor(sources: list[str] | None = None, documents: list[str] | None = None) -> State:
    """Check the chosen documents (all when none are chosen), send alerts, show what changed."""
    app = App()
    specs = app.catalog.select(sources or [], documents or [])
    # Create or migrate the database once, before tasks open it side by side.
    app.writable_engine().dispose()
    run_id = str(flow_run.get_id() or "direct")
    by_source: dict[str, list[str]] = {}
    for spec in specs:
        by_source.setdefault(spec.source, []).append(spec.id)
    checker = check_source.with_options(retry_delay_seconds=retry_delay())
    futures: dict[str, PrefectFuture[State]] = {}
    try:
        for source, document_ids in by_source.items():
            futures[source] = checker.submit(source, document_ids, run_id)
        wait(list(futures.values()))
    finally:
        close_fetchers(run_id)
    found: dict[str, dict[str, Any]] = {}
    for source, future in futures.items():
        found |= results_of(by_source[source], future.state)
    results = [found[spec.id] for spec in specs]

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

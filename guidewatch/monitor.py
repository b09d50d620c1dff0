"""One monitoring cycle without Prefect: check every document, then send pending alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from guidewatch.app import App, subscribers_in_force
from guidewatch.cycle import AfterCheck, AfterVersion, CheckResult, Progress, run_cycle
from scrapers.model import DocumentSpec
from storage.tables import FAILING


@dataclass
class RunSummary:
    """What a cycle did, for people and for --json."""

    results: list[CheckResult]
    delivery: dict[str, Any] = field(default_factory=dict)
    database: str = ""

    @property
    def failures(self) -> list[CheckResult]:
        """The documents whose check failed or was suspect."""
        return [r for r in self.results if r.outcome in FAILING]

    @property
    def ok(self) -> bool:
        """True when no document failed."""
        return not self.failures

    @property
    def undelivered(self) -> bool:
        """True when a mail server is set but alerts are still waiting after the run."""
        return undelivered(self.delivery)

    @property
    def exit_code(self) -> int:
        """0 all done; 1 a document could not be checked; 3 alerts could not be delivered."""
        if self.undelivered:
            return EXIT_UNDELIVERED
        return 0 if self.ok else EXIT_DOCUMENTS_FAILED

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        return {
            "ok": self.ok,
            "database": self.database,
            "documents": [asdict(r) for r in self.results],
            "failures": [r.document_id for r in self.failures],
            "alerts": self.delivery,
            "alerts_undelivered": self.undelivered,
            "exit_code": self.exit_code,
        }

    def render(self) -> str:
        """Return a short text report, failures last."""
        lines = []
        for r in self.results:
            version = f" (version {r.version_number})" if r.version_number else ""
            moved = f" — moved from {r.moved_from}" if r.moved_from else ""
            why = f" — {r.message}" if r.outcome == "gone" else ""
            why += f" — {r.found}" if r.found else ""
            lines.append(f"{r.document_id}: {r.outcome.replace('_', ' ')}{version}{moved}{why}")
        if self.delivery:
            lines.append(alerts_line(self.delivery))
        if self.failures:
            lines.append("")
            lines.append(f"{len(self.failures)} document(s) could not be checked:")
            lines += [f"  {r.document_id}: {r.message}" for r in self.failures]
        return "\n".join(lines)


EXIT_DOCUMENTS_FAILED = 1
EXIT_UNDELIVERED = 3


def undelivered(delivery: dict[str, Any]) -> bool:
    """True when a mail server is set and messages still wait (pending, sending or failed)."""
    if not delivery.get("smtp_configured"):
        return False
    waiting = delivery.get("waiting") or {}
    return any(waiting.get(status) for status in ("pending", "sending", "failed"))


def alerts_line(delivery: dict[str, Any]) -> str:
    """Say what happened to the alerts, what still waits in the outbox, and why."""
    waiting = delivery.get("waiting") or {}
    pending = waiting.get("pending", delivery.get("pending", 0))
    line = f"alerts: {delivery.get('sent', 0)} sent, {pending} pending"
    if waiting.get("sending"):
        line += (
            f", {waiting['sending']} sending (claimed by another run, or by one that stopped: "
            "resent after 15 minutes with the same Message-ID)"
        )
    if waiting.get("failed"):
        line += (
            f", {waiting['failed']} failed (refused by the mail server: "
            "`guidewatch alerts --retry` sends them again)"
        )
    if pending and delivery.get("errors"):
        line += f" ({delivery['errors'][-1]})"
    if delivery.get("unaddressed"):
        line += (
            f"; {delivery['unaddressed']} alert item(s) wait for a recipient: "
            "set GUIDEWATCH_MAIL_TO (and GUIDEWATCH_SMTP_HOST), or add a subscriber who "
            "follows them (GUIDEWATCH_SUBSCRIBERS), to send them"
        )
    return line


def hooks(app: App) -> tuple[AfterVersion | None, AfterCheck | None]:
    """Return the compare/alert hooks for a cycle."""
    from guidewatch.changes import make_hooks

    return make_hooks(app.settings, app.writable_engine())


def deliver(app: App) -> dict[str, Any]:
    """Ask the archive to witness new versions (when turned on), then send pending alerts."""
    from guidewatch.witness import witness

    witness(app)
    if app.settings.subscribers_path is not None:
        from alerts.dispatch import deliver_to_subscribers

        engine = app.writable_engine()
        return deliver_to_subscribers(
            engine, app.settings, subscribers_in_force(app.settings)
        ).to_dict()
    from alerts.idle import idle_report
    from compare.topics import read_topics  # parsed once per process: the hooks read it

    idle = idle_report(app.writable_engine(), app.settings, read_topics(app.settings.topics_path))
    if idle is not None:  # nothing to compose or send: the outbox's ORM is not loaded
        return idle.to_dict()
    from alerts.outbox import deliver_pending

    return deliver_pending(app.writable_engine(), app.settings).to_dict()


def progress_printer(total: int, stream: TextIO) -> Progress:
    """One line per document as it finishes: its place in the run, outcome and seconds."""
    done = 0

    def show(result: CheckResult, seconds: float) -> None:
        nonlocal done
        done += 1
        place = f"[{done}/{total}]".ljust(len(f"[{total}/{total}]"))
        version = f" (version {result.version_number})" if result.version_number else ""
        outcome = result.outcome.replace("_", " ")
        print(f"{place} {result.document_id}: {outcome}{version}, {seconds:.1f} s", file=stream)
        stream.flush()

    return show


def run_once(
    app: App, specs: Sequence[DocumentSpec], progress: Progress | None = None
) -> RunSummary:
    """Check the given documents once, then deliver pending alerts."""
    engine = app.writable_engine()
    after_version, after_check = hooks(app)
    results = run_cycle(
        specs,
        engine=engine,
        policy=app.policy(),
        after_version=after_version,
        after_check=after_check,
        rewrites=app.settings.rewrites,
        progress=progress,
    )
    return RunSummary(
        results=results, delivery=deliver(app), database=shown_url(app.settings.database_url)
    )


def shown_url(url: str) -> str:
    """Return a database URL safe to print (no password)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

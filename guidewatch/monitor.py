"""One monitoring cycle without Prefect: check every document, then send pending alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from guidewatch.app import App
from guidewatch.cycle import AfterCheck, AfterVersion, CheckResult, run_cycle
from scrapers.model import DocumentSpec
from storage.models import FAILING


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

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        return {
            "ok": self.ok,
            "database": self.database,
            "documents": [asdict(r) for r in self.results],
            "failures": [r.document_id for r in self.failures],
            "alerts": self.delivery,
        }

    def render(self) -> str:
        """Return a short text report, failures last."""
        lines = []
        for r in self.results:
            version = f" (version {r.version_number})" if r.version_number else ""
            moved = f" — moved from {r.moved_from}" if r.moved_from else ""
            why = f" — {r.message}" if r.outcome == "gone" else ""
            lines.append(f"{r.document_id}: {r.outcome.replace('_', ' ')}{version}{moved}{why}")
        if self.delivery:
            lines.append(alerts_line(self.delivery))
        if self.failures:
            lines.append("")
            lines.append(f"{len(self.failures)} document(s) could not be checked:")
            lines += [f"  {r.document_id}: {r.message}" for r in self.failures]
        return "\n".join(lines)


def alerts_line(delivery: dict[str, Any]) -> str:
    """Say what happened to the alerts, and why any wait."""
    line = f"alerts: {delivery.get('sent', 0)} sent, {delivery.get('pending', 0)} pending"
    if delivery.get("pending") and delivery.get("errors"):
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
    """Send every pending alert and return counts."""
    if app.settings.subscribers_path is not None:
        from alerts.dispatch import deliver_to_subscribers
        from guidewatch.cmd_subscribers import configured

        engine = app.writable_engine()
        return deliver_to_subscribers(engine, app.settings, configured(app.settings)).to_dict()
    from alerts.outbox import deliver_pending

    return deliver_pending(app.writable_engine(), app.settings).to_dict()


def run_once(app: App, specs: Sequence[DocumentSpec]) -> RunSummary:
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
    )
    return RunSummary(
        results=results, delivery=deliver(app), database=shown_url(app.settings.database_url)
    )


def shown_url(url: str) -> str:
    """Return a database URL safe to print (no password)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

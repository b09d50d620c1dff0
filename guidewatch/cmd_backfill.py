"""The backfill command: import a document's history from the Wayback Machine."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from alerts.dates import utc_date
from guidewatch.app import App, UserError, emit, parse_when, read_topics
from guidewatch.archive_client import archive_client
from guidewatch.archive_settings import archive_settings
from guidewatch.backfill import Outcome, Plan, backfill_document, plan_document
from guidewatch.backfill_plan import Window
from guidewatch.monitor import deliver
from guidewatch.sources import SourcesError
from scrapers.wayback import to_timestamp
from storage import alert_queue
from storage.db import open_session


def _prefix(value: str | None, *, end: bool) -> str | None:
    """A command-line date as a CDX timestamp prefix (YYYY, YYYY-MM or a full date)."""
    if not value:
        return None
    digits = value.replace("-", "")
    if digits.isdigit() and len(digits) in (4, 6):
        return digits
    return to_timestamp(parse_when(value, end_of_day=end))


class Meter:
    """Progress: a bar with counts and time left on a terminal, plain lines otherwise."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.done, self.out = total, 0, out
        self.tty = out.isatty()
        self.started = time.monotonic()

    def step(self, document_id: str, when: datetime) -> None:
        """One capture handled."""
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = (self.total - self.done) * elapsed / self.done if self.done else 0.0
        day = utc_date(when)
        if self.tty:
            width = 24
            filled = round(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            line = f"\r[{bar}] {self.done}/{self.total} ~{left:.0f} s left  {document_id} {day}"
            self.out.write(line[:120].ljust(120))
            self.out.flush()
        else:
            print(f"{self.done}/{self.total} {document_id} {day}", file=self.out)

    def close(self) -> None:
        """End the bar's line."""
        if self.tty and self.total:
            self.out.write("\n")


def cmd_backfill(args: argparse.Namespace, app: App) -> int:
    """Plan, then store every document's captures, then tell once."""
    try:
        specs = app.catalog.select(args.source, args.document)
    except SourcesError as error:
        raise UserError(str(error)) from None
    window = Window(_prefix(args.start, end=False), _prefix(args.end, end=True))
    engine = app.writable_engine()
    plans: list[Plan] = []
    outcomes: list[Outcome] = []
    with archive_client(app) as client:
        for spec in specs:
            plans.append(plan_document(spec, engine=engine, client=client, window=window))
            if plans[-1].archive_down:
                print(
                    f"guidewatch: the archive failed; {len(specs) - len(plans)} other"
                    " document(s) not tried: run the backfill again later",
                    file=sys.stderr,
                )
                break
        read_while_planning = client.mementos  # index pages of pdf-link documents
        if not args.dry_run:
            topics = read_topics(app.settings.topics_path)
            meter = Meter(sum(p.todo for p in plans), sys.stderr)
            for plan in plans:
                outcomes.append(
                    backfill_document(
                        plan,
                        engine=engine,
                        client=client,
                        topics=topics,
                        progress=lambda doc, capture: meter.step(doc, capture.when),
                    )
                )
            meter.close()
        searches, mementos = client.searches, client.mementos
    told = None
    if not args.dry_run and not args.quiet:
        told = tell(app, outcomes)
    rates = archive_settings(app.settings)
    estimate = Estimate(
        searches=searches,
        mementos=read_while_planning + sum(p.mementos for p in plans),
        bytes=sum(p.bytes for p in plans),
        search_rate=rates.search_rate,
        memento_rate=rates.memento_rate,
    )
    data = {
        "dry_run": args.dry_run,
        "requests": {"searches": searches, "mementos": mementos},
        "estimate": asdict(estimate) | {"seconds": estimate.seconds},
        "documents": [_plan_dict(p) for p in plans],
        "stored": [asdict(o) for o in outcomes],
        "summary_queued": told,
    }
    emit(args.json, data, lambda: render(plans, outcomes, estimate if args.dry_run else None, told))
    errors = [p.error for p in plans if p.error] + [o.error for o in outcomes if o.error]
    return 1 if errors else 0


@dataclass(frozen=True)
class Estimate:
    """How long a backfill takes at the archive's rate limits, from counted requests."""

    searches: int
    mementos: int
    bytes: int
    search_rate: float
    memento_rate: float

    @property
    def seconds(self) -> float:
        """The least time the rate limits allow: searches / rate + mementos / rate."""
        paced = 0.0
        if self.search_rate > 0:
            paced += self.searches / self.search_rate
        if self.memento_rate > 0:
            paced += self.mementos / self.memento_rate
        return round(paced, 1)

    def render(self) -> str:
        """Say the estimate and how it was counted."""
        return (
            f"at the archive's rate limits: {self.searches} search(es) at {self.search_rate:g}/s"
            f" + {self.mementos} memento(s) at {self.memento_rate:g}/s = at least"
            f" {self.seconds:g} s, plus downloading about {_size(self.bytes)}"
            " (the CDX lengths of the captures to read)"
        )


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.0f} kB"


def _plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "document": plan.spec.id,
        "captures": plan.listed,
        "already_stored": plan.known,
        "inside_stored_history": plan.outside,
        "to_fetch": plan.todo,
        "mementos": plan.mementos,
        "error": plan.error,
    }


def render(
    plans: Sequence[Plan], outcomes: Sequence[Outcome], estimate: Estimate | None, told: str | None
) -> str:
    """Say per document what the archive holds and what was stored."""
    lines = []
    done = {o.document_id: o for o in outcomes}
    for plan in plans:
        head = (
            f"{plan.spec.id}: {plan.listed} capture(s) listed, {plan.known} already stored,"
            f" {plan.outside} inside the stored history, {plan.todo} to store"
            f" ({plan.mementos} memento request(s))"
        )
        lines.append(head)
        if plan.error:
            lines.append(f"  error: {plan.error}")
        outcome = done.get(plan.spec.id)
        if outcome is not None and plan.todo:
            lines.append(
                f"  stored: {outcome.new_versions} new version(s), {outcome.confirmed}"
                f" repeat(s) confirming a version, {outcome.not_versions} capture(s) that are not"
                f" the document, {outcome.changes} change(s) ({outcome.topic_changes} on a topic)"
            )
            if outcome.renumbered:
                lines.append(
                    f"  versions stored before were renumbered: each number moved up by"
                    f" {outcome.renumbered}, so that numbers follow the dates"
                )
            if outcome.error:
                lines.append(f"  stopped: {outcome.error}")
    if estimate is not None:
        lines.append("dry run: nothing stored; only the searches (and index pages) were read")
        lines.append(estimate.render())
    elif told:
        lines.append(f"summary: {told}")
    return "\n".join(lines)


def tell(app: App, outcomes: Sequence[Outcome]) -> str | None:
    """Queue one summary message for the whole backfill and deliver pending alerts."""
    added = [o for o in outcomes if o.new_versions]
    if not added:
        return None
    topic_changes = sum(o.topic_changes for o in outcomes)
    first = min(o.first for o in added if o.first)
    today = datetime.now(UTC)
    detail = (
        f"{topic_changes} change(s) on your topics between {first.year} and today"
        f" in {len(added)} document(s) ({sum(o.new_versions for o in added)} earlier"
        f" version(s)); see `guidewatch changes --since {utc_date(today)}`"
    )
    moved = [o.document_id for o in outcomes if o.renumbered]
    if moved:
        detail += (
            f". Version numbers of {', '.join(moved)} moved up to make room for the earlier"
            " versions: see `guidewatch history`"
        )
    with open_session(app.writable_engine()) as session:
        alert_queue.queue_item(
            session=session,
            key=f"backfill:{today.isoformat()}",
            kind="backfill",
            document_id=added[0].document_id,
            payload={"title": "Your history", "detail": detail, "live_url": ""},
        )
        session.commit()
    deliver(app)
    return detail

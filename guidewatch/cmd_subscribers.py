"""The subscribers command: who gets what, on which channel, how often."""

from __future__ import annotations

import argparse

from guidewatch.app import App, emit, subscribers_in_force, table
from guidewatch.monitor import alerts_line, deliver


def cmd_subscribers(args: argparse.Namespace, app: App) -> int:
    """List the subscribers."""
    found = subscribers_in_force(app.settings)
    data = {
        "file": str(app.settings.subscribers_path) if app.settings.subscribers_path else None,
        "subscribers": [s.to_dict() for s in found.subscribers],
    }

    def render() -> str:
        if not found.subscribers:
            return (
                "no subscribers: set GUIDEWATCH_SUBSCRIBERS to a subscribers file "
                "or GUIDEWATCH_MAIL_TO to an address"
            )
        rows = [
            [who.name, channel.label, who.following(), who.schedule()]
            for who in found.subscribers
            for channel in who.channels
        ]
        return table(rows, ["subscriber", "channel", "follows", "how often"])

    emit(args.json, data, render)
    return 0


def cmd_deliver(args: argparse.Namespace, app: App) -> int:
    """Deliver the outbox now (what `guidewatch run` does after its checks)."""
    report = deliver(app)
    emit(args.json, report, lambda: alerts_line(report))
    return 1 if report.get("failed") else 0

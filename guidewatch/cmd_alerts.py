"""Commands about the alert outbox: alerts (show, retry) and test-email."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from alerts.digest import build_message
from alerts.naming import subject
from alerts.outbox import new_message_id, outbox_summary, requeue_failed, sample_digest
from alerts.smtp import SmtpConfig, SmtpConfigError, send_message
from guidewatch.app import App, UserError, emit, stamp, table
from guidewatch.waiting import WaitingItem, cut, waiting_items
from storage import changes as store
from storage import deliveries
from storage.changes import Alert
from storage.db import open_session


def _to(subscriber: str | None, channel: str | None) -> str:
    """Who a message goes to: subscriber and channel, or MAIL_TO (topic recipients)."""
    if subscriber is None:
        return "MAIL_TO"
    return f"{subscriber} {channel or ''}".strip()[:60]


def cmd_alerts(args: argparse.Namespace, app: App) -> int:
    """Show the outbox (and optionally put failed messages back to pending)."""
    requeued = requeue_failed(app.engine) if args.retry else 0
    with open_session(app.engine) as session:
        rows = store.list_alerts(session=session, status=args.status, limit=args.limit)
    counts = outbox_summary(app.engine)
    with open_session(app.engine) as session:
        waiting = deliveries.count_waiting(session=session)
        queued = waiting_items(session)
    counts["waiting_deliveries"] = sum(waiting.values())
    data = {
        "counts": counts,
        "requeued": requeued,
        "alerts": [_alert_dict(a) for a in rows],
        "waiting": [
            {"subscriber": who, "channel": channel, "items": count}
            for (who, channel), count in sorted(waiting.items())
        ],
        "waiting_items": [
            {
                "item_id": w.item_id,
                "document": w.document_id,
                "line": w.line,
                "since": w.since,
                "for": w.to,
            }
            for w in queued
        ],
    }
    emit(args.json, data, lambda: _render(counts, requeued, waiting, queued, rows))
    return 0


def _alert_dict(a: Alert) -> dict[str, Any]:
    """One outbox message as a JSON-ready dict."""
    return {
        "id": a.id,
        "kind": a.kind,
        "status": a.status,
        "subject": a.subject,
        "recipients": a.recipient_list(),
        "topics": a.topic_list(),
        "message_id": a.message_id,
        "subscriber": a.subscriber,
        "channel": a.channel,
        "attempts": a.attempts,
        "last_error": a.last_error,
        "created_at": a.created_at,
        "sent_at": a.sent_at,
    }


def _render(
    counts: Mapping[str, Any],
    requeued: int,
    waiting: Mapping[tuple[str, str], int],
    queued: Sequence[WaitingItem],
    rows: Sequence[Alert],
) -> str:
    """The outbox for people: the counts, what waits for the next digest, then the messages."""
    sending = f", {counts['sending']} being sent" if counts.get("sending") else ""
    head = (
        f"{counts['pending']} pending{sending}, {counts['sent']} sent, "
        f"{counts['failed']} failed; "
        f"{counts['queued_items']} item(s) waiting for the next digest"
    )
    if requeued:
        head += f"; {requeued} failed message(s) put back to pending"
    for (who, channel), count in sorted(waiting.items()):
        head += f"\n{who} {channel}: {count} item(s) waiting for the next digest"
    if queued:
        head += "\n\nWaiting for the next digest:\n" + table(
            [[stamp(w.since), w.document_id, cut(w.line), w.to[:60]] for w in queued],
            ["since", "document", "change", "for"],
        )
    if not rows:
        return head
    body = table(
        [
            [
                str(a.id),
                a.status,
                str(a.attempts),
                stamp(a.sent_at or a.created_at),
                _to(a.subscriber, a.channel),
                (a.subject if a.status != "pending" or not a.last_error else a.last_error)[:80],
            ]
            for a in rows
        ],
        ["id", "status", "tries", "when", "to", "subject (or last error)"],
    )
    return f"{head}\n\n{body}"


def cmd_test_email(args: argparse.Namespace, app: App) -> int:
    """Send one sample digest through the configured SMTP server."""
    settings = app.settings
    recipients = tuple(args.to) or settings.mail_to
    if not recipients:
        raise UserError("no recipient: set GUIDEWATCH_MAIL_TO or pass --to ADDRESS")
    try:
        config = SmtpConfig.from_settings(settings)
    except SmtpConfigError as error:
        raise UserError(str(error)) from None
    message_id = new_message_id(settings.mail_from)
    digest = sample_digest()
    message = build_message(
        digest,
        subject_line="[guidewatch test] " + subject(digest),
        sender=settings.mail_from,
        recipients=recipients,
        message_id=message_id,
        date=datetime.now(UTC),
    )
    try:
        send_message(message, config)
    except Exception as error:
        raise UserError(
            f"could not send through {config.host}:{config.port} ({config.security}): "
            + config.scrub(f"{type(error).__name__}: {error}")
        ) from None
    data = {
        "sent": True,
        "to": list(recipients),
        "message_id": message_id,
        "server": f"{config.host}:{config.port}",
        "security": config.security,
    }
    emit(
        args.json,
        data,
        lambda: f"sample digest sent to {', '.join(recipients)} via {config.host}:{config.port}",
    )
    return 0

"""Deliver the outbox to subscribers: one digest per subscriber, channel and period, once.

Three steps, each safe to run while another delivery runs:
1. route: each queued item gets one delivery row per (subscriber, channel) that follows it
   (unique, so never twice);
2. compose: for each channel whose digest is due, the deliveries of items queued before the
   due time become one pending message (claimed in one conditional UPDATE);
3. send: every pending message is claimed (pending → sending), handed to its channel, then
   marked sent, or put back to pending (failed after repeated permanent refusals), exactly
   as alerts/outbox.py does for email. Each message has one channel, so a channel that is
   down delays only its own messages.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.channels.chat import ChannelError, Notifier, chat_body, send_apprise
from alerts.digest import build_message
from alerts.mailing import ListInfo, make_good_mail
from alerts.naming import subject
from alerts.outbox import (
    DeliveryReport,
    Sender,
    _claim,
    _failed_attempt,
    _note_error,
    _ready,
    _sent,
    digest_for,
    message_for,
    new_message_id,
)
from alerts.secrets import scrub
from alerts.smtp import MailSettings, SmtpConfig, is_permanent, send_message
from alerts.subscribers import Channel, Subscriber, Subscribers
from storage import deliveries as routes
from storage.changes import Alert
from storage.db import open_session
from storage.models import StoredDocument
from storage.repo import utcnow

log = logging.getLogger("guidewatch.alerts")


class DispatchSettings(MailSettings, Protocol):
    """Mail settings plus the address that handles unsubscribe mail."""

    @property
    def mail_unsubscribe(self) -> str | None: ...


def route(engine: Engine, subscribers: Subscribers) -> int:
    """Hand every new queued item to the channels that follow it; return items nobody follows.

    An item nobody follows stays queued: a subscriber added later receives it.
    """
    unaddressed = 0
    with open_session(engine) as session:
        sources: dict[str, str] = {}
        for item in routes.unrouted_items(session=session):
            if item.document_id not in sources:
                document = session.get(StoredDocument, item.document_id)
                sources[item.document_id] = document.source if document else ""
            targets = [
                (who.name, channel.label)
                for who in subscribers.subscribers
                if who.follows(
                    kind=item.kind,
                    topic=item.topic,
                    document=item.document_id,
                    source=sources[item.document_id],
                )
                for channel in who.channels
            ]
            if targets:
                routes.route(session=session, item=item, targets=targets)
            else:
                unaddressed += 1
        session.commit()
    return unaddressed


def compose(engine: Engine, subscribers: Subscribers, *, now: datetime, sender: str) -> int:
    """Make one pending message per channel whose digest is due; return how many."""
    created = 0
    for who in subscribers.subscribers:
        due = None if who.frequency == "at-once" else who.last_due(now)
        for channel in who.channels:
            with open_session(engine) as session:
                found = routes.waiting(
                    session=session, subscriber=who.name, channel=channel.label, queued_before=due
                )
                if not found:
                    continue
                items = [item for _, item in found]
                digest = digest_for(session, items)
                kind = (
                    "digest" if digest.changes else (items[0].kind if len(items) == 1 else "events")
                )
                alert = Alert(
                    kind=kind,
                    message_id=new_message_id(sender),
                    recipients=json.dumps(
                        [channel.target if channel.kind == "email" else channel.label]
                    ),
                    topics=json.dumps(list(dict.fromkeys(i.topic for i in items if i.topic))),
                    subject=subject(digest),
                    status="pending",
                    created_at=utcnow(),
                    subscriber=who.name,
                    channel=channel.label,
                )
                session.add(alert)
                session.flush()
                if not routes.claim(session=session, alert=alert, deliveries=[d for d, _ in found]):
                    session.rollback()  # a concurrent run composed these first
                    continue
                session.commit()
                created += 1
    return created


def subscriber_message(
    session: Session, alert: Alert, settings: DispatchSettings, who: Subscriber | None
) -> EmailMessage:
    """Rebuild a subscriber's email; every retry gives the same headers and body."""
    assert alert.id is not None
    digest = digest_for(session, routes.items_carried(session=session, alert_id=alert.id))
    message = build_message(
        digest,
        sender=settings.mail_from,
        recipients=alert.recipient_list(),
        message_id=alert.message_id,
        date=alert.created_at,
        subject_line=alert.subject,
    )
    follows = f"{who.following()}, {who.schedule()}" if who else ", ".join(alert.topic_list())
    info = ListInfo(
        unsubscribe=settings.mail_unsubscribe or settings.mail_from,
        subscriber=alert.subscriber or "",
        follows=follows,
    )
    return make_good_mail(message, info)


def _channel_of(alert: Alert, who: Subscriber | None) -> Channel:
    label = alert.channel or ""
    if who is not None:
        for channel in who.channels:
            if channel.label == label:
                return channel
    if label.startswith("mailto:"):
        return Channel("email", label.removeprefix("mailto:"))
    return Channel("apprise", label)


def deliver_to_subscribers(
    engine: Engine,
    settings: DispatchSettings,
    subscribers: Subscribers,
    *,
    now: datetime | None = None,
    send: Sender = send_message,
    notify: Notifier = send_apprise,
) -> DeliveryReport:
    """Route, compose and send: every subscriber's due digest goes out once on each channel."""
    now = now or utcnow()
    report = DeliveryReport()
    report.unaddressed = route(engine, subscribers)
    report.created = compose(engine, subscribers, now=now, sender=settings.mail_from)
    config, config_error, pending = _ready(engine, settings)
    for alert in pending:
        assert alert.id is not None
        who = subscribers.by_name(alert.subscriber) if alert.subscriber else None
        channel = _channel_of(alert, who) if alert.subscriber else Channel("email", "")
        if channel.kind == "email" and config is None:
            _note_error(engine, alert.id, config_error)
            report.pending += 1
            continue
        secrets = channel.secrets() + ([config.password] if config and config.password else [])
        try:
            url = channel.url() if channel.kind == "apprise" else ""
        except ValueError as error:  # a ${VAR} missing from the environment: fix and rerun
            _note_error(engine, alert.id, str(error))
            report.pending += 1
            report.errors.append(str(error))
            continue
        if not _claim(engine, alert):
            continue
        try:
            _hand_over(engine, alert, settings, who, channel, url, config, send, notify)
        except Exception as error:  # any failure leaves the message for the next run
            text = scrub(f"{type(error).__name__}: {error}", secrets)
            permanent = error.permanent if isinstance(error, ChannelError) else is_permanent(error)
            status = _failed_attempt(engine, alert, error=text, permanent=permanent)
            log.warning("alert %s to %s not sent (%s): %s", alert.id, alert.channel, status, text)
            report.not_sent(status, text)
            continue
        _sent(engine, alert.id)
        log.info("alert %s sent to %s", alert.id, alert.subscriber or "MAIL_TO")
        report.was_sent(alert)
    if config_error and report.pending:
        report.errors.append(config_error)
    return report


def _hand_over(
    engine: Engine,
    alert: Alert,
    settings: DispatchSettings,
    who: Subscriber | None,
    channel: Channel,
    url: str,
    config: SmtpConfig | None,
    send: Sender,
    notify: Notifier,
) -> None:
    """Build a claimed message for its channel and hand it over (raises on failure)."""
    with open_session(engine) as session:
        if alert.subscriber is None:  # composed for MAIL_TO and topic recipients before
            assert config is not None
            send(message_for(session, alert, settings.mail_from), config)
            return
        if channel.kind == "email":
            assert config is not None
            send(subscriber_message(session, alert, settings, who), config)
            return
        assert alert.id is not None
        digest = digest_for(session, routes.items_carried(session=session, alert_id=alert.id))
    notify(url, alert.subject, chat_body(digest))

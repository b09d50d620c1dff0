"""Deliver the outbox: gather queued items into one message per recipient list, send each once.

Exactly once, and its limit: a message gets its Message-ID when it is created, in the same
transaction that claims its items, and keeps it on every retry. A run claims a message by
moving it from pending to sending in one conditional UPDATE, so two overlapping runs never
both send it; it is marked sent in its own transaction right after the SMTP server accepts it.
A message left sending by a run that died stays untouched for SENDING_TIMEOUT (the run may
still be alive), then the next run sends it again with the same Message-ID: many mail systems
drop the duplicate, but SMTP itself cannot promise it.

Failures: an unreachable or busy server (connection errors, 4xx) puts the message back to
pending, for ever, counting attempts; a server that refuses it for good (5xx) marks it
`failed` after MAX_PERMANENT_FAILURES attempts. Failed messages stay in the database and are
sent again after `guidewatch alerts --retry`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.delivery_report import SENDING_TIMEOUT, DeliveryReport
from alerts.notes import ChangeNote, Digest, EventNote
from alerts.recipients import recipients_for
from alerts.smtp import (
    MailSettings,
    SmtpConfig,
    SmtpConfigError,
    is_permanent,
    send_message,
)
from compare.model import Change, Topic
from storage import changes as store
from storage import outbox
from storage.changes import Alert, AlertItem
from storage.db import open_session
from storage.models import Version
from storage.repo import utcnow

log = logging.getLogger("guidewatch.alerts")

MAX_PERMANENT_FAILURES = 3

Sender = Callable[[EmailMessage, SmtpConfig], None]


class DeliverySettings(MailSettings, Protocol):
    """Mail settings plus where the topics (and their recipients) are."""

    @property
    def topics_path(self) -> Path: ...


def new_message_id(sender: str) -> str:
    """Return a fresh, globally unique Message-ID in the sender's domain."""
    domain = sender.rpartition("@")[2].strip(" >") or "guidewatch.localhost"
    return f"<guidewatch.{uuid.uuid4().hex}@{domain}>"


def digest_for(session: Session, items: Sequence[AlertItem]) -> Digest:
    """Load the records behind a message's items into a Digest (a change once, first topic)."""
    notes: list[ChangeNote] = []
    events: list[EventNote] = []
    topics_of: dict[int, list[str]] = {}
    first: dict[int, AlertItem] = {}
    for item in items:
        if item.kind == "change" and item.change_id is not None:
            topics_of.setdefault(item.change_id, []).append(item.topic or "")
            first.setdefault(item.change_id, item)
        elif item.kind != "change":
            data = item.data()
            events.append(
                EventNote(
                    kind=item.kind,
                    document_id=item.document_id,
                    document_title=str(data.get("title", item.document_id)),
                    live_url=str(data.get("live_url", "")),
                    detail=str(data.get("detail", "")),
                    at=item.created_at,
                )
            )
    for row in store.get_changes(session=session, ids=list(first)):
        assert row.id is not None
        item = first[row.id]
        data = item.data()
        new = session.get(Version, row.to_version_id)
        old = session.get(Version, row.from_version_id) if row.from_version_id else None
        assert new is not None
        topic, *also = topics_of[row.id]
        notes.append(
            ChangeNote(
                topic=topic,
                document_id=row.document_id,
                document_title=str(data.get("title", row.document_id)),
                live_url=str(data.get("live_url", "")),
                change=Change.from_dict(row.data()),
                new_version=new.number,
                new_seen_at=new.first_seen_at,
                old_version=old.number if old else None,
                old_seen_at=old.first_seen_at if old else None,
                also_topics=tuple(also),
                old_last_seen_at=old.last_seen_at if old else None,
                document_url=new.url,
                change_id=row.id,
                archived_copy=new.witness_url or "",
            )
        )
    return Digest(changes=tuple(notes), events=tuple(events))


def compose(
    engine: Engine, *, topics: Sequence[Topic], default: Sequence[str], sender: str
) -> tuple[int, int]:
    """Gather every queued item into one pending message per recipient list.

    Returns (messages created, items left waiting because nobody is configured to receive them).
    """
    with open_session(engine) as session:
        items = store.unassigned_items(session=session)
        groups: dict[tuple[str, ...], list[AlertItem]] = {}
        unaddressed = 0
        for item in items:
            who = recipients_for(item, topics, default)
            if who:
                groups.setdefault(who, []).append(item)
            else:
                unaddressed += 1
        created = 0
        for who, group in groups.items():
            from alerts.naming import subject  # imported only when there is a message to write

            digest = digest_for(session, group)
            kind = "digest" if digest.changes else (group[0].kind if len(group) == 1 else "events")
            covered = list(dict.fromkeys(i.topic for i in group if i.topic))
            alert = store.create_alert(
                session=session,
                kind=kind,
                message_id=new_message_id(sender),
                recipients=who,
                topics=covered,
                subject=subject(digest),
                items=group,
            )
            if alert is None:  # a concurrent run claimed some of these items first
                session.rollback()
                return 0, unaddressed
            created += 1
        session.commit()
        return created, unaddressed


def message_for(session: Session, alert: Alert, sender: str) -> EmailMessage:
    """Rebuild an alert's message; every retry gives the same headers and body."""
    from alerts.digest import build_message  # jinja2 and the templates: only to send
    from alerts.mailing import ListInfo, make_good_mail

    assert alert.id is not None
    digest = digest_for(session, store.items_of(session=session, alert_id=alert.id))
    message = build_message(
        digest,
        sender=sender,
        recipients=alert.recipient_list(),
        message_id=alert.message_id,
        date=alert.created_at,
        subject_line=alert.subject,
    )
    follows = ", ".join(alert.topic_list())
    info = ListInfo(unsubscribe=sender, follows=f"topics: {follows}" if follows else "")
    return make_good_mail(message, info)


def _claim(engine: Engine, alert: Alert) -> bool:
    """Move a message to sending and count an attempt; False if another run has it or sent it.

    Only a pending message, or one left sending longer than SENDING_TIMEOUT, can be claimed;
    the attempts count must still be the one this run read.
    """
    assert alert.id is not None
    now = utcnow()
    with open_session(engine) as session:
        claimed = outbox.claim_alert(
            session=session,
            alert_id=alert.id,
            attempts=alert.attempts,
            now=now,
            stale_before=now - SENDING_TIMEOUT,
        )
        session.commit()
        return claimed


def _sent(engine: Engine, alert_id: int) -> None:
    """Mark a message sent, in its own transaction."""
    with open_session(engine) as session:
        outbox.mark_sent(session=session, alert_id=alert_id, now=utcnow())
        session.commit()


def _failed_attempt(engine: Engine, alert: Alert, *, error: str, permanent: bool) -> str:
    """Put a message this run claimed back to pending (or failed); return its new status."""
    assert alert.id is not None
    attempts = alert.attempts + 1  # as counted by this run's claim
    status = "failed" if permanent and attempts >= MAX_PERMANENT_FAILURES else "pending"
    with open_session(engine) as session:
        outbox.end_attempt(
            session=session, alert_id=alert.id, attempts=attempts, status=status, error=error
        )
        session.commit()
    return status


def _note_error(engine: Engine, alert_id: int, error: str) -> None:
    """Record why a message was not even tried (no SMTP settings)."""
    with open_session(engine) as session:
        outbox.note_error(session=session, alert_id=alert_id, error=error)
        session.commit()


def _ready(engine: Engine, settings: MailSettings) -> tuple[SmtpConfig | None, str, list[Alert]]:
    """The SMTP settings (None and why when unusable) and the messages waiting to be sent."""
    try:
        config: SmtpConfig | None = SmtpConfig.from_settings(settings)
        config_error = ""
    except SmtpConfigError as error:
        config, config_error = None, str(error)
    with open_session(engine) as session:
        pending = store.pending_alerts(session=session, stale_before=utcnow() - SENDING_TIMEOUT)
    return config, config_error, pending


def deliver_pending(
    engine: Engine,
    settings: DeliverySettings,
    *,
    topics: Sequence[Topic] | None = None,
    send: Sender = send_message,
) -> DeliveryReport:
    """Compose queued items into messages and send every pending message once.

    Safe to run while another delivery runs: each message is claimed by exactly one of them.
    """
    report = DeliveryReport()
    if topics is None:
        from compare.topics import read_topics  # the topics file's checks load pydantic

        topics = read_topics(settings.topics_path)
    report.created, report.unaddressed = compose(
        engine, topics=topics, default=settings.mail_to, sender=settings.mail_from
    )
    config, config_error, pending = _ready(engine, settings)
    for alert in pending:
        assert alert.id is not None
        if alert.subscriber is not None:  # a subscriber's: only alerts/dispatch.py sends those
            continue
        if config is None:
            _note_error(engine, alert.id, config_error)
            report.pending += 1
            continue
        if not _claim(engine, alert):
            continue
        with open_session(engine) as session:
            message = message_for(session, alert, settings.mail_from)
        try:
            send(message, config)
        except Exception as error:  # any failure leaves the message for the next run
            text = config.scrub(f"{type(error).__name__}: {error}")
            status = _failed_attempt(engine, alert, error=text, permanent=is_permanent(error))
            log.warning("alert %s not sent (%s): %s", alert.id, status, text)
            report.not_sent(status, text)
            continue
        _sent(engine, alert.id)
        log.info("alert %s sent to %d recipient(s)", alert.id, len(alert.recipient_list()))
        report.was_sent(alert)
    if config_error and report.pending:
        report.errors.append(config_error)
    report.smtp_configured = config is not None
    with open_session(engine) as session:
        counts = store.count_alerts(session=session)
    report.waiting = {s: counts.get(s, 0) for s in ("pending", "sending", "failed")}
    return report


def requeue_failed(engine: Engine) -> int:
    """Put failed messages back to pending (same Message-ID); return how many."""
    with open_session(engine) as session:
        count = outbox.release_failed(session=session)
        session.commit()
        return count


def outbox_summary(engine: Engine) -> dict[str, Any]:
    """Counts of messages by status and of items not yet in a message."""
    with open_session(engine) as session:
        counts = store.count_alerts(session=session)
        counts["queued_items"] = len(store.unassigned_items(session=session))
    return counts


def sample_digest() -> Digest:
    """A made-up digest (the NICE 1.11.14 example) for `guidewatch test-email`."""
    from datetime import UTC, datetime

    change = Change(
        section_key="1.11.14",
        heading_path=("1.11 Managing ME/CFS", "Physical activity and exercise"),
        kind="modified",
        old_sentences=(
            "any therapy based on physical activity or exercise as a treatment or cure for ME/CFS",
        ),
        new_sentences=("any therapy based on physical activity or exercise as a cure for ME/CFS",),
        words_removed=("treatment", "or"),
        topics=("rehabilitation", "safeguards"),
        terms=("treatment or cure", "do not offer"),
        terms_removed=("treatment or cure",),
        significance=80,
        lead_in="Do not offer people with ME/CFS:",
        statement='prohibition narrowed: "as a treatment or cure" → "as a cure"',
    )
    note = ChangeNote(
        topic="rehabilitation",
        document_id="nice-ng206-recommendations",
        document_title="NICE NG206: Recommendations (SAMPLE - not a real change)",
        live_url="https://www.nice.org.uk/guidance/ng206/chapter/Recommendations",
        change=change,
        new_version=2,
        new_seen_at=datetime.now(UTC),
        old_version=1,
        old_seen_at=datetime(2021, 10, 29, tzinfo=UTC),
    )
    return Digest(changes=(note,))

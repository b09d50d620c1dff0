"""Overlapping deliveries and killed runs: each message reaches a real SMTP server once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from alerts.outbox import SENDING_TIMEOUT, compose, deliver_pending
from alerts.smtp import SmtpConfig, send_message
from guidewatch.changes import record_event
from guidewatch.cycle import CheckResult
from storage import changes as store
from storage.changes import Alert
from storage.db import open_session
from storage.repo import utcnow
from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, smtp_env, spec
from tests.support.smtp import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # fixture used by name below


def _alerts(engine: Engine) -> list[Alert]:
    with open_session(engine) as session:
        return sorted(store.list_alerts(session=session), key=lambda a: a.id or 0)


def test_two_overlapping_deliveries_send_each_message_once(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    topics = keeper.topics
    default, sender = settings.mail_to, settings.mail_from
    assert compose(engine, topics=topics, default=default, sender=sender)[0] == 1
    other = Keeper(engine, spec("bacme-guide", "BACME: Guide"), settings)
    other.keep(NICE_V1)
    fid = other.fetch("gone", status=404)
    record_event(
        engine, other.spec, CheckResult(other.spec.id, "gone", "", fetch_id=fid), threshold=3
    )
    assert compose(engine, topics=topics, default=default, sender=sender)[0] == 1
    message_ids = sorted(a.message_id for a in _alerts(engine))
    assert len(message_ids) == 2

    # Run A holds its first message between claiming it and the SMTP exchange while run B
    # reads the outbox and delivers; then A goes on.
    a_is_sending, b_is_done = threading.Event(), threading.Event()

    def held_send(message: EmailMessage, config: SmtpConfig) -> None:
        if not a_is_sending.is_set():
            a_is_sending.set()
            assert b_is_done.wait(timeout=60), "run B never finished"
        send_message(message, config)

    def run_b() -> int:
        assert a_is_sending.wait(timeout=60), "run A never started sending"
        try:
            return deliver_pending(engine, settings, topics=topics).sent
        finally:
            b_is_done.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(deliver_pending, engine, settings, topics=topics, send=held_send)
        b = pool.submit(run_b)
        sent = a.result().sent + b.result()

    received = sorted(r.message["Message-ID"] for r in smtp_server.inbox)
    assert received == message_ids  # each message exactly once
    assert sent == 2
    assert [a.status for a in _alerts(engine)] == ["sent", "sent"]


def _age_attempts(engine: Engine, by: timedelta) -> None:
    with open_session(engine) as session:
        session.execute(
            update(Alert)
            .where(col(Alert.status) == "sending")
            .values(last_attempt_at=utcnow() - by)
        )
        session.commit()


def test_a_message_left_sending_by_a_killed_run_goes_out_again_after_the_timeout(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))

    def send_then_die(message: EmailMessage, config: SmtpConfig) -> None:
        send_message(message, config)
        raise SystemExit("killed before the row was marked sent")

    with pytest.raises(SystemExit):
        deliver_pending(engine, settings, send=send_then_die)
    [alert] = _alerts(engine)
    assert (alert.status, alert.attempts) == ("sending", 1)

    # Another run soon after may be overlapping the first: it leaves the message alone.
    assert deliver_pending(engine, settings).sent == 0
    _age_attempts(engine, SENDING_TIMEOUT - timedelta(minutes=1))
    assert deliver_pending(engine, settings).sent == 0
    assert len(smtp_server.inbox) == 1

    # Past the timeout the first run is presumed dead: resent once, same Message-ID.
    _age_attempts(engine, SENDING_TIMEOUT + timedelta(minutes=1))
    assert deliver_pending(engine, settings).sent == 1
    ids = [r.message["Message-ID"] for r in smtp_server.inbox]
    assert ids == [alert.message_id, alert.message_id]
    first, second = smtp_server.inbox
    assert first.raw.split(b"\r\n\r\n", 1)[1] == second.raw.split(b"\r\n\r\n", 1)[1]
    plain = second.message.get_body(("plain",))
    assert plain is not None
    # The list intro is recorded with the change, so a resend still carries it.
    assert "In the list: Do not offer people with CFS/ME:" in plain.get_content()
    [after] = _alerts(engine)
    assert (after.status, after.attempts) == ("sent", 2)
    assert deliver_pending(engine, settings).sent == 0


def test_a_failed_attempt_puts_the_message_back_to_pending(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, **smtp_env(9))  # nothing listens on port 9
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    for attempt in (1, 2):
        report = deliver_pending(sqlite_engine, settings)
        assert (report.sent, report.pending) == (0, 1)
        [alert] = _alerts(sqlite_engine)
        assert (alert.status, alert.attempts) == ("pending", attempt)

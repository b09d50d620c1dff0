"""Subscribers: their own topics, channels and schedules, each digest once, per channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alerts.dispatch import deliver_to_subscribers
from alerts.outbox import deliver_pending
from alerts.subscribers import (
    Channel,
    Subscriber,
    SubscribersError,
    load_subscribers,
    parse_subscribers,
)
from guidewatch.settings import Settings
from storage import changes as store
from storage.db import open_session
from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, smtp_env, spec
from tests.support.receiver import Receiver, receiver
from tests.support.smtp import SmtpServer, smtp_server

__all__ = ["receiver", "smtp_server"]  # fixtures used by name below

CURE = ("as a treatment or cure", "as a cure")  # rehabilitation, safeguards
FLIP = (  # brain-training
    "Do not offer the Lightning Process, or therapies based on it,",
    "Offer the Lightning Process, or therapies based on it,",
)


def write_subscribers(tmp_path: Path, hook: str) -> Path:
    """Ana: email, rehabilitation, at once. The charity: a webhook, brain-training, daily 08:00."""
    path = tmp_path / "subscribers.toml"
    path.write_text(
        f"""
[subscribers.ana]
email = "ana@example.org"
topics = ["rehabilitation"]
frequency = "at-once"

[subscribers.charity]
apprise = ["{hook}"]
topics = ["brain-training"]
frequency = "daily"
time = "08:00"
timezone = "UTC"
""",
        encoding="utf-8",
    )
    return path


def setup(tmp_path: Path, smtp: SmtpServer, receiver: Receiver) -> Settings:
    """Settings with both subscribers and no GUIDEWATCH_MAIL_TO."""
    path = write_subscribers(tmp_path, receiver.url("/hook?cto=2&rto=4"))
    return settings_for(
        tmp_path,
        **smtp_env(smtp.port),
        GUIDEWATCH_MAIL_TO="",
        GUIDEWATCH_SUBSCRIBERS=str(path),
        GUIDEWATCH_MAIL_UNSUBSCRIBE="stop@example.org",
    )


def deliver(engine: Engine, settings: Settings, now: datetime) -> tuple[int, int, int]:
    """One delivery at `now`: (sent, pending, failed)."""
    subs = load_subscribers(settings.subscribers_path, settings.mail_to)
    report = deliver_to_subscribers(engine, settings, subs, now=now)
    return report.sent, report.pending, report.failed


def test_each_subscriber_gets_their_changes_once_on_their_schedule(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    settings = setup(tmp_path, smtp_server, receiver)
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    found = datetime.now(UTC)

    # Right away: Ana's digest goes out; the charity's waits for 08:00.
    assert deliver(engine, settings, found) == (1, 0, 0)
    [mail] = smtp_server.inbox
    assert mail.recipients == ["ana@example.org"]
    message = mail.message
    assert "1.11.14" in message["Subject"] and "Lightning" not in message.as_string()
    assert message["List-Unsubscribe"] == "<mailto:stop@example.org?subject=unsubscribe%20ana>"
    assert message["List-Id"] == "guidewatch alerts <alerts.guidewatch.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "subscriber 'ana' (topics: rehabilitation, at once)" in " ".join(
        plain.get_content().split()
    )
    assert receiver.posts == []

    # Later the same day, before the next 08:00, nothing more; a rerun sends nothing twice.
    next_eight = datetime.combine(found.date() + timedelta(days=1), time(8), tzinfo=UTC)
    assert deliver(engine, settings, next_eight - timedelta(minutes=1)) == (0, 0, 0)
    # At 08:00 the charity's daily digest goes out, once.
    assert deliver(engine, settings, next_eight + timedelta(minutes=5)) == (1, 0, 0)
    assert deliver(engine, settings, next_eight + timedelta(hours=2)) == (0, 0, 0)
    [post] = receiver.posts
    assert post.path.startswith("/hook")
    assert "1.12.27" in post.body["title"] and "reversed" in post.body["title"]
    assert "• " in post.body["message"] and "1.12.27" in post.body["message"]
    assert "https://www.example.org/nice-ng206-recommendations" in post.body["message"]
    assert "1.11.14" not in post.body["message"]  # Ana's topic, not theirs
    assert len(smtp_server.inbox) == 1

    # The outbox names each message's subscriber and channel.
    with open_session(engine) as session:
        sent = {(a.subscriber, a.channel, a.status) for a in store.list_alerts(session=session)}
    assert sent == {
        ("ana", "mailto:ana@example.org", "sent"),
        ("charity", receiver.url("/hook?cto=2&rto=4"), "sent"),
    }


def test_a_channel_down_delays_only_that_channel(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    settings = setup(tmp_path, smtp_server, receiver)
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    later = datetime.now(UTC) + timedelta(days=2)  # both digests due
    receiver.down = True
    assert deliver(engine, settings, later) == (1, 1, 0)  # mail went, the webhook did not
    assert len(smtp_server.inbox) == 1 and receiver.refused >= 1 and receiver.posts == []
    with open_session(engine) as session:
        waiting = store.list_alerts(session=session, status="pending")
    assert [a.subscriber for a in waiting] == ["charity"] and waiting[0].last_error
    # The legacy path never sends a subscriber's message.
    assert deliver_pending(engine, settings).sent == 0
    receiver.down = False
    assert deliver(engine, settings, later) == (1, 0, 0)
    assert len(receiver.posts) == 1 and len(smtp_server.inbox) == 1
    assert deliver(engine, settings, later + timedelta(days=1)) == (0, 0, 0)


def test_mail_server_down_delays_only_mail(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    settings = setup(tmp_path, smtp_server, receiver)
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    later = datetime.now(UTC) + timedelta(days=2)
    smtp_server.stop()
    assert deliver(engine, settings, later) == (1, 1, 0)
    assert len(receiver.posts) == 1
    smtp_server.start()
    assert deliver(engine, settings, later) == (1, 0, 0)
    assert [m.recipients for m in smtp_server.inbox] == [["ana@example.org"]]


def test_mail_to_is_a_subscriber_of_everything(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    path = write_subscribers(tmp_path, receiver.url())
    settings = settings_for(
        tmp_path, **smtp_env(smtp_server.port), GUIDEWATCH_SUBSCRIBERS=str(path)
    )
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    assert deliver(engine, settings, datetime.now(UTC))[0] == 2  # alice (MAIL_TO) and ana
    to_alice = [m for m in smtp_server.inbox if m.recipients == ["alice@example.org"]]
    assert len(to_alice) == 1
    text = to_alice[0].message.as_string()
    assert "1.11.14" in text and "1.12.27" in text
    assert "unsubscribe%20mail-to" in to_alice[0].message["List-Unsubscribe"]


def test_secrets_come_from_the_environment_and_stay_there(
    engine: Engine,
    tmp_path: Path,
    smtp_server: SmtpServer,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = f"json://127.0.0.1:{receiver.port}/${{HOOK_SECRET}}"
    settings = settings_for(
        tmp_path,
        **smtp_env(smtp_server.port),
        GUIDEWATCH_MAIL_TO="",
        GUIDEWATCH_SUBSCRIBERS=str(write_subscribers(tmp_path, hook)),
    )
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(FLIP))
    later = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    assert deliver(engine, settings, later) == (0, 1, 0)  # said why, kept it
    with open_session(engine) as session:
        [waiting] = store.list_alerts(session=session, status="pending")
    assert "needs HOOK_SECRET in the environment" in str(waiting.last_error)
    monkeypatch.setenv("HOOK_SECRET", "s3cret-token")
    receiver.down = True
    assert deliver(engine, settings, later) == (0, 1, 0)
    with open_session(engine) as session:
        rows = store.list_alerts(session=session)
    stored = json.dumps([(a.channel, a.recipients, a.last_error) for a in rows])
    assert "s3cret-token" not in stored and "${HOOK_SECRET}" in stored
    receiver.down = False
    assert deliver(engine, settings, later) == (1, 0, 0)
    assert receiver.posts[0].path == "/s3cret-token"


def test_weekly_and_daily_due_times() -> None:
    weekly = Subscriber(
        "w",
        (Channel("email", "w@example.org"),),
        frequency="weekly",
        at=time(18, 30),
        day="friday",
        timezone="Europe/London",
    )
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert weekly.last_due(monday) == datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    friday_night = datetime(2026, 12, 4, 18, 31, tzinfo=UTC)
    assert weekly.last_due(friday_night) == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    summer = Subscriber("d", (Channel("email", "d@example.org"),), frequency="daily", at=time(8, 0))
    # 08:00 in London in July is 07:00 UTC
    assert summer.last_due(datetime(2026, 7, 1, 7, 30, tzinfo=UTC)) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )
    assert summer.last_due(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == datetime(
        2026, 6, 30, 7, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"a": {"topics": ["x"]}}, "has no email and no apprise channel"),
        ({"a": {"email": "a@b.org", "frequency": "hourly"}}, "frequency must be one of"),
        ({"a": {"email": "a@b.org", "time": "8h"}}, "time must be HH:MM"),
        ({"a": {"email": "a@b.org", "colour": "red"}}, "unknown field(s) colour"),
        ({"a": {"apprise": "not a url"}}, "is not an Apprise URL"),
        ({"a b": {"email": "a@b.org"}}, "use letters, digits"),
        ({"a": {"email": "a@b.org", "timezone": "Mars/Olympus"}}, "unknown timezone"),
    ],
)
def test_a_bad_subscribers_file_says_what_is_wrong(table: dict[str, object], message: str) -> None:
    with pytest.raises(SubscribersError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_subscribers({"subscribers": table})


def test_subscribers_and_alerts_commands(
    tmp_path: Path,
    smtp_server: SmtpServer,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from guidewatch.app import App
    from guidewatch.cli import main
    from guidewatch.monitor import deliver as deliver_run

    settings = setup(tmp_path, smtp_server, receiver)
    env = {
        "GUIDEWATCH_DATA_DIR": str(settings.data_dir),
        "GUIDEWATCH_SUBSCRIBERS": str(settings.subscribers_path),
        "GUIDEWATCH_MAIL_TO": "alice@example.org",
        "GUIDEWATCH_MAIL_FROM": settings.mail_from,
        "GUIDEWATCH_SMTP_HOST": "127.0.0.1",
        "GUIDEWATCH_SMTP_PORT": str(smtp_server.port),
        "GUIDEWATCH_SMTP_SECURITY": "none",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["subscribers", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    names = [(s["name"], s["frequency"], s["topics"]) for s in listed["subscribers"]]
    assert names == [
        ("ana", "at-once", ["rehabilitation"]),
        ("charity", "daily", ["brain-training"]),
        ("mail-to", "at-once", []),
    ]
    assert listed["subscribers"][1]["schedule"] == "daily at 08:00 UTC"
    assert main(["subscribers"]) == 0
    text = capsys.readouterr().out
    assert "charity" in text and "daily at 08:00 UTC" in text and "every topic" in text

    app = App()
    keeper = Keeper(app.writable_engine(), spec(), app.settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    delivery = deliver_run(app)  # what `guidewatch run` does after its checks
    assert delivery["sent"] == 2  # ana and mail-to now; the charity's digest waits for 08:00
    assert main(["alerts", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {(a["subscriber"], a["channel"], a["status"]) for a in shown["alerts"]} == {
        ("ana", "mailto:ana@example.org", "sent"),
        ("mail-to", "mailto:alice@example.org", "sent"),
    }
    assert shown["waiting"] == [
        {"subscriber": "charity", "channel": receiver.url("/hook?cto=2&rto=4"), "items": 1}
    ]
    assert main(["alerts"]) == 0
    text = capsys.readouterr().out
    assert "ana mailto:ana@example.org" in text
    assert "charity json://127.0.0.1" in text and "1 item(s) waiting for the next digest" in text
    # `guidewatch deliver` sends nothing twice; the charity's digest is not due yet
    assert main(["deliver", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["sent"], again["created"], again["pending"]) == (0, 0, 0)
    assert len(smtp_server.inbox) == 2 and receiver.posts == []


def test_a_broken_subscribers_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from guidewatch.cli import main

    path = tmp_path / "subscribers.toml"
    path.write_text('[subscribers.a]\nemail = "a@example.org"\nfrequency = "hourly"\n')
    monkeypatch.setenv("GUIDEWATCH_SUBSCRIBERS", str(path))
    assert main(["subscribers"]) == 2
    assert "subscriber 'a': frequency must be one of at-once, daily, weekly" in (
        capsys.readouterr().err
    )


def test_topic_recipients_are_subscribers_of_their_topic(tmp_path: Path) -> None:
    from compare.model import Topic

    topics = (
        Topic("rehabilitation", "", (), recipients=("r@example.org",)),
        Topic("brain-training", "", ()),
    )
    found = load_subscribers(None, ("alice@example.org",), topics)
    assert [(s.name, s.topics) for s in found.subscribers] == [
        ("mail-to", ()),
        ("topic-rehabilitation", ("rehabilitation",)),
    ]
    who = found.by_name("topic-rehabilitation")
    assert who is not None
    assert who.follows(kind="change", topic="rehabilitation", document="d", source="s")
    assert not who.follows(kind="change", topic="brain-training", document="d", source="s")


def test_an_unusable_channel_fails_after_three_tries_and_can_be_retried(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    from alerts.outbox import MAX_PERMANENT_FAILURES, requeue_failed

    settings = settings_for(
        tmp_path,
        **smtp_env(smtp_server.port),
        GUIDEWATCH_MAIL_TO="",
        GUIDEWATCH_SUBSCRIBERS=str(write_subscribers(tmp_path, "nosuchservice://x/y")),
    )
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(FLIP))
    later = datetime.now(UTC) + timedelta(days=2)
    for _ in range(MAX_PERMANENT_FAILURES - 1):
        assert deliver(engine, settings, later) == (0, 1, 0)
    assert deliver(engine, settings, later) == (0, 0, 1)
    with open_session(engine) as session:
        [failed] = store.list_alerts(session=session, status="failed")
    assert "Apprise cannot use this URL" in str(failed.last_error)
    assert failed.subscriber == "charity" and failed.attempts == MAX_PERMANENT_FAILURES
    assert requeue_failed(engine) == 1
    assert deliver(engine, settings, later) == (0, 1, 0)  # tried again, same message


def test_two_overlapping_deliveries_send_each_digest_once(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from alerts.channels.chat import send_apprise

    settings = setup(tmp_path, smtp_server, receiver)
    subs = load_subscribers(settings.subscribers_path, settings.mail_to)
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))
    later = datetime.now(UTC) + timedelta(days=2)
    # Run A holds the webhook message between claiming it and posting it while run B
    # routes, composes and delivers everything; then A goes on.
    a_is_sending, b_is_done = threading.Event(), threading.Event()

    def held(url: str, title: str, body: str) -> None:
        a_is_sending.set()
        assert b_is_done.wait(timeout=60), "run B never finished"
        send_apprise(url, title, body)

    def run_b() -> int:
        assert a_is_sending.wait(timeout=60), "run A never started sending"
        try:
            return deliver_to_subscribers(engine, settings, subs, now=later).sent
        finally:
            b_is_done.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(deliver_to_subscribers, engine, settings, subs, now=later, notify=held)
        b = pool.submit(run_b)
        sent = a.result().sent + b.result()
    assert sent == 2
    assert len(smtp_server.inbox) == 1 and len(receiver.posts) == 1
    with open_session(engine) as session:
        assert sorted(a.status for a in store.list_alerts(session=session)) == ["sent", "sent"]

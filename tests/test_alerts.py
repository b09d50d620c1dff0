"""The outbox and the digest, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from alerts.outbox import deliver_pending, outbox_summary, requeue_failed
from guidewatch.changes import record_event
from guidewatch.cycle import CheckResult
from storage import changes as store
from storage.db import open_session
from tests.support.changes import (
    NICE_V1,
    Keeper,
    LinesExtractor,
    nice_replace,
    settings_for,
    smtp_env,
    spec,
)
from tests.support.ports import free_port
from tests.support.smtp import SmtpServer, smtp_auth_server, smtp_server

__all__ = ["smtp_server", "smtp_auth_server"]  # fixtures used by name below


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    return plain.get_content(), rich.get_content()


def test_one_wording_change_gives_one_digest_naming_the_recommendation(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    assert deliver_pending(engine, settings).sent == 0  # a first version is not a change
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))

    report = deliver_pending(engine, settings)
    assert (report.sent, report.pending, report.failed) == (1, 0, 0)
    assert len(smtp_server.inbox) == 1
    received = smtp_server.inbox[0]
    assert received.recipients == ["alice@example.org"]
    message = received.message
    assert message["Subject"] == (
        'NICE NG206 1.11.14: prohibition narrowed: "as a treatment or cure" → "as a cure"'
    )
    assert message["Message-ID"] == report.sent_message_ids[0]
    plain, rich = _parts(message)
    assert "as a treatment or cure" in plain and "as a cure" in plain
    assert "https://www.example.org/nice-ng206-recommendations" in plain
    assert "guidewatch show nice-ng206-recommendations --version 2" in plain
    assert "version 1 (first seen" in plain and "→ version 2" in plain
    assert plain.index("Was:") < plain.index("Section:")  # changed sentences first
    assert "<del" in rich and ">treatment or </del>" in rich
    assert "text-decoration:line-through" in rich

    # A rerun sends nothing new.
    again = deliver_pending(engine, settings)
    assert (again.sent, again.created) == (0, 0)
    assert len(smtp_server.inbox) == 1


def test_lightning_process_polarity_flip_is_flagged(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(
        nice_replace(
            (
                "Do not offer the Lightning Process, or therapies based on it,",
                "Offer the Lightning Process, or therapies based on it,",
            )
        )
    )
    deliver_pending(sqlite_engine, settings)
    [received] = smtp_server.inbox
    subject = received.message["Subject"]
    assert subject.startswith("NICE NG206 1.12.27:") and "reversed" in subject
    plain, rich = _parts(received.message)
    assert "flipped its negation" in plain
    assert "Lightning Process" in rich


def test_mass_rename_and_status_noise_send_nothing(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(NICE_V1.replace("CFS/ME", "ME/CFS"))
    govuk = Keeper(sqlite_engine, spec("dhsc", "DHSC: plan", ignore=("govuk",)), settings)
    page = "## summary | Summary\nClosed consultation\nUpdated 21 May 2024\nPacing is key.\n"
    govuk.keep(page)
    govuk.keep(
        page.replace("Closed consultation", "Consultation outcome").replace("21 May", "3 June")
    )
    report = deliver_pending(sqlite_engine, settings)
    assert (report.created, report.sent) == (0, 0)
    assert smtp_server.inbox == []


def test_smtp_down_stays_pending_then_goes_out_exactly_once(engine: Engine, tmp_path: Path) -> None:
    server = SmtpServer(port=free_port())  # not started: connections are refused
    settings = settings_for(tmp_path, **smtp_env(server.port))
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))

    down = deliver_pending(engine, settings)
    assert (down.created, down.sent, down.pending) == (1, 0, 1)
    assert down.errors and "refused" in down.errors[0].lower()
    with open_session(engine) as session:
        [alert] = store.list_alerts(session=session)
    assert (alert.status, alert.attempts) == ("pending", 1)
    assert alert.last_error
    message_id = alert.message_id

    server.start()
    try:
        up = deliver_pending(engine, settings)
        assert (up.created, up.sent, up.pending) == (0, 1, 0)
        assert [r.message["Message-ID"] for r in server.inbox] == [message_id]
        assert deliver_pending(engine, settings).sent == 0
        assert len(server.inbox) == 1
        assert outbox_summary(engine)["sent"] == 1
    finally:
        server.stop()


def test_page_text_with_html_tags_arrives_escaped(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(
        nice_replace(
            (
                "as a treatment or cure for CFS/ME",
                'as a <script>alert("cure")</script> & <b>treatment</b> for CFS/ME',
            )
        )
    )
    deliver_pending(sqlite_engine, settings)
    [received] = smtp_server.inbox
    plain, rich = _parts(received.message)
    assert "<script>" not in rich and "<b>" not in rich
    assert "&lt;script&gt;" in rich and "&lt;b&gt;" in rich and "&amp;" in rich
    assert '<script>alert("cure")</script>' in plain  # plain text stays as written


def test_digest_groups_by_topic_then_document_with_topic_recipients(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    topics = tmp_path / "topics.toml"
    topics.write_text(
        """
[[topic]]
name = "rehabilitation"
recipients = ["rehab@example.org"]
terms = ["graded exercise therapy (GET)", { name = "treatment or cure", plural = false }]

[[topic]]
name = "brain-training"
terms = [{ name = "Lightning Process", plural = false }]
""",
        encoding="utf-8",
    )
    settings = settings_for(tmp_path, GUIDEWATCH_TOPICS=str(topics), **smtp_env(smtp_server.port))
    recs = Keeper(sqlite_engine, spec(), settings)
    other = Keeper(sqlite_engine, spec("nice-ng206-rationale", "NICE NG206: Rationale"), settings)
    for keeper in (recs, other):
        keeper.keep(NICE_V1)
    recs.keep(
        nice_replace(
            ("as a treatment or cure", "as a cure"),
            ("Do not offer the Lightning Process", "Offer the Lightning Process"),
        )
    )
    other.keep(nice_replace(("graded exercise therapy (GET)", "activity management")))

    report = deliver_pending(sqlite_engine, settings)
    assert report.sent == 2  # one per recipient list, not one per change
    by_rcpt = {tuple(r.recipients): r.message for r in smtp_server.inbox}
    rehab = by_rcpt[("rehab@example.org",)]
    plain, _ = _parts(rehab)
    assert plain.index("NICE NG206: Recommendations") < plain.index("NICE NG206: Rationale")
    assert "and 1 more" in rehab["Subject"]
    brain_plain, _ = _parts(by_rcpt[("alice@example.org",)])
    assert "== Topic: brain-training ==" in brain_plain
    assert "Rationale" not in brain_plain


def test_events_are_mailed_once(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    for _ in range(2):
        fid = keeper.fetch("gone", status=404)
        result = CheckResult(keeper.spec.id, "gone", "HTTP 404", fetch_id=fid)
        record_event(sqlite_engine, keeper.spec, result, threshold=3)
        deliver_pending(sqlite_engine, settings)
    [received] = smtp_server.inbox
    assert received.message["Subject"] == "NICE NG206: Recommendations is gone"
    plain, _ = _parts(received.message)
    assert "HTTP 404" in plain


def test_password_never_reaches_the_database_or_logs(
    sqlite_engine: Engine,
    tmp_path: Path,
    smtp_auth_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = smtp_auth_server.password
    assert password is not None
    env = smtp_env(smtp_auth_server.port) | {"GUIDEWATCH_SMTP_USER": "watcher"}
    wrong = settings_for(tmp_path, **env, GUIDEWATCH_SMTP_PASSWORD=password + "-wrong")
    right = settings_for(tmp_path, **env, GUIDEWATCH_SMTP_PASSWORD=password)
    assert password not in repr(right)
    keeper = Keeper(sqlite_engine, spec(), right)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))

    failed = deliver_pending(sqlite_engine, wrong)
    assert failed.sent == 0 and failed.errors
    sent = deliver_pending(sqlite_engine, right)
    assert sent.sent == 1
    assert smtp_auth_server.logins[-1] == ("watcher", password)

    dump: list[str] = []
    with sqlite_engine.connect() as connection:
        tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        for (name,) in list(tables):
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                dump.append(repr(tuple(row)))
    everything = "\n".join(dump) + caplog.text + "\n".join(failed.errors)
    assert "as a cure" in everything  # the dump really holds the stored records
    assert password not in everything
    assert password + "-wrong" not in everything


def test_permanent_refusals_fail_after_three_attempts_and_can_be_retried(
    sqlite_engine: Engine, tmp_path: Path, smtp_auth_server: SmtpServer
) -> None:
    env = smtp_env(smtp_auth_server.port) | {
        "GUIDEWATCH_SMTP_USER": "watcher",
        "GUIDEWATCH_SMTP_PASSWORD": "not-the-password",
    }
    settings = settings_for(tmp_path, **env)
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    statuses = []
    for _ in range(4):
        report = deliver_pending(sqlite_engine, settings)
        statuses.append((report.pending, report.failed))
    assert statuses == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert requeue_failed(sqlite_engine) == 1
    assert outbox_summary(sqlite_engine)["pending"] == 1


def test_no_smtp_host_keeps_everything_pending(sqlite_engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    keeper = Keeper(sqlite_engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    report = deliver_pending(sqlite_engine, settings)
    assert (report.sent, report.pending) == (0, 1)
    assert "GUIDEWATCH_SMTP_HOST" in report.errors[0]
    with open_session(sqlite_engine) as session:
        [alert] = store.list_alerts(session=session)
    assert alert.attempts == 0 and alert.status == "pending"


def test_renamed_get_section_is_told_as_a_rename_with_the_surviving_wording(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(sqlite_engine, spec("bacme-guide", "BACME: Guide to Therapy"), settings)
    old = (
        "## 4. What is Graded Exercise Therapy? | 4. What is Graded Exercise Therapy?\n"
        "Graded exercise therapy is a structured programme agreed with your therapist.\n"
        "Using an incremental approach, increase your activity by no more than 10-20% a week.\n"
        "## 5. Sleep | 5. Sleep\nKeep a regular sleep routine.\n"
    )
    new = old.replace("Graded Exercise Therapy", "Activity Management").replace(
        "Graded exercise therapy", "Activity management"
    )
    keeper.keep(old)
    keeper.keep(new)
    deliver_pending(sqlite_engine, settings)
    [received] = smtp_server.inbox
    assert received.message["Subject"].endswith(
        '"Graded Exercise Therapy" renamed "Activity Management", the practice wording stays'
    )
    plain, rich = _parts(received.message)
    assert "Wording that stayed:" in plain
    stayed = " ".join(plain.split("Wording that stayed:")[1].split())  # the text is wrapped
    assert "no more than 10-20% a week" in stayed
    assert "no more than 10-20% a week" in rich


def test_a_version_that_cannot_be_compared_is_mailed_with_the_replay_command(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    class Broken(LinesExtractor):
        def extract(self, spec, fetched):  # type: ignore[no-untyped-def]
            if b"as a treatment or cure" in fetched.body:  # only the first version's page
                raise RuntimeError("extractor bug")
            return super().extract(spec, fetched)

    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    keeper = Keeper(engine, spec(), settings, extractor=LinesExtractor(version="lines-1"))
    keeper.keep(NICE_V1)
    keeper.extractor = Broken(version="lines-2")
    version = keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    assert version is not None and version.number == 2  # the evidence is kept

    # The hook running again for the same version (a retried transaction) queues nothing more.
    after_version, _ = keeper.hooks()
    from storage import version_store

    with open_session(engine) as session:
        v1 = version_store.list_versions(session=session, document_id=keeper.spec.id)[0]
        after_version(session, keeper.spec, v1, version)
        session.commit()

    report = deliver_pending(engine, settings)
    assert report.sent == 1
    [received] = smtp_server.inbox
    assert received.message["Subject"] == (
        "NICE NG206: Recommendations changed but guidewatch could not compare it"
    )
    plain, rich = _parts(received.message)
    flat = " ".join(plain.split())
    assert "guidewatch replay nice-ng206-recommendations" in flat
    assert "version 2" in flat and "extractor bug" in flat
    assert "guidewatch replay nice-ng206-recommendations" in rich
    assert deliver_pending(engine, settings).sent == 0

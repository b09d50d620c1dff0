"""The diff, changes, alerts, replay and test-email commands on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from alerts.outbox import deliver_pending
from guidewatch.cli import main
from guidewatch.settings import Settings
from storage.changes import Alert, AlertItem, ChangeRow
from storage.db import make_engine, migrate, open_session
from tests.support.changes import (
    NICE_V1,
    Keeper,
    LinesExtractor,
    nice_replace,
    settings_for,
    smtp_env,
    spec,
)
from tests.support.cli import Cli
from tests.support.smtp import SmtpServer, smtp_server
from tests.support.sources import write_sources

__all__ = ["smtp_server"]


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A database holding two versions of the NICE page, and the environment pointing at it."""
    sources = write_sources(tmp_path)
    env = {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_MAIL_TO": "alice@example.org",
        "GUIDEWATCH_SMTP_SECURITY": "none",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = settings_for(tmp_path, GUIDEWATCH_SOURCES=str(sources))
    engine = make_engine(settings.database_url)
    migrate(engine)
    # Stored as the real NICE extractor's output, so no re-extraction is needed.
    extractor = LinesExtractor(kind="nice-chapter", version="nice-1")
    keeper = Keeper(engine, spec(kind="nice-chapter"), settings, extractor=extractor)
    keeper.keep(NICE_V1)
    keeper.keep(
        nice_replace(
            ("as a treatment or cure", "as a cure"),
            ("personalised sleep management advice", "sleep hygiene leaflets"),
        )
    )
    engine.dispose()
    return settings


def _counts(settings: Settings) -> tuple[int, int, int]:
    engine = make_engine(settings.database_url)
    with open_session(engine) as session:
        counts = tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (ChangeRow, AlertItem, Alert)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def test_diff_by_section_plain_and_coloured(
    stored: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    data = Cli(capsys).ok_json("diff", "nice-ng206-recommendations")
    assert isinstance(data, dict)
    assert [c["section_key"] for c in data["changes"]] == ["1.11.14", "1.12.28"]
    assert (data["from"]["version"], data["to"]["version"]) == (1, 2)

    assert main(["diff", "nice-ng206-recommendations"]) == 0
    plain = capsys.readouterr().out
    assert "[-treatment or -]" in plain and "\x1b[" not in plain  # not a TTY: no ANSI
    assert "[1.11.14]" in plain and "rehabilitation" in plain

    assert main(["diff", "nice-ng206-recommendations", "--from", "1", "--color", "always"]) == 0
    assert "\x1b[31;9mtreatment or \x1b[0m" in capsys.readouterr().out

    assert main(["diff", "nice-ng206-recommendations", "--to", "7"]) == 2
    assert "no version 7" in capsys.readouterr().err


def test_changes_lists_on_topic_by_default(
    stored: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    on_topic = Cli(capsys).ok_json("changes")
    assert isinstance(on_topic, list)
    assert [(c["section_key"], c["to_version"]) for c in on_topic] == [("1.11.14", 2)]
    assert on_topic[0]["from_first_seen_at"] and on_topic[0]["to_first_seen_at"]
    every = Cli(capsys).ok_json("changes", "--all")
    assert isinstance(every, list) and len(every) == 2
    assert Cli(capsys).ok_json("changes", "--topic", "brain-training") == []
    assert Cli(capsys).ok_json("changes", "--since", "2999-01-01", "--all") == []
    assert main(["changes", "--document", "nice-ng206-recommendations"]) == 0
    assert "1.11.14" in capsys.readouterr().out


def test_replay_prints_what_would_be_alerted_and_writes_nothing(
    stored: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts(stored)
    data = Cli(capsys).ok_json("replay", "nice-ng206-recommendations")
    assert isinstance(data, dict)
    [step] = data["steps"]
    assert [c["section_key"] for c in step["would_alert"]] == ["1.11.14"]
    assert step["other_changes"] == 1
    assert main(["replay", "nice-ng206-recommendations"]) == 0
    assert "1 change(s) would be alerted" in capsys.readouterr().out
    assert _counts(stored) == before


def test_alerts_shows_the_outbox(
    stored: Settings, capsys: pytest.CaptureFixture[str], smtp_server: SmtpServer
) -> None:
    data = Cli(capsys).ok_json("alerts")
    assert isinstance(data, dict)
    assert data["counts"]["queued_items"] == 2 and data["alerts"] == []
    engine = make_engine(stored.database_url)
    settings = settings_for(Path(stored.data_dir).parent, **smtp_env(smtp_server.port))
    assert deliver_pending(engine, settings).sent == 1
    engine.dispose()
    data = Cli(capsys).ok_json("alerts", "--status", "sent")
    assert isinstance(data, dict)
    [alert] = data["alerts"]
    assert alert["status"] == "sent" and "1.11.14" in alert["subject"]
    assert main(["alerts"]) == 0
    assert "0 pending, 1 sent, 0 failed" in capsys.readouterr().out


def test_test_email_sends_one_sample(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smtp_server: SmtpServer,
) -> None:
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(tmp_path / "data"))
    for name, value in smtp_env(smtp_server.port).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GUIDEWATCH_SMTP_SECURITY", "none")
    assert main(["test-email"]) == 2
    assert "GUIDEWATCH_MAIL_TO" in capsys.readouterr().err
    data = Cli(capsys).ok_json("test-email", "--to", "bob@example.org")
    assert isinstance(data, dict) and data["sent"] is True
    [received] = smtp_server.inbox
    assert received.recipients == ["bob@example.org"]
    assert received.message["Subject"].startswith("[guidewatch test] NICE NG206 1.11.14")
    assert received.message["Message-ID"] == data["message_id"]
    assert not (tmp_path / "data").exists()  # sending a sample touches no database


@pytest.mark.parametrize("argv", [[], ["--from", "1"], ["--to", "1"]])
def test_diff_without_stored_versions_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    sources = write_sources(tmp_path)
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEWATCH_SOURCES", str(sources))
    engine = make_engine(settings_for(tmp_path).database_url)
    migrate(engine)
    engine.dispose()
    assert main(["diff", "nice-ng206-recommendations", *argv]) == 2
    err = capsys.readouterr().err
    assert "has no stored version yet" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_changes_prints_each_change_by_its_statement_and_id_shows_one_in_full(
    stored: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["changes"]) == 0
    out = capsys.readouterr().out
    line = 'prohibition narrowed: "as a treatment or cure" → "as a cure"'
    assert out.splitlines()[0] == line
    [change] = Cli(capsys).ok_json("changes")
    assert change["statement"] == line
    assert main(["changes", "--id", str(change["id"])]) == 0
    full = capsys.readouterr().out
    assert full.splitlines()[0] == line
    assert (
        "[-treatment or -]cure" in full and "in the list: Do not offer people with CFS/ME:" in full
    )
    assert main(["changes", "--id", "999"]) == 2
    assert "no recorded change 999" in capsys.readouterr().err
    assert main(["replay", "nice-ng206-recommendations"]) == 0
    assert line in capsys.readouterr().out  # replay reads stored history with today's rules

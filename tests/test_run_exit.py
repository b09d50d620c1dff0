"""`guidewatch run` says what waits in the outbox and exits 3 when it could not deliver it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from guidewatch.settings import load_settings
from storage.changes import Alert
from storage.db import make_engine
from tests.support.cli import Cli
from tests.support.ports import free_port
from tests.support.site import FixtureSite
from tests.support.smtp import SmtpServer
from tests.support.world import NICE_PATH, html, rewrites

NICE = "nice-ng206-recommendations"


@pytest.fixture
def cli(
    site: FixtureSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    env = {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_SMTP_SECURITY": "none",
        "GUIDEWATCH_SMTP_HOST": "127.0.0.1",
        "GUIDEWATCH_SMTP_PORT": str(free_port()),  # nothing listens: the server is down
        "GUIDEWATCH_MAIL_TO": "watcher@example.org",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return Cli(capsys)


def test_undelivered_alerts_exit_3_and_a_message_sending_is_shown(
    cli: Cli, site: FixtureSite, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    status, out, err = cli.run("run", "--document", NICE)
    assert status == 0, out + err
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    status, out, err = cli.run("run", "--document", NICE)
    assert status == 3, out + err
    assert "alerts: 0 sent, 1 pending" in out

    # A run that claimed the message died before marking it sent: it is `sending` now.
    engine = make_engine(load_settings().database_url)
    with engine.begin() as connection:
        connection.execute(
            update(Alert).where(col(Alert.status) == "pending").values(status="sending")
        )
    engine.dispose()
    monkeypatch.setenv("GUIDEWATCH_SMTP_PORT", str(smtp_server.port))
    status, out, err = cli.run("run", "--document", NICE)
    assert status == 3, out + err
    assert "0 pending, 1 sending" in out
    status, data = cli.json("run", "--document", NICE)
    assert status == 3 and data["alerts"]["waiting"]["sending"] == 1 and data["exit_code"] == 3


def test_delivered_alerts_exit_0(
    cli: Cli, site: FixtureSite, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUIDEWATCH_SMTP_PORT", str(smtp_server.port))
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    assert cli.run("run", "--document", NICE)[0] == 0
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    status, out, err = cli.run("run", "--document", NICE)
    assert status == 0, out + err
    assert "alerts: 1 sent, 0 pending" in out
    assert len(smtp_server.messages()) == 1

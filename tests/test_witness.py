"""The witness: with GUIDEWATCH_ARCHIVE=on each new version is captured by the archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import make_engine, open_session
from storage.models import Version
from tests.support.archive import ArchiveSite
from tests.support.cli import Cli
from tests.support.site import FixtureSite
from tests.support.smtp import SmtpServer
from tests.support.world import NICE_PATH, html, rewrites

NICE = "nice-ng206-recommendations"
NICE_LIVE = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"


@pytest.fixture
def env(
    site: FixtureSite,
    archive_site: ArchiveSite,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """Live mirror, loopback archive with the witness on, loopback mail."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": f"{rewrites(site)};https://web.archive.org={archive_site.base_url}",
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
        "GUIDEWATCH_ARCHIVE": "on",
        "GUIDEWATCH_ARCHIVE_SEARCH_RATE": "0",
        "GUIDEWATCH_ARCHIVE_MEMENTO_RATE": "0",
        "GUIDEWATCH_SMTP_HOST": "127.0.0.1",
        "GUIDEWATCH_SMTP_PORT": str(smtp_server.port),
        "GUIDEWATCH_SMTP_SECURITY": "none",
        "GUIDEWATCH_MAIL_TO": "reader@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    return tmp_path / "data"


def versions(env: Path) -> list[Version]:
    engine = make_engine(f"sqlite:///{env / 'guidewatch.db'}")
    with open_session(engine) as session:
        rows = list(session.exec(select(Version).order_by(Version.number)))  # type: ignore[arg-type]
    engine.dispose()
    return rows


def test_each_new_version_is_witnessed_once_and_shown_in_the_alert(
    env: Path,
    site: FixtureSite,
    archive_site: ArchiveSite,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    cli = Cli(capsys)
    assert cli.run("run", "--document", NICE)[0] == 0
    [first] = versions(env)
    assert archive_site.archive.saved == [NICE_LIVE]
    assert first.witness_url and first.witness_url.startswith("https://web.archive.org/web/")
    assert first.witness_url.endswith(f"/{NICE_LIVE}") and first.witness_attempts == 1

    assert cli.run("run", "--document", NICE)[0] == 0  # unchanged: not asked again
    assert archive_site.archive.saved == [NICE_LIVE]

    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    assert cli.run("run", "--document", NICE)[0] == 0
    second = versions(env)[1]
    assert archive_site.archive.saved == [NICE_LIVE, NICE_LIVE] and second.witness_url
    [message] = smtp_server.messages()
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"archived copy: {second.witness_url}" in " ".join(text.split())

    shown = cli.ok_json("show", NICE, "--version", "2")
    assert shown["witness_url"] == second.witness_url
    out = tmp_path / "v2.zip"
    assert cli.run("evidence", NICE, "--version", "2", "--out", str(out))[0] == 0
    with zipfile.ZipFile(out) as pack:
        readme = next(n for n in pack.namelist() if n.endswith("README.txt"))
        assert f"archived copy: {second.witness_url}" in pack.read(readme).decode()


def test_a_failed_witness_is_retried_on_the_next_run_and_blocks_nothing(
    env: Path, archive_site: ArchiveSite, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_site.archive.save_failures = 1
    cli = Cli(capsys)
    status, out, _ = cli.run("run", "--document", NICE)
    assert status == 0, out
    [version] = versions(env)
    assert version.witness_url is None and "503" in (version.witness_error or "")
    assert cli.run("run", "--document", NICE)[0] == 0
    [version] = versions(env)
    assert version.witness_url and version.witness_error is None
    assert version.witness_attempts == 2


def test_with_keys_save_page_now_is_asked_through_its_api(
    env: Path,
    archive_site: ArchiveSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GUIDEWATCH_ARCHIVE_ACCESS_KEY", "access")
    monkeypatch.setenv("GUIDEWATCH_ARCHIVE_SECRET_KEY", "secret")
    assert Cli(capsys).run("run", "--document", NICE)[0] == 0
    assert archive_site.archive.authorizations == ["LOW access:secret"]
    [version] = versions(env)
    assert version.witness_url and version.witness_url.endswith(f"/{NICE_LIVE}")


def test_off_by_default(
    env: Path,
    archive_site: ArchiveSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GUIDEWATCH_ARCHIVE")
    assert Cli(capsys).run("run", "--document", NICE)[0] == 0
    assert archive_site.archive.saved == [] and versions(env)[0].witness_url is None

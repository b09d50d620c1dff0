"""History from the loopback archive: backfill, live cycles after it, resume, idempotence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from storage import fetch_log
from storage.changes import AlertItem, ChangeRow
from storage.db import make_engine, open_session
from storage.models import Fetch, Version
from tests.support.archive import ArchiveSite
from tests.support.cli import Cli
from tests.support.site import FixtureSite
from tests.support.smtp import SmtpServer
from tests.support.world import FIXTURES, NICE_PATH, html, rewrites

NICE = "nice-ng206-recommendations"
NICE_LIVE = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
OLD = (FIXTURES / "nice/ng206-recommendations-v2-cure.html").read_bytes()
NOW = (FIXTURES / "nice/ng206-recommendations-v1.html").read_bytes()


@pytest.fixture
def env(
    site: FixtureSite,
    archive_site: ArchiveSite,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The live mirror serves today's NICE page; the archive holds its past (both databases)."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_DATABASE_URL": database_url,
        "GUIDEWATCH_REWRITE": f"{rewrites(site)};https://web.archive.org={archive_site.base_url}",
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
        "GUIDEWATCH_ARCHIVE_SEARCH_RATE": "0",
        "GUIDEWATCH_ARCHIVE_MEMENTO_RATE": "0",
        "GUIDEWATCH_ARCHIVE_RETRIES": "1",
    }.items():
        monkeypatch.setenv(name, value)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    archive = archive_site.archive
    archive.add(NICE_LIVE, "20211101093000", OLD)
    archive.add(NICE_LIVE, "20220301120000", OLD)  # the same bytes: collapsed by digest
    archive.add(NICE_LIVE, "20220601000000", status=301, location=NICE_LIVE + "/")
    archive.add(NICE_LIVE, "20230101000000", b"Not found", status=404, mimetype="text/plain")
    archive.add(NICE_LIVE, "20230301000000", OLD)
    archive.add(NICE_LIVE, "20240105000000", NOW)
    archive.add(NICE_LIVE, "20250105000000", NOW)  # the same digest again
    return database_url


def rows(env: str) -> tuple[list[Version], list[Fetch], list[ChangeRow], list[AlertItem]]:
    engine = make_engine(env)
    with open_session(engine) as session:
        versions = list(session.exec(select(Version).order_by(Version.number)))  # type: ignore[arg-type]
        fetches = list(session.exec(select(Fetch).order_by(Fetch.started_at)))  # type: ignore[arg-type]
        changes = list(session.exec(select(ChangeRow)))
        items = list(session.exec(select(AlertItem)))
    engine.dispose()
    return versions, fetches, changes, items


def test_backfill_then_live_cycles(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(capsys)
    status, out, err = cli.run("backfill", "--document", NICE)
    assert status == 0, (out, err)
    assert "7 capture(s) listed" in out
    assert "renumbered" not in out  # nothing was stored before: no number moved
    versions, fetches, changes, items = rows(env)
    # OLD (2021, again in 2023 after a redirect and a 404) and NOW (2024): two versions.
    assert [v.number for v in versions] == [1, 2]
    assert [v.first_seen_at.year for v in versions] == [2021, 2024]
    assert versions[0].last_seen_at.year == 2023 and versions[1].last_seen_at.year == 2025
    assert {v.provenance for v in versions} == {"archive"}
    assert versions[0].archive_url == f"{env_archive(fetches)}/web/20211101093000/{NICE_LIVE}"
    outcomes = [(f.started_at.year, f.outcome) for f in fetches]
    assert outcomes == [
        (2021, "new_version"),
        (2022, "unchanged"),  # the same digest: no memento asked, the version confirmed
        (2022, "failed"),  # the captured redirect
        (2023, "gone"),  # the captured 404
        (2023, "unchanged"),
        (2024, "new_version"),
        (2025, "unchanged"),
    ]
    assert all(fetch_log.provenance(f) == "archive" and f.archive_digest for f in fetches)
    assert "redirect (301)" in (fetches[2].error or "")
    assert fetches[1].body_sha256 == fetches[0].body_sha256
    assert changes, "changes between archived versions are recorded"
    # One summary for the whole backfill, never one message per change.
    assert [i.kind for i in items] == ["backfill"]

    status, out, err = cli.run("run", "--document", NICE)
    assert status == 0, (out, err)
    assert "unchanged (version 2)" in out  # today's page is the last archived wording
    versions, fetches, _, items = rows(env)
    assert len(versions) == 2 and fetch_log.provenance(fetches[-1]) == "live"
    assert [i.kind for i in items] == ["backfill"]


def env_archive(fetches: list[Fetch]) -> str:
    address = fetches[0].archive_url or ""
    return address.split("/web/")[0]


def test_second_backfill_adds_nothing(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(capsys)
    assert cli.run("backfill", "--document", NICE)[0] == 0
    before = rows(env)
    status, data = cli.json("backfill", "--document", NICE)
    assert status == 0
    assert data["documents"][0]["already_stored"] == 7
    assert data["documents"][0]["to_fetch"] == 0
    assert data["requests"]["mementos"] == 0
    after = rows(env)
    assert [len(x) for x in after] == [len(x) for x in before]


def test_dry_run_stores_nothing(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = Cli(capsys).json("backfill", "--dry-run")
    assert status == 0
    nice = next(d for d in data["documents"] if d["document"] == NICE)
    assert nice["to_fetch"] == 7 and data["requests"]["mementos"] == 0
    assert nice["mementos"] == 2  # one per distinct body: OLD and NOW
    assert not data["stored"]
    versions, fetches, _, _ = rows(env)
    assert versions == [] and fetches == []


def test_interrupted_backfill_resumes(
    env: str, archive_site: ArchiveSite, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    archive_site.archive.fail_after = 1  # the second memento answers 503
    status, out, _ = cli.run("backfill", "--document", NICE)
    assert status == 1 and "run the backfill again" in out
    partial, _, _, _ = rows(env)
    # Newest first: NOW (2025, and 2024 with the same digest) was stored, then OLD (2023)
    # met the failing archive.
    assert [v.first_seen_at.year for v in partial] == [2024]
    archive_site.archive.fail_after = None
    status, out, _ = cli.run("backfill", "--document", NICE)
    assert status == 0, out
    versions, fetches, changes, items = rows(env)
    assert [v.first_seen_at.year for v in versions] == [2021, 2024]
    assert [f.outcome for f in fetches] == [
        "new_version",
        "unchanged",
        "failed",
        "gone",
        "unchanged",
        "new_version",
        "unchanged",
    ]
    assert len({f.archive_url for f in fetches}) == 7
    assert changes


def test_backfill_after_live_sorts_before_it(
    env: str, site: FixtureSite, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-polarity.html"))
    assert cli.run("run", "--document", NICE)[0] == 0
    status, out, _ = cli.run("backfill", "--document", NICE)
    assert status == 0, out
    assert "renumbered: each number moved up by 2" in out
    history = cli.ok_json("history", NICE)
    assert [v["provenance"] for v in history] == ["archive", "archive", "live"]
    assert [v["version"] for v in history] == [1, 2, 3]
    # Before the first live fetch, show --at answers from the archive, with its address.
    shown = cli.ok_json("show", NICE, "--at", "2022-01-15")
    assert shown["version"] == 1 and shown["provenance"] == "archive"
    assert shown["archive_url"].endswith(f"/web/20211101093000/{NICE_LIVE}")
    _, text, _ = cli.run("show", NICE, "--at", "2022-01-15")
    assert "archive capture" in text and "/web/20211101093000/" in text
    versions, _, changes, _ = rows(env)
    assert any(c.to_version_id == versions[2].id for c in changes)  # archive → live


def test_a_narrow_window_then_a_wider_one(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(capsys)
    assert cli.run("backfill", "--document", NICE, "--from", "2024", "--quiet")[0] == 0
    versions, fetches, _, _ = rows(env)
    assert [v.first_seen_at.year for v in versions] == [2024] and len(fetches) == 2
    status, data = cli.json("backfill", "--document", NICE, "--quiet")
    assert status == 0 and data["documents"][0]["already_stored"] == 2
    versions, fetches, changes, items = rows(env)
    assert [v.first_seen_at.year for v in versions] == [2021, 2024]
    assert len(fetches) == 7 and changes and items == []  # --quiet: no summary


def test_one_summary_message_per_backfill(
    env: str,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUIDEWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GUIDEWATCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("GUIDEWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("GUIDEWATCH_MAIL_TO", "reader@example.org")
    status, out, _ = Cli(capsys).run("backfill", "--document", NICE)
    assert status == 0, out
    [message] = smtp_server.messages()
    assert "imported from the Wayback Machine" in message["Subject"]
    text = " ".join(message.get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    assert "between 2021 and today" in text and "guidewatch changes --since" in text


def test_the_estimate_counts_requests_at_the_archive_rates() -> None:
    from guidewatch.cmd_backfill import Estimate

    estimate = Estimate(
        searches=4, mementos=120, bytes=3_000_000, search_rate=0.8, memento_rate=8.0
    )
    assert estimate.seconds == 4 / 0.8 + 120 / 8  # 5 + 15 s
    assert "4 search(es) at 0.8/s + 120 memento(s) at 8/s = at least 20 s" in estimate.render()


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    import io
    from datetime import UTC, datetime

    from guidewatch.cmd_backfill import Meter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    when = datetime(2021, 11, 1, tzinfo=UTC)
    screen, log = Terminal(), io.StringIO()
    for out in (screen, log):
        meter = Meter(2, out)
        meter.step(NICE, when)
        meter.step(NICE, when)
        meter.close()
    assert (
        "\r[" in screen.getvalue() and "2/2" in screen.getvalue() and "s left" in screen.getvalue()
    )
    assert log.getvalue().splitlines() == [f"1/2 {NICE} 2021-11-01", f"2/2 {NICE} 2021-11-01"]


def test_an_unreachable_archive_stops_at_the_first_document(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.ports import free_port

    live_rules = os.environ["GUIDEWATCH_REWRITE"].rsplit(";", 1)[0]
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("GUIDEWATCH_REWRITE", f"{live_rules};https://web.archive.org={dead}")
    monkeypatch.setenv("GUIDEWATCH_ARCHIVE_RETRIES", "0")
    status, data = Cli(capsys).json("backfill")
    assert status == 1 and len(data["documents"]) == 1
    assert "connection refused" in data["documents"][0]["error"]
    assert rows(env) == ([], [], [], [])

"""Backfill of discovered PDFs: index-page captures say which file was linked when."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import make_engine, open_session
from storage.models import Fetch, Version
from tests.support.archive import (
    GUIDE_2020,
    GUIDE_2022,
    GUIDE_2025,
    ArchiveSite,
    load_fixture_captures,
)
from tests.support.cli import Cli

GUIDE = "bacme-guide-to-therapy"


@pytest.fixture
def env(archive_site: ArchiveSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped sources, the loopback archive holding the fixture captures."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("GUIDEWATCH_SOURCES", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_CONTACT": "tests@example.org",
        "GUIDEWATCH_ARCHIVE_URL": archive_site.base_url,
        "GUIDEWATCH_ARCHIVE_SEARCH_RATE": "0",
        "GUIDEWATCH_ARCHIVE_MEMENTO_RATE": "0",
    }.items():
        monkeypatch.setenv(name, value)
    load_fixture_captures(archive_site.archive)
    return tmp_path / "data"


def stored(env: Path, document_id: str) -> tuple[list[Version], list[Fetch]]:
    engine = make_engine(f"sqlite:///{env / 'guidewatch.db'}")
    with open_session(engine) as session:
        versions = list(
            session.exec(
                select(Version).where(Version.document_id == document_id).order_by(Version.number)  # type: ignore[arg-type]
            )
        )
        fetches = list(
            session.exec(
                select(Fetch).where(Fetch.document_id == document_id).order_by(Fetch.started_at)  # type: ignore[arg-type]
            )
        )
    engine.dispose()
    return versions, fetches


def test_each_edition_while_it_was_linked(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = Cli(capsys).run("backfill", "--document", GUIDE)
    assert status == 0, (out, err)
    versions, fetches = stored(env, GUIDE)
    # 2020: only the prefix search over the upload folder knew it; 2022 and 2025: linked.
    assert [(v.url, v.first_seen_at.year) for v in versions] == [
        (GUIDE_2020, 2020),
        (GUIDE_2022, 2022),
        (GUIDE_2025, 2025),
    ]
    assert versions[1].last_seen_at.year == 2024
    # The 2022 file captured again in June 2025, when the index linked the 2025 one: left out.
    assert [f.started_at.strftime("%Y-%m") for f in fetches] == [
        "2020-10",
        "2022-12",
        "2024-01",
        "2025-04",
    ]
    cli = Cli(capsys)
    hits = cli.ok_json("search", "Edition of 2025", "--first")
    assert hits[0]["first_version"] == 3 and hits[0]["first_seen_in"].endswith(GUIDE_2025)


def test_a_capture_the_archive_refuses_is_a_fetch_row(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = Cli(capsys).run("backfill", "--document", "bhc-clinical-care-guide-page")
    assert status == 0, out
    versions, fetches = stored(env, "bhc-clinical-care-guide-page")
    assert versions == []
    [row] = fetches
    assert row.outcome == "failed" and row.status == 403 and "refuses" in (row.error or "")


def test_backfill_of_every_shipped_document_then_search_first(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    status, data = cli.json("backfill", "--quiet")
    assert status == 0, data
    listed = {d["document"]: d["captures"] for d in data["documents"]}
    assert listed["nice-ng206-recommendations"] == 6 and listed["nice-ng206-context"] == 0
    # GOV.UK documents are read from the archive's captures of the Content API.
    assert listed["dhsc-final-delivery-plan"] == 1
    versions, _ = stored(env, "dhsc-final-delivery-plan")
    assert len(versions) == 1 and versions[0].extractor == "govuk"
    hits = cli.ok_json("search", "as a cure", "--first")
    assert hits[0]["document"] == "nice-ng206-recommendations"
    assert hits[0]["first_seen_at"].startswith("2021-11-01")
    assert "/web/20211101093000/" in hits[0]["first_seen_in"]


def test_every_view_says_where_a_version_was_first_seen(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    nice = "nice-ng206-recommendations"
    assert cli.run("backfill", "--document", nice, "--quiet")[0] == 0
    rows = cli.ok_json("timeline", nice)
    assert [r["provenance"] for r in rows] == ["archive", "archive"]
    _, text, _ = cli.run("timeline", nice)
    assert "1 (archive)" in text
    _, text, _ = cli.run("diff", nice)
    assert "version 1: first seen in the Wayback Machine's archive capture" in text
    diff = cli.ok_json("diff", nice)
    assert diff["from"]["provenance"] == "archive" and "/web/2021" in diff["from"]["archive_url"]
    _, text, _ = cli.run("fetches", nice)
    assert "archive" in text and "the archive captured a redirect (301)" in text
    pack = tmp_path / "v1.zip"
    assert cli.run("evidence", nice, "--version", "1", "--out", str(pack))[0] == 0
    with zipfile.ZipFile(pack) as zipped:
        names = zipped.namelist()
        readme = zipped.read(next(n for n in names if n.endswith("README.txt"))).decode()
        version = json.loads(zipped.read(next(n for n in names if n.endswith("version.json"))))
    assert "first seen in the Wayback Machine's archive capture" in readme
    assert version["provenance"] == "archive" and "/web/20211101093000/" in version["archive_url"]
    assert cli.run("report", "--out", str(tmp_path / "report"))[0] == 0
    page = (tmp_path / "report" / "documents" / f"{nice}.html").read_text(encoding="utf-8")
    assert "archive capture</a>" in page and "/web/20211101093000/" in page

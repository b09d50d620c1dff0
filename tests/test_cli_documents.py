"""The document commands as a user types them: run, sources, history, show, fetches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from guidewatch.app import UserError, parse_when
from guidewatch.cli import main
from tests.support.cli import Cli
from tests.support.site import FixtureSite, Reply
from tests.support.world import BHC_PAGE_PATH, FIXTURES, NICE_PATH, html, rewrites

NICE = "nice-ng206-recommendations"
BHC = "bhc-clinical-care-guide-page"


@pytest.fixture
def env(site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the command line at a fresh data folder and the loopback mirror."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    return tmp_path / "data"


def test_queries_before_any_run_say_so(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", NICE]) == 2
    assert "run `guidewatch run`" in capsys.readouterr().err
    assert not env.exists()  # a query never creates the database, nor its folder


def test_run_then_query_the_history(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, summary = Cli(capsys).json("run", "--document", NICE, "--document", BHC)
    assert status == 0
    assert isinstance(summary, dict) and summary["ok"] is True
    assert {d["outcome"] for d in summary["documents"]} == {"new_version"}

    status, versions = Cli(capsys).json("history", NICE)
    assert status == 0 and isinstance(versions, list) and versions[0]["version"] == 1

    status, shown = Cli(capsys).json("show", NICE, "--section", "1.12.27")
    assert status == 0 and isinstance(shown, dict)
    assert "Lightning Process" in shown["sections"][0]["text"]

    status, log = Cli(capsys).json("fetches", NICE)
    assert status == 0 and isinstance(log, list)
    assert log[0]["outcome"] == "new_version" and log[0]["status"] == 200
    assert log[0]["version_id"] and log[0]["related"] == {}

    # The fetch behind a date is described exactly as the fetch log describes it.
    today = datetime.now(UTC).date().isoformat()
    status, shown = Cli(capsys).json("show", NICE, "--at", today, "--section", "1.12.27")
    assert status == 0 and isinstance(shown, dict)
    assert shown["confirmed_before"] == log[0] and shown["confirmed_after"] is None

    assert main(["history", NICE]) == 0
    assert "version" in capsys.readouterr().out


def test_show_raw_gives_the_bytes_as_served(
    env: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["run", "--document", NICE]) == 0
    capsysbinary.readouterr()
    assert main(["show", NICE, "--version", "1", "--raw"]) == 0
    served = (FIXTURES / "nice/ng206-recommendations-v1.html").read_bytes()
    assert capsysbinary.readouterr().out == served


def test_failures_are_listed_at_the_end_and_the_exit_status_says_so(
    env: Path, site: FixtureSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.set(NICE_PATH, Reply(status=503, body=b"down"))
    assert main(["run", "--document", NICE, "--document", BHC]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith(f"  {NICE}: server error 503")
    assert f"{BHC}: new version" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "no-such-doc"], "no document 'no-such-doc'"),
        (["show", NICE, "--version", "9"], "has no version 9"),
        (["show", NICE, "--section", "9.9.9"], "no section '9.9.9'"),
        (["show", NICE, "--at", "yesterday"], "is not a date"),
        (["show", NICE, "--at", "2001-01-01"], "had no stored version on 2001-01-01"),
        (["history", BHC], "has no stored version yet"),
        (["run", "--source", "nope"], "unknown source 'nope'"),
    ],
)
def test_mistakes_get_one_clear_line(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["run", "--document", NICE]) == 0
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_sources_option_uses_another_file(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[sources.x]\nname = "X"\n[documents.x-page]\nsource = "x"\ntitle = "X page"\n'
        'kind = "html"\nurl = "https://x.example.org/"\n',
        encoding="utf-8",
    )
    status, listed = Cli(capsys).json("--sources", str(path), "sources")
    assert status == 0 and isinstance(listed, list)
    assert [d["id"] for d in listed] == ["x-page"]
    assert main(["--sources", str(tmp_path / "none.toml"), "sources"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_one_date_parser_for_every_command() -> None:
    start = parse_when("2024-03-01", end_of_day=False)
    end = parse_when("2024-03-01", end_of_day=True)
    assert start == datetime(2024, 3, 1, tzinfo=UTC)
    assert end.date() == start.date() and end - start > timedelta(hours=23, minutes=59, seconds=59)
    moment = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    for end_of_day in (False, True):
        assert parse_when("2024-03-01T10:30", end_of_day=end_of_day) == moment
        assert parse_when("2024-03-01T11:30+01:00", end_of_day=end_of_day) == moment
    with pytest.raises(UserError, match="YYYY-MM-DD or an ISO date-time"):
        parse_when("2024-13-01", end_of_day=False)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("GUIDEWATCH_REWRITE", "https://www.nice.org.uk http://127.0.0.1:9/nice", "OLD=NEW"),
        ("GUIDEWATCH_PAUSE_SECONDS", "five", "GUIDEWATCH_PAUSE_SECONDS='five'"),
        ("GUIDEWATCH_SMTP_PORT", "25x", "GUIDEWATCH_SMTP_PORT='25x'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    said: str,
) -> None:
    monkeypatch.setenv(name, value)
    status, out, err = Cli(capsys).run("sources")
    assert status == 2 and out == ""
    assert err.startswith("guidewatch: ") and len(err.strip().splitlines()) == 1, err
    assert said in err

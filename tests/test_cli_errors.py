"""Bad numbers, bad output paths and long errors: one clear line (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from guidewatch.app import App
from tests.support.cli import Cli
from tests.support.stored import NICE, stored

__all__ = ["stored"]


def one_line_error(cli: Cli, *argv: str) -> str:
    with pytest.raises(SystemExit) as raised:
        cli.run(*argv)
    err = cli.capsys.readouterr().err
    assert raised.value.code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv",
    [
        ("show", NICE, "--version", "99999999999999999999"),
        ("fetches", NICE, "--limit", "99999999999999999999"),
        ("fetches", NICE, "--limit", "0"),
        ("diff", NICE, "--from", "1", "--to", "99999999999999999999"),
        ("alerts", "--limit", "99999999999999999999"),
        ("evidence", NICE, "--version", "3000000000", "--out", "x.zip"),
    ],
)
def test_numbers_the_database_cannot_hold_are_refused(
    argv: tuple[str, ...], stored: App, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(Cli(capsys), *argv)
    assert "out of range (1 to 2147483647)" in err


def test_evidence_out_is_checked_before_writing(
    stored: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    out = tmp_path / "pack.zip"
    cases = {
        str(tmp_path): "is a folder",
        str(tmp_path / "missing" / "pack.zip"): "does not exist",
        "/proc/guidewatch-pack.zip": "could not write",
    }
    for target, words in cases.items():
        status, _, err = cli.run("evidence", NICE, "--out", target)
        assert status == 2 and words in err and len(err.strip().splitlines()) == 1, err
    assert cli.run("evidence", NICE, "--out", str(out))[0] == 0
    before = out.read_bytes()
    status, _, err = cli.run("evidence", NICE, "--out", str(out))
    assert status == 2 and "already exists: add --force" in err
    assert cli.run("evidence", NICE, "--out", str(out), "--force")[0] == 0
    assert out.read_bytes() == before


def test_report_out_refuses_a_folder_with_files_without_force(
    stored: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    site = tmp_path / "site"
    assert cli.run("report", "--out", str(site))[0] == 0
    status, _, err = cli.run("report", "--out", str(site))
    assert status == 2 and "already holds files: add --force" in err
    assert cli.run("report", "--out", str(site), "--force")[0] == 0
    (tmp_path / "file").write_text("x")
    status, _, err = cli.run("report", "--out", str(tmp_path / "file"))
    assert status == 2 and "is a file, not a folder" in err


def test_fetches_shows_a_long_error_whole(stored: App, capsys: pytest.CaptureFixture[str]) -> None:
    long_error = "robots.txt could not be read: " + "x" * 150 + " END-OF-ERROR"
    with stored.writable_engine().begin() as connection:
        connection.execute(text("UPDATE fetches SET error = :e"), {"e": long_error})
    status, out, _ = Cli(capsys).run("fetches", NICE)
    assert status == 0 and "END-OF-ERROR" in out

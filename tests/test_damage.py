"""Damaged stored data is named clearly, never printed silently, and a re-fetch repairs a body."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from guidewatch.app import App
from tests.support.cli import Cli
from tests.support.stored import NICE, check, stored

__all__ = ["stored"]


def sql(app: App, statement: str) -> None:
    with app.writable_engine().begin() as connection:
        connection.execute(text(statement))


def test_a_damaged_body_is_named_with_its_fetch_and_a_refetch_repairs_it(
    stored: App, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    cli = Cli(capsys)
    sql(stored, "UPDATE blobs SET data = X'00010203'")
    for argv in (
        ("show", NICE, "--version", "1", "--raw"),
        ("evidence", NICE, "--version", "1", "--out", str(stored.settings.data_dir / "e.zip")),
    ):
        status, out, err = cli.run(*argv)
        assert status == 2, argv
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert f"raw body of {NICE} version 1" in err
        assert "damaged" in err and "fetch #1 of https://www.nice.org.uk" in err
        assert f"guidewatch run --document {NICE}" in err
    with caplog.at_level(logging.WARNING, logger="guidewatch.storage"):
        assert check(stored) == "unchanged"
    assert "repaired" in caplog.text
    status, out, err = cli.run("show", NICE, "--version", "1", "--raw")
    assert status == 0, err


def test_altered_section_text_is_caught_on_read(
    stored: App, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    assert cli.run("search", "graded exercise therapy")[0] == 0
    sql(stored, "UPDATE section_texts SET text = text || ' Altered.'")
    for argv in (("show", NICE), ("search", "graded exercise therapy")):
        status, out, err = cli.run(*argv)
        assert status == 2, (argv, out)
        assert "no longer match their text SHA-256" in err
        assert out == ""

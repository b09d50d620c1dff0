"""`guidewatch alerts` lists what waits for the next digest: document, the change's one line,
since when and for whom (not only how many)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, spec

CURE = ("as a treatment or cure", "as a cure")
FLIP = (
    "Do not offer the Lightning Process, or therapies based on it,",
    "Offer the Lightning Process, or therapies based on it,",
)


def test_the_items_waiting_for_the_next_digest_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from guidewatch.app import App
    from guidewatch.cli import main

    settings = settings_for(tmp_path)
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GUIDEWATCH_MAIL_TO", "alice@example.org")
    monkeypatch.delenv("GUIDEWATCH_SUBSCRIBERS", raising=False)
    app = App()
    keeper = Keeper(app.writable_engine(), spec(), app.settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE, FLIP))  # queued, not yet delivered

    assert main(["alerts", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    items = shown["waiting_items"]
    assert shown["counts"]["queued_items"] == len(items) >= 2
    lines = [item["line"] for item in items]
    assert any('reversed: "Do not offer the Lightning Process"' in line for line in lines), lines
    assert any('"as a treatment or cure" → "as a cure"' in line for line in lines), lines
    assert {item["document"] for item in items} == {spec().id}
    assert {item["for"] for item in items} >= {"followers of brain-training"}
    assert all(item["since"] for item in items)

    assert main(["alerts"]) == 0
    text = capsys.readouterr().out
    assert f"{len(items)} item(s) waiting for the next digest" in text
    listing = text.split("Waiting for the next digest:")[1]
    assert "since" in listing and "for" in listing.splitlines()[1]
    assert 'reversed: "Do not offer the Lightning Process"' in listing
    assert "followers of brain-training" in listing
    assert spec().id in listing

"""One stored version of NICE NG206, kept by the real cycle from the loopback site."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidewatch.app import App
from guidewatch.cycle import run_cycle
from tests.support.site import FixtureSite, Reply
from tests.support.world import FIXTURES, NICE_PATH, make_app

NICE = "nice-ng206-recommendations"
PAGE = (FIXTURES / "nice/ng206-recommendations-v1.html").read_bytes()


def check(app: App) -> str:
    """Run one cycle of NICE NG206 and return its outcome."""
    specs = app.catalog.select([], [NICE])
    [result] = run_cycle(
        specs, engine=app.writable_engine(), policy=app.policy(), rewrites=app.settings.rewrites
    )
    return result.outcome


@pytest.fixture
def stored(site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    """NG206 version 1, served without validators (a rerun gets the bytes); commands see it."""
    site.set(NICE_PATH, Reply(body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"}))
    app = make_app(site, tmp_path)
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(app.settings.data_dir))
    check(app)
    return app

"""The sniffed content kind gates every extractor: bytes that are not a page never become one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from guidewatch.app import App
from guidewatch.cycle import run_cycle
from guidewatch.settings import load_settings
from storage import version_store
from storage.db import open_session
from tests.support.site import FixtureSite, Reply
from tests.support.world import html, rewrites

PAGE = "/bhc/leaflet/"
SOURCES = """
[sources.bhc]
name = "Bateman Horne Center"
homepage = "https://batemanhornecenter.org"

[documents.bhc-leaflet]
source = "bhc"
title = "A page with no selector"
kind = "html"
url = "https://batemanhornecenter.org/leaflet/"
"""


def app_for(site: FixtureSite, tmp_path: Path) -> App:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    settings = load_settings(
        {
            "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
            "GUIDEWATCH_REWRITE": rewrites(site),
            "GUIDEWATCH_PAUSE_SECONDS": "0",
            "GUIDEWATCH_RETRIES": "0",
            "GUIDEWATCH_SOURCES": str(sources),
        }
    )
    return App(settings=settings)


def check(app: App) -> tuple[str, str, int]:
    specs = app.catalog.select([], [])
    engine = app.writable_engine()
    (result,) = run_cycle(specs, engine=engine, policy=app.policy(), rewrites=app.settings.rewrites)
    with open_session(engine) as session:
        count = len(version_store.list_versions(session=session, document_id="bhc-leaflet"))
    return result.outcome, result.message, count


@pytest.mark.parametrize("with_nul", [True, False], ids=["binary", "no-nul-bytes"])
def test_random_bytes_served_as_html_never_become_a_version(
    with_nul: bool, site: FixtureSite, tmp_path: Path
) -> None:
    rng = random.Random(20)
    low = 0 if with_nul else 1
    body = bytes(rng.randint(low, 255) for _ in range(20_000))
    site.set(PAGE, Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"}))
    app = app_for(site, tmp_path)
    outcome, message, count = check(app)
    assert (outcome, count) == ("suspect", 0), message
    assert "expected an HTML page" in message and "text/html" in message


def test_a_real_page_with_no_selector_is_still_kept(site: FixtureSite, tmp_path: Path) -> None:
    site.set(PAGE, html("pages/bhc-orthostatic-intolerance-v1.html"))
    outcome, message, count = check(app_for(site, tmp_path))
    assert (outcome, count) == ("new_version", 1), message


def test_a_page_nested_100k_deep_is_suspect_in_one_line(
    site: FixtureSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    depth = 100_000
    body = b"<!doctype html><html><body><main>" + b"<div>" * depth + b"deep" + b"</div>" * depth
    site.set(PAGE, Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"}))
    outcome, message, count = check(app_for(site, tmp_path))
    assert (outcome, count) == ("suspect", 0), message
    assert "nests its elements too deeply" in message
    assert "Traceback" not in caplog.text

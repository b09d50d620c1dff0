"""One monitoring cycle end to end over loopback mirrors: versions, last-seen, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row
from sqlmodel import select

from guidewatch.app import App
from guidewatch.cycle import CheckResult, run_cycle
from storage import blobs, fetch_log, repo, version_store
from storage.db import open_session
from storage.models import Version, VersionSection
from tests.support.site import FixtureSite, Reply
from tests.support.world import (
    BHC_PAGE_PATH,
    GOVUK_PLAN,
    GOVUK_PLAN_TEXT,
    NICE_PATH,
    govuk,
    html,
    make_app,
)

ROOT = Path(__file__).parent.parent

NICE = "nice-ng206-recommendations"
BHC = "bhc-clinical-care-guide-page"


def cycle(app: App, *ids: str) -> dict[str, CheckResult]:
    """Run one plain cycle (no compare, no alerts) over the given documents."""
    specs = app.catalog.select([], list(ids))
    results = run_cycle(
        specs, engine=app.writable_engine(), policy=app.policy(), rewrites=app.settings.rewrites
    )
    return {r.document_id: r for r in results}


def versions(app: App, document_id: str) -> list[Version]:
    with open_session(app.engine) as session:
        return version_store.list_versions(session=session, document_id=document_id)


def fetches(app: App, document_id: str) -> list[Row[Any]]:
    with open_session(app.engine) as session:
        return fetch_log.list_fetches(session=session, document_id=document_id)


@pytest.fixture
def app(site: FixtureSite, tmp_path: Path) -> App:
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    return make_app(site, tmp_path)


def test_first_cycle_stores_versions_then_unchanged_moves_last_seen(
    app: App, site: FixtureSite
) -> None:
    first = cycle(app, NICE, BHC)
    assert {r.outcome for r in first.values()} == {"new_version"}
    nice = versions(app, NICE)
    assert len(nice) == 1
    with open_session(app.engine) as session:
        doc = version_store.version_document(session=session, version=nice[0])
    keys = [s.key for s in doc.sections]
    assert "1.11.14" in keys and "1.12.27" in keys
    lightning = next(s for s in doc.sections if s.key == "1.12.27")
    assert "Lightning Process" in lightning.text

    second = cycle(app, NICE, BHC)
    # The mirror answers 304 to the ETag we sent: an unchanged fetch, no new version.
    assert second[NICE].outcome == "not_modified"
    assert site.requests_to(NICE_PATH)[-1].header("If-None-Match")
    after = versions(app, NICE)
    assert len(after) == 1
    assert after[0].last_seen_at > nice[0].last_seen_at
    assert after[0].first_seen_at == nice[0].first_seen_at
    assert [f.outcome for f in fetches(app, NICE)] == ["not_modified", "new_version"]


def test_same_text_in_new_bytes_is_unchanged_and_changed_text_is_one_new_version(
    app: App, site: FixtureSite
) -> None:
    cycle(app, NICE)
    # Only the site's template changed: new bytes, same extracted text.
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-template.html"))
    assert cycle(app, NICE)[NICE].outcome == "unchanged"
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    assert cycle(app, NICE)[NICE].outcome == "new_version"
    assert cycle(app, NICE)[NICE].outcome == "not_modified"
    stored = versions(app, NICE)
    assert [v.number for v in stored] == [1, 2]
    with open_session(app.engine) as session:
        new = version_store.version_document(session=session, version=stored[1])
        raw = blobs.get_blob(session=session, sha=stored[1].body_sha256)
    rec = next(s for s in new.sections if s.key == "1.11.14")
    assert "as a cure" in rec.text and "treatment or cure" not in rec.text
    assert (
        raw
        == (Path(__file__).parent / "fixtures/nice/ng206-recommendations-v2-cure.html").read_bytes()
    )


def test_user_agent_names_the_project_and_contact_and_robots_is_read(
    app: App, site: FixtureSite
) -> None:
    cycle(app, NICE)
    agents = {r.header("User-Agent") for r in site.requests}
    assert agents and all(a and "guidewatch" in a and "tests@example.org" in a for a in agents)
    # The live host's robots.txt, read through the mirror like every other address.
    assert site.requests_to("/nice/robots.txt")


def test_robots_disallow_is_a_clear_per_document_error(app: App, site: FixtureSite) -> None:
    site.set(
        "/nice/robots.txt",
        Reply(
            body=b"User-agent: *\nDisallow: /guidance/\n", headers={"Content-Type": "text/plain"}
        ),
    )
    results = cycle(app, NICE, BHC)
    assert results[NICE].outcome == "failed"
    assert "robots.txt" in results[NICE].message
    assert results[BHC].outcome == "new_version"
    assert not site.requests_to(NICE_PATH)


BAD_REPLIES = {
    "server-error": (Reply(status=500, body=b"oops"), "failed", "500"),
    "not-found": (Reply(status=404, body=b"gone"), "gone", "404"),
    "gone": (Reply(status=410, body=b"gone"), "gone", "410"),
    "captcha": (None, "suspect", "captcha"),
    "empty-chapter": (
        Reply(
            body=b"<html><body><div class='chapter'></div></body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "suspect",
        "",
    ),
    "pdf-instead-of-page": (
        Reply(body=b"%PDF-1.4\n%garbage", headers={"Content-Type": "text/html"}),
        "suspect",
        "",
    ),
    "image-instead-of-page": (
        Reply(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, headers={"Content-Type": "image/png"}),
        "suspect",
        "expected an HTML page at https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
        " but the server sent binary data (image/png)",
    ),
    "json-instead-of-page": (
        Reply(body=b'{"error": "rate limited"}', headers={"Content-Type": "application/json"}),
        "suspect",
        "but the server sent a JSON document (application/json)",
    ),
    "timeout": (Reply(body=b"<html></html>", delay=4), "failed", "timed out"),
    "too-big": (
        Reply(body=b"<html>" + b"x" * 300_000 + b"</html>", headers={"Content-Type": "text/html"}),
        "failed",
        "bytes",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REPLIES))
def test_bad_input_is_recorded_and_the_cycle_goes_on(
    case: str, site: FixtureSite, tmp_path: Path
) -> None:
    reply, outcome, words = BAD_REPLIES[case]
    app = make_app(site, tmp_path, GUIDEWATCH_MAX_BYTES="200000")
    site.set(NICE_PATH, reply if reply is not None else html("nice/captcha.html"))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    results = cycle(app, NICE, BHC)
    assert results[NICE].outcome == outcome, results[NICE].message
    assert words.lower() in results[NICE].message.lower()
    assert results[BHC].outcome == "new_version"
    assert versions(app, NICE) == []
    log = fetches(app, NICE)
    assert len(log) == 1 and log[0].outcome == outcome and log[0].error
    if outcome == "gone":
        with open_session(app.engine) as session:
            stored = repo.get_document(session=session, id=NICE)
            assert stored is not None and stored.gone_at is not None


def test_dead_site_is_a_clear_error(site: FixtureSite, tmp_path: Path) -> None:
    app = make_app(
        site,
        tmp_path,
        GUIDEWATCH_REWRITE=(
            "https://www.nice.org.uk=http://127.0.0.1:9/nice;"
            f"https://batemanhornecenter.org={site.base_url}/bhc"
        ),
    )
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    results = cycle(app, NICE, BHC)
    assert results[NICE].outcome == "failed"
    assert "127.0.0.1" in results[NICE].message
    assert "Traceback" not in results[NICE].message
    assert results[BHC].outcome == "new_version"


def test_shrunk_text_is_suspect_not_a_version(app: App, site: FixtureSite) -> None:
    cycle(app, NICE)
    chapter = (
        "<html><body><div class='chapter' id='ng206_recommendations'>"
        "<h2 class='title'>Recommendations</h2><div class='section'><h3 class='title'>1.1 X</h3>"
        "<div class='recommendation_text' id='ng206_1_1_1'><p class='numbered-paragraph'>"
        "<span class='paragraph-number'>1.1.1 </span>Short.</p></div></div></div></body></html>"
    )
    site.set(NICE_PATH, Reply(body=chapter.encode(), headers={"Content-Type": "text/html"}))
    result = cycle(app, NICE)[NICE]
    assert result.outcome == "suspect" and "shrank" in result.message
    assert len(versions(app, NICE)) == 1
    latest = fetches(app, NICE)[0]
    assert latest.outcome == "suspect" and latest.body_sha256  # the served bytes are kept


def test_the_same_shorter_text_three_times_in_a_row_is_a_real_cut(
    app: App, site: FixtureSite
) -> None:
    cycle(app, NICE)
    short = (
        "<html><body><div class='chapter' id='ng206_recommendations'>"
        "<h2 class='title'>Recommendations</h2><div class='section'><h3 class='title'>1.1 X</h3>"
        "<div class='recommendation_text' id='ng206_1_1_1'><p class='numbered-paragraph'>"
        "<span class='paragraph-number'>1.1.1 </span>{}</p></div></div></div></body></html>"
    )
    served = [
        short.format("Short."),
        short.format("Other."),
        short.format("Other."),
        short.format("Other."),
    ]
    outcomes = []
    for body in served:
        site.set(NICE_PATH, Reply(body=body.encode(), headers={"Content-Type": "text/html"}))
        outcomes.append(cycle(app, NICE)[NICE].outcome)
    # "Other." is served three times in a row: the third time it is accepted as a version.
    assert outcomes == ["suspect", "suspect", "suspect", "new_version"]
    stored = versions(app, NICE)
    assert [v.number for v in stored] == [1, 2]
    with open_session(app.engine) as session:
        assert "Other." in version_store.version_document(session=session, version=stored[1]).text


def test_redirects_are_followed_and_recorded(app: App, site: FixtureSite) -> None:
    site.redirect(NICE_PATH, "/nice/guidance/ng206/chapter/1-recommendations", status=308)
    site.set(
        "/nice/guidance/ng206/chapter/1-recommendations", html("nice/ng206-recommendations-v1.html")
    )
    assert cycle(app, NICE)[NICE].outcome == "new_version"
    row = fetches(app, NICE)[0]
    final = fetch_log.final_url(row)
    assert final and final.endswith("/chapter/1-recommendations")
    assert fetch_log.redirects(row)
    assert row.status == 200


def test_redirect_loop_is_a_clear_error(app: App, site: FixtureSite) -> None:
    site.redirect(NICE_PATH, "/nice/loop")
    site.redirect("/nice/loop", NICE_PATH)
    result = cycle(app, NICE)[NICE]
    assert result.outcome == "failed" and "redirect" in result.message.lower()


def test_every_version_has_its_sections_and_fetch(app: App, site: FixtureSite) -> None:
    cycle(app, NICE, BHC)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    cycle(app, NICE, BHC)
    with open_session(app.engine) as session:
        for version in session.exec(select(Version)):
            count = len(
                session.exec(
                    select(VersionSection).where(VersionSection.version_id == version.id)
                ).all()
            )
            assert count > 0
            fetch = fetch_log.get_fetch(session=session, id=version.fetch_id or -1)
            assert fetch is not None and fetch.outcome == "new_version"
            assert fetch.version_id == version.id


def test_govuk_document_keeps_body_and_the_parent_change_notes(app: App, site: FixtureSite) -> None:
    govuk(site, GOVUK_PLAN, "final-plan-publication.json")
    govuk(site, GOVUK_PLAN_TEXT, "final-plan-html.json")
    doc_id = "dhsc-final-delivery-plan-text"
    assert cycle(app, doc_id)[doc_id].outcome == "new_version"
    with open_session(app.engine) as session:
        version = version_store.latest_version(session=session, document_id=doc_id)
        assert version is not None
        document = version_store.version_document(session=session, version=version)
        fetch = fetch_log.get_fetch(session=session, id=version.fetch_id or -1)
    meta = json.loads(version.meta)
    assert meta["change_history"] and meta["public_updated_at"]
    assert any("graded exercise therapy" in s.text.lower() for s in document.sections)
    assert fetch is not None and len(fetch_log.related(fetch)) == 1  # the parent, kept too


def test_a_run_killed_half_way_leaves_history_consistent(
    app: App, site: FixtureSite, tmp_path: Path
) -> None:
    site.set(BHC_PAGE_PATH, Reply(body=b"<html></html>", delay=60))
    script = (
        "import os, sys\n"
        "from guidewatch.app import App\n"
        "from guidewatch.cycle import run_cycle\n"
        "from guidewatch.settings import load_settings\n"
        "app = App(settings=load_settings(dict(os.environ)))\n"
        "specs = app.catalog.select([], ['nice-ng206-recommendations',"
        " 'bhc-clinical-care-guide-page'])\n"
        "run_cycle(specs, engine=app.writable_engine(), policy=app.policy(),"
        " rewrites=app.settings.rewrites)\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "GUIDEWATCH_DATA_DIR": str(app.settings.data_dir),
        "GUIDEWATCH_REWRITE": ";".join(f"{a}={b}" for a, b in app.settings.rewrites),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_READ_TIMEOUT": "120",
    }
    process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not site.requests_to(BHC_PAGE_PATH) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert site.requests_to(BHC_PAGE_PATH), "the killed run never reached the second document"
    process.send_signal(signal.SIGKILL)
    process.wait()

    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    results = cycle(app, NICE, BHC)
    assert results[NICE].outcome == "not_modified"
    assert results[BHC].outcome == "new_version"
    with open_session(app.engine) as session:
        assert [f.outcome for f in fetch_log.list_fetches(session=session, document_id=BHC)] == [
            "new_version"
        ]
        assert len(version_store.list_versions(session=session, document_id=NICE)) == 1


def test_show_at_a_date_gives_the_wording_and_its_evidence(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    from guidewatch.cli import main

    cycle(app, NICE)
    cycle(app, NICE)
    with open_session(app.engine) as session:
        log = fetch_log.list_fetches(session=session, document_id=NICE)
    between = log[1].started_at + (log[0].started_at - log[1].started_at) / 2
    os.environ["GUIDEWATCH_DATA_DIR"] = str(app.settings.data_dir)
    try:
        argv = ["show", NICE, "--at", between.isoformat(), "--section", "1.11.14", "--json"]
        assert main(argv) == 0
    finally:
        del os.environ["GUIDEWATCH_DATA_DIR"]
    shown = json.loads(capsys.readouterr().out)
    assert [s["key"] for s in shown["sections"]] == ["1.11.14"]
    assert "treatment or cure" in shown["sections"][0]["text"]
    assert shown["confirmed_on_date"] is True
    assert shown["confirmed_before"]["fetch_id"] == log[1].id
    assert shown["confirmed_after"]["fetch_id"] == log[0].id
    assert shown["body_sha256"] == log[1].body_sha256


def test_the_same_history_on_sqlite_and_postgresql(
    site: FixtureSite, tmp_path: Path, database_url: str
) -> None:
    app = make_app(site, tmp_path, GUIDEWATCH_DATABASE_URL=database_url)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    outcomes = [cycle(app, NICE, BHC)[NICE].outcome]
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-template.html"))
    outcomes.append(cycle(app, NICE)[NICE].outcome)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-polarity.html"))
    outcomes.append(cycle(app, NICE)[NICE].outcome)
    outcomes.append(cycle(app, NICE)[NICE].outcome)
    assert outcomes == ["new_version", "unchanged", "new_version", "not_modified"]
    stored = versions(app, NICE)
    assert [v.number for v in stored] == [1, 2]
    assert stored[0].last_seen_at > stored[0].first_seen_at
    with open_session(app.engine) as session:
        new = version_store.version_document(session=session, version=stored[1])
    assert next(s for s in new.sections if s.key == "1.12.27").text.startswith("Offer")


def test_two_runs_at_once_never_duplicate_a_version(
    site: FixtureSite, tmp_path: Path, database_url: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = make_app(site, tmp_path, GUIDEWATCH_DATABASE_URL=database_url)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    app.writable_engine()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: cycle(app, NICE)[NICE], range(4)))
    stored = versions(app, NICE)
    assert [v.number for v in stored] == [1]
    assert sum(r.outcome == "new_version" for r in results) == 1
    assert {r.outcome for r in results} <= {"new_version", "unchanged", "not_modified"}

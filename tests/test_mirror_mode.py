"""Mirror mode (GUIDEWATCH_REWRITE): every request the fetcher makes goes to the mirror.

The live hosts here are under .invalid, which the fetcher refuses to resolve: a request that
escaped the mirror would fail at once, and never reach the internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row

from guidewatch.app import App
from guidewatch.cycle import CheckResult, run_cycle
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import GoneError, ScrapeError
from scrapers.rewrite import UncoveredError
from storage import fetch_log
from storage.db import open_session
from tests.support.pdfgen import Heading, Para, make_pdf
from tests.support.site import FixtureSite, Reply
from tests.support.world import html, make_app

NICE = "https://www.nice.invalid"
BACME = "https://bacme.invalid"
CHAPTER = "/guidance/ng206/chapter/Recommendations"
LOWER = "/guidance/ng206/chapter/recommendations"
PDF = make_pdf([[Heading(0, "Guide to Therapy"), Para("Pacing is an energy strategy.")]])

SOURCES = f"""
[sources.nice]
name = "NICE"
homepage = "{NICE}"

[sources.bacme]
name = "BACME"
homepage = "{BACME}"

[documents.nice-recs]
source = "nice"
title = "NICE NG206: Recommendations"
kind = "nice-chapter"
url = "{NICE}{LOWER}"

[documents.bacme-guide]
source = "bacme"
title = "BACME: Guide to Therapy"
kind = "pdf-link"
url = "{BACME}/resources/"
link_text = "guide to therapy"
"""


def rules(site: FixtureSite) -> str:
    return f"{NICE}={site.url('/nice')};{BACME}={site.url('/bacme')}"


def fetcher(site: FixtureSite, **changes: object) -> HttpFetcher:
    values: dict[str, object] = {
        "user_agent": "guidewatch-test/0.1 (+mailto:tests@example.org)",
        "pause_seconds": 0.0,
        "retries": 0,
        "read_timeout": 2.0,
        "rewrites": ((NICE, site.url("/nice")), (BACME, site.url("/bacme"))),
    }
    values.update(changes)
    return HttpFetcher(FetchPolicy(**values))  # type: ignore[arg-type]


def paths(site: FixtureSite) -> list[str]:
    return [r.path for r in site.requests]


# --- the fetcher ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [308, 301, 302])
def test_a_redirect_to_the_pages_own_live_address_stays_on_the_mirror(
    site: FixtureSite, status: int
) -> None:
    site.redirect("/nice" + LOWER, NICE + CHAPTER, status=status)
    site.set("/nice" + CHAPTER, html("nice/ng206-recommendations-v1.html"))
    with fetcher(site) as http:
        fetched = http.get(NICE + LOWER)
    assert fetched.status == 200 and b"ng206" in fetched.body.lower()
    assert fetched.url == NICE + LOWER
    assert fetched.final_url == NICE + CHAPTER
    assert fetched.redirects == (NICE + LOWER,)
    assert paths(site) == ["/nice/robots.txt", "/nice" + LOWER, "/nice" + CHAPTER]


@pytest.mark.parametrize(
    "location",
    [
        NICE + CHAPTER,  # absolute, live
        CHAPTER,  # root-relative, as the live site sends it
        "//www.nice.invalid" + CHAPTER,  # scheme-relative
        "Recommendations",  # relative
        "MIRROR" + CHAPTER,  # absolute on the mirror itself
        "/nice" + CHAPTER,  # root-relative on the mirror (a server's own redirect)
    ],
)
def test_every_form_of_location_is_followed_on_the_mirror(site: FixtureSite, location: str) -> None:
    site.redirect("/nice" + LOWER, location.replace("MIRROR", site.url("/nice")), status=301)
    site.set("/nice" + CHAPTER, "the chapter")
    with fetcher(site) as http:
        fetched = http.get(NICE + LOWER)
    assert fetched.body == b"the chapter"
    assert fetched.final_url == NICE + CHAPTER
    assert paths(site)[-1] == "/nice" + CHAPTER


def test_a_redirect_to_another_covered_host_goes_to_its_mirror_and_its_robots(
    site: FixtureSite,
) -> None:
    site.redirect("/nice/guide", BACME + "/resources/guide.pdf", status=308)
    site.set("/bacme/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.set("/bacme/resources/guide.pdf", PDF)
    site.redirect("/nice/secret", BACME + "/private/x.pdf", status=302)
    with fetcher(site) as http:
        fetched = http.get(NICE + "/guide", expect="pdf")
        with pytest.raises(ScrapeError, match="robots.txt") as caught:
            http.get(NICE + "/secret")
    assert fetched.final_url == BACME + "/resources/guide.pdf"
    assert fetched.redirects == (NICE + "/guide",)
    assert f"{BACME}/robots.txt disallows {BACME}/private/x.pdf" in str(caught.value)
    assert "/bacme/robots.txt" in paths(site) and "/nice/robots.txt" in paths(site)
    assert "/bacme/private/x.pdf" not in paths(site)


def test_a_redirect_to_an_uncovered_host_is_refused_and_recorded(site: FixtureSite) -> None:
    site.redirect("/nice" + LOWER, "https://elsewhere.invalid/ng206", status=308)
    with fetcher(site) as http, pytest.raises(UncoveredError) as caught:
        http.get(NICE + LOWER)
    message = str(caught.value)
    assert message.startswith("not covered by GUIDEWATCH_REWRITE: https://elsewhere.invalid/ng206")
    assert f"redirected from {NICE}{LOWER}" in message
    seen = caught.value.fetched
    assert seen is not None and seen.status == 308
    assert seen.final_url == "https://elsewhere.invalid/ng206"
    assert seen.redirects == (NICE + LOWER,)
    assert paths(site) == ["/nice/robots.txt", "/nice" + LOWER]


def test_an_uncovered_address_is_never_requested_unless_allowed(site: FixtureSite) -> None:
    with fetcher(site) as http, pytest.raises(UncoveredError, match="not covered"):
        http.get("https://elsewhere.invalid/doc")
    assert site.requests == []
    # Allowed: it is fetched live (here .invalid, which fails without asking a resolver).
    with fetcher(site, allow_uncovered=True) as http:
        with pytest.raises(ScrapeError, match="could not resolve host elsewhere.invalid"):
            http.get("https://elsewhere.invalid/doc")


def test_gone_and_failed_name_the_live_address(site: FixtureSite) -> None:
    site.set("/nice/old", Reply(status=410, body=b"gone"))
    site.set("/nice/down", Reply(status=503))
    with fetcher(site) as http:
        with pytest.raises(GoneError) as gone:
            http.get(NICE + "/old")
        with pytest.raises(ScrapeError) as failed:
            http.get(NICE + "/down")
    assert gone.value.fetched is not None and gone.value.fetched.final_url == NICE + "/old"
    assert str(gone.value).startswith(f"{NICE}/old is gone")
    assert str(failed.value) == f"server error 503 from {NICE}/down after 1 attempt"


def test_a_dead_mirror_is_named_with_the_host_it_stands_for() -> None:
    policy = FetchPolicy(user_agent="t", retries=0, rewrites=((NICE, "http://127.0.0.1:1"),))
    with HttpFetcher(policy) as http, pytest.raises(ScrapeError) as caught:
        http.get(NICE + "/x")
    assert "127.0.0.1:1 (the mirror for www.nice.invalid): connection refused" in str(caught.value)


def test_the_pause_keys_on_the_host_contacted(site: FixtureSite) -> None:
    site.set("/nice/a", "a")
    site.set("/bacme/b", "b")
    with fetcher(site, pause_seconds=0.3, respect_robots=False) as http:
        http.get(NICE + "/a")
        http.get(BACME + "/b")
    first, second = site.requests
    assert first.ended_at is not None and second.started_at - first.ended_at >= 0.28


# --- a whole cycle ------------------------------------------------------------------------


def mirror_app(site: FixtureSite, tmp_path: Path) -> App:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    return make_app(site, tmp_path, GUIDEWATCH_SOURCES=str(sources), GUIDEWATCH_REWRITE=rules(site))


def cycle(app: App) -> dict[str, CheckResult]:
    specs = app.catalog.select([], [])
    results = run_cycle(specs, engine=app.writable_engine(), policy=app.policy())
    return {r.document_id: r for r in results}


def last_fetch(app: App, document_id: str) -> Row[Any]:
    with open_session(app.engine) as session:
        return fetch_log.list_fetches(session=session, document_id=document_id, limit=1)[0]


def serve_bacme(site: FixtureSite) -> None:
    index = f'<html><body><a href="{BACME}/guide.pdf">Guide to Therapy</a></body></html>'
    site.set("/bacme/resources/", index)
    # The absolute live link moved: the live site redirects it, the mirror replays that.
    site.redirect("/bacme/guide.pdf", f"{BACME}/wp-content/uploads/2025/guide.pdf", status=301)
    site.set("/bacme/wp-content/uploads/2025/guide.pdf", PDF)


def test_a_cycle_keeps_live_addresses_for_redirects_and_discovered_links(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.redirect("/nice" + LOWER, NICE + CHAPTER, status=308)
    site.set("/nice" + CHAPTER, html("nice/ng206-recommendations-v1.html"))
    serve_bacme(site)
    app = mirror_app(site, tmp_path)
    results = cycle(app)
    assert {r.outcome for r in results.values()} == {"new_version"}, results
    nice = last_fetch(app, "nice-recs")
    assert (nice.url, fetch_log.final_url(nice)) == (NICE + LOWER, NICE + CHAPTER)
    assert fetch_log.redirects(nice) == [NICE + LOWER]
    guide = last_fetch(app, "bacme-guide")
    assert guide.url == BACME + "/guide.pdf"
    assert fetch_log.final_url(guide) == BACME + "/wp-content/uploads/2025/guide.pdf"
    assert fetch_log.redirects(guide) == [BACME + "/guide.pdf"]
    assert all(p.startswith(("/nice/", "/bacme/")) for p in paths(site))


def test_a_cycle_refuses_an_uncovered_redirect_for_that_document_only(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.redirect("/nice" + LOWER, "https://nice.elsewhere.invalid" + CHAPTER, status=308)
    serve_bacme(site)
    app = mirror_app(site, tmp_path)
    results = cycle(app)
    assert results["nice-recs"].outcome == "failed"
    assert results["nice-recs"].message.startswith(
        "not covered by GUIDEWATCH_REWRITE: https://nice.elsewhere.invalid" + CHAPTER
    )
    assert results["bacme-guide"].outcome == "new_version"
    row = last_fetch(app, "nice-recs")
    assert (
        row.status == 308 and fetch_log.final_url(row) == "https://nice.elsewhere.invalid" + CHAPTER
    )
    assert fetch_log.redirects(row) == [NICE + LOWER]


def test_a_cycle_records_live_addresses_for_gone_and_failed(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.set("/nice" + LOWER, Reply(status=404, body=b"gone"))
    site.set("/bacme/resources/", Reply(status=500, body=b"oops"))
    app = mirror_app(site, tmp_path)
    results = cycle(app)
    assert results["nice-recs"].outcome == "gone"
    assert results["bacme-guide"].outcome == "failed"
    gone, failed = last_fetch(app, "nice-recs"), last_fetch(app, "bacme-guide")
    assert fetch_log.final_url(gone) == NICE + LOWER
    assert gone.error is not None and gone.error.startswith(NICE + LOWER)
    assert failed.error is not None
    assert f"server error 500 from {BACME}/resources/ after 2 attempts" in failed.error
    for row in (gone, failed):
        assert site.base_url not in (fetch_log.final_url(row) or "") + (row.error or "")


def test_settings_put_the_rewrite_and_the_deadline_in_the_fetch_policy(tmp_path: Path) -> None:
    from guidewatch.settings import load_settings

    env = {"GUIDEWATCH_DATA_DIR": str(tmp_path), "GUIDEWATCH_REWRITE": f"{NICE}=http://m/nice"}
    policy = App(settings=load_settings(env)).policy()
    assert policy.rewrites == ((NICE, "http://m/nice"),)
    assert policy.allow_uncovered is False and policy.deadline_seconds == 300
    env |= {"GUIDEWATCH_REWRITE_ALLOW_UNCOVERED": "1", "GUIDEWATCH_FETCH_DEADLINE": "45"}
    policy = App(settings=load_settings(env)).policy()
    assert policy.allow_uncovered is True and policy.deadline_seconds == 45


def test_rules_cover_at_a_boundary_and_the_longest_wins() -> None:
    from scrapers.rewrite import Rewriter

    rewriter = Rewriter(
        (("https://www.gov.uk", "http://m/govuk"), ("https://www.gov.uk/api", "http://m/api"))
    )
    assert rewriter.to_mirror("https://www.gov.uk/x") == "http://m/govuk/x"
    assert rewriter.to_mirror("HTTPS://WWW.GOV.UK/x") == "http://m/govuk/x"
    assert rewriter.to_mirror("https://www.gov.uk/api/content/y") == "http://m/api/content/y"
    assert rewriter.to_live("http://m/api/content/y") == "https://www.gov.uk/api/content/y"
    assert rewriter.to_mirror("http://m/govuk/z") == "http://m/govuk/z"  # already on the mirror
    for escaping in ("https://www.gov.uk.example.org/x", "https://www.gov.uk:8443/x"):
        with pytest.raises(UncoveredError, match="not covered by GUIDEWATCH_REWRITE"):
            rewriter.to_mirror(escaping)


def test_a_rule_that_leaves_the_hosts_robots_txt_uncovered_says_so(site: FixtureSite) -> None:
    site.set("/g/ng206", "page")
    with fetcher(site, rewrites=((NICE + "/guidance", site.url("/g")),)) as http:
        with pytest.raises(UncoveredError) as caught:
            http.get(NICE + "/guidance/ng206")
    assert str(caught.value).startswith(f"not covered by GUIDEWATCH_REWRITE: {NICE}/robots.txt")
    assert site.requests == []
    with fetcher(
        site, rewrites=((NICE + "/guidance", site.url("/g")),), respect_robots=False
    ) as http:
        assert http.get(NICE + "/guidance/ng206").body == b"page"


@pytest.mark.parametrize(
    "rule",
    [
        "https://www.nice.invalid/=MIRROR/nice",
        "https://www.nice.invalid=MIRROR/nice/",
        "https://www.nice.invalid/=MIRROR/nice/",
    ],
)
def test_a_trailing_slash_on_either_side_of_a_rule_changes_nothing(
    site: FixtureSite, tmp_path: Path, rule: str
) -> None:
    # A slash too many must not send every request to a wrong path, where a 404 would mark
    # the document gone and alert its readers.
    site.set(f"/nice{LOWER}", html("nice/ng206-recommendations-v1.html"))
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    app = make_app(
        site,
        tmp_path,
        GUIDEWATCH_SOURCES=str(sources),
        GUIDEWATCH_REWRITE=rule.replace("MIRROR", site.base_url),
    )
    [result] = run_cycle(
        app.catalog.select([], ["nice-recs"]), engine=app.writable_engine(), policy=app.policy()
    )
    assert result.outcome == "new_version", result.message
    assert f"/nice{LOWER}" in paths(site)

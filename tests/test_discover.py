"""Discovery over a loopback WordPress site: REST media search, sitemaps, index pages, redirects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrapers.discover.finder import discover
from scrapers.discover.model import DiscoveryError, Found
from scrapers.discover.rank import link_date, rank
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import DocumentSpec
from tests.support.pdfgen import Heading, Para, make_pdf
from tests.support.site import FixtureSite, Reply
from tests.support.wordpress import MirrorGetter, page, serve_bacme, serve_bhc_sitemaps

LIVE_BACME = "https://bacme.info"
UPLOADS = LIVE_BACME + "/wp-content/uploads"
REDRAFT = UPLOADS + "/2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf"
PAGESPEED_REDRAFT = REDRAFT + ".pagespeed.ce.Xk3p9QaZ1b.pdf"


@pytest.fixture
def get(site: FixtureSite) -> Iterator[MirrorGetter]:
    policy = FetchPolicy(user_agent="guidewatch-test/0.1", pause_seconds=0.0, retries=0)
    with HttpFetcher(policy) as fetcher:
        yield MirrorGetter(
            fetcher.get,
            (
                (LIVE_BACME, site.url("/bacme")),
                ("https://batemanhornecenter.org", site.url("/bhc")),
                ("https://www.nice.org.uk", site.url("/nice")),
            ),
        )


def spec(pattern: str, url: str = LIVE_BACME + "/resources/", **discover: Any) -> DocumentSpec:
    return DocumentSpec(
        id="doc",
        source="bacme",
        title="a document",
        kind="pdf-link",
        url=url,
        link_text=pattern,
        options={"discover": discover},
    )


EVERYWHERE: dict[str, Any] = {"methods": ["wp-media", "sitemap", "index-page"]}


def test_rest_media_search_finds_the_newest_edition(site: FixtureSite, get: MirrorGetter) -> None:
    serve_bacme(site)
    found = discover(spec("guide to therapy", **EVERYWHERE), get)
    assert isinstance(found, Found) and found == REDRAFT
    record = found.record
    assert record.method == "wp-media"
    assert [c.date for c in record.candidates] == ["2025-03-14", "2022-11-14", "2020-10-20"]
    assert record.reason == "newest of 3 matches, dated 2025-03-14"
    assert record.summary() == (
        "found by wp-media: 'BACME Guide to Therapy – redraft 2025' "
        "(newest of 3 matches, dated 2025-03-14)"
    )
    # One search, PDFs only, newest first: no page was read, no sitemap asked.
    assert get.asked == [
        LIVE_BACME + "/wp-json/wp/v2/media?search=guide+to+therapy"
        "&mime_type=application%2Fpdf&per_page=100&orderby=date"
    ]


def test_severe_guide_by_its_title_is_not_the_awareness_poster(
    site: FixtureSite, get: MirrorGetter
) -> None:
    serve_bacme(site)
    found = discover(spec(r"severe.*(practice|clinical|guide)", search="severe", **EVERYWHERE), get)
    assert found == UPLOADS + "/2024/05/BACME-Severe-and-Very-Severe-MECFS-Practice-Guide.pdf"
    assert len(found.record.candidates) == 2  # 2024 and 2019: the poster does not match


@pytest.mark.parametrize("status", [401, 403, 404])
def test_rest_switched_off_falls_back_to_the_sitemap_and_its_pages(
    site: FixtureSite, get: MirrorGetter, status: int
) -> None:
    serve_bacme(site, rest=status)
    found = discover(spec("guide to therapy", **EVERYWHERE), get)
    assert found == PAGESPEED_REDRAFT
    record = found.record
    assert record.method == "sitemap"
    assert record.attempts[0].result == (
        f"REST API unavailable (HTTP {status}); falling back to sitemap"
    )
    assert [c.title for c in record.candidates] == [
        "BACME Guide to Therapy - redraft 2025",
        "ME/CFS Guide to Therapy",
        "BACME Guide to Therapy October 2020",
    ]
    assert all(c.found_on == LIVE_BACME + "/clinical-resources/" for c in record.candidates)
    # The index's users and taxonomy sitemaps are never read; only pages whose address looks
    # like a document list or names the document are, newest first (the news post is gone).
    assert not any("users" in url or "taxonomies" in url for url in get.asked)
    pages = [u for u in get.asked if not u.endswith(".xml") and "wp-json" not in u]
    assert pages == [
        LIVE_BACME + "/2025/03/new-guide-to-therapy/",
        LIVE_BACME + "/clinical-resources/",
    ]
    assert "not read: " in record.attempts[-2].result


def test_yoast_sitemap_index_is_tried_after_the_core_one(
    site: FixtureSite, get: MirrorGetter
) -> None:
    serve_bhc_sitemaps(site)
    site.set("/bhc/clinical-care-guide/", page("bhc/clinical-care-guide.html"))
    bhc = "https://batemanhornecenter.org"
    found = discover(
        spec(
            r"clinical[ -]care|managing me/?cfs", bhc + "/clinical-care-guide/", methods=["sitemap"]
        ),
        get,
    )
    assert found.endswith(
        "/2025/05/BHC-Clinical-Care-Guide-Managing-MECFS-Long-COVID-IACC-May-2025.pdf"
    )
    notes = [a.result for a in found.record.attempts]
    assert notes[0] == f"{bhc}/wp-sitemap.xml: not answered (HTTP 404)"
    assert "author-sitemap" not in " ".join(get.asked)
    assert found.record.reason == "newest of 2 matches, dated 2025-05"


def test_index_page_with_three_editions_picks_the_newest(
    site: FixtureSite, get: MirrorGetter
) -> None:
    serve_bacme(site)
    found = discover(spec("guide to therapy", LIVE_BACME + "/clinical-resources/"), get)
    assert found == PAGESPEED_REDRAFT
    assert found.record.method == "index-page"
    assert [c.date for c in found.record.candidates] == ["2025-03", "2022-11", "2020-10"]


def test_two_matches_that_cannot_be_ranked_are_a_warning_not_a_pick(
    site: FixtureSite, get: MirrorGetter
) -> None:
    site.set(
        "/bacme/twins/",
        "<!doctype html><html><body>"
        '<a href="/wp-content/uploads/2024/05/Guide-A.pdf">Severe ME/CFS guide for adults</a>'
        '<a href="/wp-content/uploads/2024/05/Guide-B.pdf">Severe ME/CFS guide for children</a>'
        "</body></html>",
    )
    with pytest.raises(DiscoveryError) as caught:
        discover(spec("severe me/cfs guide", LIVE_BACME + "/twins/"), get)
    assert str(caught.value).startswith("ambiguous: 2 files match 'severe me/cfs guide'")
    assert "set discover.exact_title" in str(caught.value)
    assert caught.value.record.chosen is None and len(caught.value.record.candidates) == 2
    exact = spec(
        "severe me/cfs guide",
        LIVE_BACME + "/twins/",
        exact_title="Severe ME/CFS guide for adults",
    )
    found = discover(exact, get)
    assert found.endswith("/Guide-A.pdf") and found.record.reason.startswith("the exact title")


def test_nothing_anywhere_says_what_was_tried(site: FixtureSite, get: MirrorGetter) -> None:
    serve_bacme(site, rest=403)
    with pytest.raises(DiscoveryError) as caught:
        discover(spec("lightning process", **EVERYWHERE), get)
    message = str(caught.value)
    assert message.startswith("no PDF link matching 'lightning process' found")
    assert "wp-media" in message and "sitemap" in message and "index-page" in message
    assert [a.method for a in caught.value.record.attempts][0] == "wp-media"


def test_nice_pdf_from_the_guideline_page_or_the_pdf_route_redirect(
    site: FixtureSite, get: MirrorGetter
) -> None:
    pdf = make_pdf([[Heading(0, "NG206"), Para("Myalgic encephalomyelitis guideline text.")]])
    site.set(
        "/nice/guidance/ng206/NG206-20211029.pdf",
        Reply(body=pdf, headers={"Content-Type": "application/pdf"}),
    )
    site.redirect("/nice/guidance/ng206/ng206.pdf", "/nice/guidance/ng206/NG206-20211029.pdf", 308)
    nice = spec(
        r"^ng206-\d{8}\.pdf$",
        "https://www.nice.org.uk/guidance/ng206",
        methods=["index-page", "redirect"],
        redirect="https://www.nice.org.uk/guidance/ng206/ng206.pdf",
    )
    # The overview page does not answer: the PDF route's redirect does.
    found = discover(nice, get)
    assert found == "https://www.nice.org.uk/guidance/ng206/NG206-20211029.pdf"
    assert found.record.method == "redirect" and found.record.candidates[0].date == "2021-10-29"
    site.set(
        "/nice/guidance/ng206",
        '<!doctype html><html><body><a href="/guidance/ng206/NG206-20211029.pdf">'
        "Download guidance (PDF)</a></body></html>",
    )
    found = discover(nice, get)
    assert found.record.method == "index-page"
    assert found == "https://www.nice.org.uk/guidance/ng206/NG206-20211029.pdf"


def test_dates_links_carry() -> None:
    assert link_date("x", UPLOADS + "/2025/03/a.pdf") == "2025-03"
    assert link_date("x", "https://n.org/guidance/ng206/NG206-20211029.pdf") == "2021-10-29"
    assert link_date("Guide to Therapy October 2020", "https://b.org/files/g.pdf") == "2020-10"
    assert link_date("Guide", "https://b.org/files/guide-2019.pdf") == "2019"
    assert link_date("Guide", "https://b.org/files/guide.pdf") == ""
    assert rank([]) == ([], "")


# Through the whole cycle: the fetch log keeps the record; a new edition is one moved alert.


def test_a_new_edition_is_the_same_document_moved_and_told_once(
    site: FixtureSite, tmp_path: Path
) -> None:
    from sqlmodel import col, select

    from guidewatch.monitor import run_once
    from storage import fetch_log
    from storage.changes import AlertItem
    from storage.db import open_session
    from storage.models import Fetch
    from tests.support.wordpress import media_items, media_search
    from tests.support.world import make_app

    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[sources.bacme]\nname = "BACME"\n\n[documents.guide]\nsource = "bacme"\n'
        'title = "Guide to Therapy"\nkind = "pdf-link"\nurl = "https://bacme.info/resources/"\n'
        'link_text = "guide to therapy"\n\n[documents.guide.discover]\nmethods = ["wp-media"]\n',
        encoding="utf-8",
    )
    app = make_app(site, tmp_path, GUIDEWATCH_SOURCES=str(sources))
    items = media_items()
    for item in items:
        text = "Guide to Therapy, edition of " + item["date"][:4]
        body = make_pdf([[Heading(0, "ME/CFS Guide to Therapy"), Para(text + ".")]])
        path = "/bacme" + item["source_url"].removeprefix(LIVE_BACME)
        site.set(path, Reply(body=body, headers={"Content-Type": "application/pdf"}))
    site.set("/bacme/wp-json/wp/v2/media", media_search(items[1:]))  # before the redraft
    specs = list(app.catalog.documents)
    first = run_once(app, specs).results[0]
    assert first.outcome == "new_version" and first.found.startswith("found by wp-media")
    site.set("/bacme/wp-json/wp/v2/media", media_search(items))  # the redraft is uploaded
    summary = run_once(app, specs)
    second = summary.results[0]
    assert second.outcome == "new_version" and second.moved_from == UPLOADS + (
        "/2022/11/BACME-Guide-to-Therapy-2022.pdf"
    )
    assert "moved from" in summary.render() and "redraft 2025" in summary.render()
    run_once(app, specs)  # the same edition again: nothing more to tell
    with open_session(app.engine) as session:
        moved = list(session.exec(select(AlertItem).where(AlertItem.kind == "moved")))
        rows = list(session.exec(select(Fetch).order_by(col(Fetch.id))))
    assert len(moved) == 1 and "a new edition now at " + REDRAFT in moved[0].payload
    assert [fetch_log.discovery(r)["chosen"] for r in rows] == [
        UPLOADS + "/2022/11/BACME-Guide-to-Therapy-2022.pdf",
        REDRAFT,
        REDRAFT,
    ]


def test_a_file_linked_twice_is_named_by_the_link_that_names_it(
    site: FixtureSite, get: MirrorGetter
) -> None:
    site.set(
        "/bacme/downloads/",
        "<!doctype html><html><body>"
        '<a href="/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf">Download</a>'
        '<a href="/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf">'
        "ME/CFS Guide to Therapy</a></body></html>",
    )
    found = discover(spec("guide to therapy", LIVE_BACME + "/downloads/"), get)
    assert [c.title for c in found.record.candidates] == ["ME/CFS Guide to Therapy"]


def test_a_rest_route_answering_a_page_falls_back(site: FixtureSite, get: MirrorGetter) -> None:
    serve_bacme(site)
    site.set("/bacme/wp-json/wp/v2/media", "<!doctype html><html><body>Home</body></html>")
    found = discover(spec("guide to therapy", **EVERYWHERE), get)
    assert found.record.method == "sitemap"
    assert found.record.attempts[0].result == (
        'the media search answered an HTML page of 45 bytes saying "Home", not JSON; '
        "falling back to sitemap"
    )


def test_with_no_other_method_the_rest_error_names_the_address_once_and_no_fallback(
    site: FixtureSite, get: MirrorGetter
) -> None:
    serve_bacme(site)
    site.set("/bacme/wp-json/wp/v2/media", "<!doctype html><html><body>Home</body></html>")
    with pytest.raises(DiscoveryError) as caught:
        discover(spec("guide to therapy", methods=["wp-media"]), get)
    message = str(caught.value)
    assert "falling back" not in message, message
    assert message.count("/wp-json/wp/v2/media") == 1, message
    assert "no other discovery method is configured" in message


def test_media_search_reads_every_page_of_results(site: FixtureSite, get: MirrorGetter) -> None:
    from tests.support.wordpress import media_search

    items = [
        {
            "id": n,
            "date": f"2024-01-{1 + n % 28:02d}T00:00:00",
            "slug": f"leaflet-{n}",
            "title": {"rendered": f"Leaflet {n}"},
            "mime_type": "application/pdf",
            "source_url": f"{UPLOADS}/2024/01/leaflet-{n}.pdf",
        }
        for n in range(150)
    ]
    items.append({**items[0], "id": 999, "slug": "guide-to-therapy", "date": "2025-01-01T00:00:00",
                  "title": {"rendered": "Leaflet: Guide to Therapy"},
                  "source_url": UPLOADS + "/2025/01/guide.pdf"})  # fmt: skip
    site.set("/bacme/wp-json/wp/v2/media", media_search(items))
    found = discover(spec("guide to therapy", search="leaflet", methods=["wp-media"]), get)
    assert found == UPLOADS + "/2025/01/guide.pdf"
    assert found.record.attempts[0].result == "151 result(s) for 'leaflet', 1 matching"
    assert len([u for u in get.asked if "wp-json" in u]) == 2  # page 2 had the last 51

"""Finding a document's PDF on an index page: pure link finding, then discovery over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.base import get_extractor
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.links import file_name, find_pdf_link, looks_like_pdf, pdf_anchors
from scrapers.model import DocumentSpec, ScrapeError
from tests.support.pdfgen import Heading, Para, make_pdf
from tests.support.site import FixtureSite, Reply

FIXTURES = Path(__file__).parent / "fixtures"
BACME = "https://bacme.info/resources/"
BHC = "https://batemanhornecenter.org/clinical-care-guide/"
GUIDE = r"guide to therapy"


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_guide_to_therapy_found_on_v1() -> None:
    found = find_pdf_link(page("bacme/resources-v1.html"), BACME, GUIDE)
    assert found == "https://bacme.info/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf"


def test_moved_guide_still_found_on_v2_under_its_pagespeed_name() -> None:
    found = find_pdf_link(page("bacme/resources-v2.html"), BACME, GUIDE)
    assert found == (
        "https://bacme.info/wp-content/uploads/2025/03/"
        "BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf.pagespeed.ce.Xk3p9QaZ1b.pdf"
    )


@pytest.mark.parametrize(
    ("pattern", "expected_end"),
    [
        (r"^position paper$", "/2020/10/BACME-Position-Paper-October-2020.pdf"),
        (r"dysregulation", "/2021/08/Dysregulation-in-MECFS-August-2021.pdf"),
        (r"severe.*guide", "/2024/05/BACME-Severe-and-Very-Severe-MECFS-Guide-2024.pdf"),
        # Matched on the title attribute only.
        (r"management of ME/CFS", "/2020/10/BACME-Position-Paper-October-2020.pdf"),
        # Matched on the file name only (an image link with alt text, a %20 file name).
        (r"Paediatric Clinical Pathway", "/2019/07/Paediatric%20Clinical%20Pathway.pdf"),
        (r"Service-Survey", None),  # a Word file is not a PDF
    ],
)
def test_each_bacme_document_by_its_pattern(pattern: str, expected_end: str | None) -> None:
    found = find_pdf_link(page("bacme/resources-v1.html"), BACME, pattern)
    if expected_end is None:
        assert found is None
    else:
        assert found == "https://bacme.info/wp-content/uploads" + expected_end


def test_file_name_is_matched_with_dashes_as_spaces() -> None:
    found = find_pdf_link(page("bacme/resources-v2.html"), BACME, r"MECFS Guide to Therapy 2025")
    assert found is not None and found.endswith("Xk3p9QaZ1b.pdf")


def test_drupal_era_links_count_as_pdfs() -> None:
    html = page("bacme/resources-drupal-2019.html")
    base = "https://www.bacme.info/resources"
    assert find_pdf_link(html, base, GUIDE) == (
        "https://www.bacme.info/sites/bacme.info/files/BACME%20Guide%20to%20Therapy%202019.pdf"
    )
    # No .pdf ending, but in the Drupal files folder.
    assert find_pdf_link(html, base, r"severe") == (
        "https://www.bacme.info/sites/bacme.info/files/downloads/severe-me-cfs-guide"
    )


def test_pdf_anchors_lists_every_pdf_in_page_order() -> None:
    links = pdf_anchors(page("bacme/resources-v1.html"), BACME)
    texts = [text for (text, _title), _ in links]
    assert texts == [
        "Constitution",
        "ME/CFS Guide to Therapy",
        "Download",
        "Severe/Very Severe ME/CFS guide",
        "Download",
        "Position Paper",
        "An Introduction to Dysregulation in ME/CFS",
        "Paediatric clinical pathway",
        "Privacy notice (PDF)",
    ]
    assert all(url.startswith("https://bacme.info/") for _, url in links)


def test_bhc_clinical_care_guide_is_the_first_match_in_page_order() -> None:
    found = find_pdf_link(page("bhc/clinical-care-guide.html"), BHC, r"clinical care guide")
    assert found == (
        "https://batemanhornecenter.org/wp-content/uploads/2025/05/"
        "BHC-Clinical-Care-Guide-Managing-MECFS-Long-COVID-IACC-May-2025.pdf"
    )


def test_no_match_is_none_and_a_bad_pattern_is_an_error() -> None:
    assert find_pdf_link(page("bhc/clinical-care-guide.html"), BHC, r"lightning process") is None
    with pytest.raises(ValueError, match="invalid link pattern"):
        find_pdf_link(page("bhc/clinical-care-guide.html"), BHC, r"guide(")


def test_url_helpers() -> None:
    assert looks_like_pdf("https://x.org/a/b.PDF?download=1")
    assert looks_like_pdf("https://x.org/wp-content/uploads/2025/03/guide")
    assert not looks_like_pdf("https://x.org/wp-content/uploads/2025/03/form.docx")
    assert not looks_like_pdf("https://x.org/resources/")
    assert file_name("https://x.org/u/My%20Guide.pdf.pagespeed.ce.AbC-12_x.pdf") == "My Guide.pdf"


# Discovery and extraction through a real loopback site and the real fetcher.


@pytest.fixture
def fetcher() -> HttpFetcher:
    return HttpFetcher(FetchPolicy(user_agent="guidewatch-test/0.1", pause_seconds=0.0))


def spec(site: FixtureSite, pattern: str) -> DocumentSpec:
    return DocumentSpec(
        id="bacme-guide-to-therapy",
        source="bacme",
        title="ME/CFS Guide to Therapy",
        kind="pdf-link",
        url=site.url("/resources/"),
        link_text=pattern,
    )


def serve_index(site: FixtureSite, name: str) -> None:
    site.set(
        "/resources/",
        Reply(body=(FIXTURES / name).read_bytes(), headers={"Content-Type": "text/html"}),
    )


def test_pdf_link_discovers_the_moved_pdf_and_extracts_it(
    site: FixtureSite, fetcher: HttpFetcher
) -> None:
    extractor = get_extractor("pdf-link")
    assert extractor.kind == "pdf-link"
    guide = make_pdf(
        [[Heading(1, "4. What is Graded Exercise Therapy?"), Para("No more than 10-20%.")]],
        title="ME/CFS Guide to Therapy",
    )
    moved = "/wp-content/uploads/2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf"
    site.set(moved + ".pagespeed.ce.Xk3p9QaZ1b.pdf", guide)
    with fetcher:
        serve_index(site, "bacme/resources-v1.html")
        first = extractor.discover(spec(site, GUIDE), fetcher.get)
        assert first == site.url("/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf")
        serve_index(site, "bacme/resources-v2.html")
        url = extractor.discover(spec(site, GUIDE), fetcher.get)
        assert url == site.url(moved + ".pagespeed.ce.Xk3p9QaZ1b.pdf")
        document = extractor.extract(spec(site, GUIDE), fetcher.get(url))
    assert [s.key for s in document.sections] == ["4. What is Graded Exercise Therapy?"]
    assert document.sections[0].text == "No more than 10-20%."


def test_no_matching_link_lists_the_pdf_links_present(
    site: FixtureSite, fetcher: HttpFetcher
) -> None:
    serve_index(site, "bacme/resources-v2.html")
    with fetcher, pytest.raises(ScrapeError) as caught:
        get_extractor("pdf-link").discover(spec(site, r"guide to rehabilitation"), fetcher.get)
    message = str(caught.value)
    assert "no PDF link matching 'guide to rehabilitation'" in message
    assert "'Constitution'" in message
    assert "'The ME/CFS Guide to Therapy - 2025 redraft'" in message
    assert "'Position Paper'" not in message  # only the first five are listed
    assert caught.value.outcome == "failed"


def test_pdf_link_needs_a_pattern(site: FixtureSite, fetcher: HttpFetcher) -> None:
    serve_index(site, "bacme/resources-v1.html")
    bare = DocumentSpec(id="x", source="bacme", title="x", kind="pdf-link", url=site.url("/r/"))
    with fetcher, pytest.raises(ScrapeError, match="needs link_text"):
        get_extractor("pdf-link").discover(bare, fetcher.get)


def test_pdf_link_pointed_at_a_pdf_says_to_use_kind_pdf(
    site: FixtureSite, fetcher: HttpFetcher
) -> None:
    body = make_pdf([[Heading(1, "Notes"), Para("Some text in a PDF.")]])
    site.set("/resources/", Reply(body=body, headers={"Content-Type": "application/pdf"}))
    with fetcher, pytest.raises(ScrapeError, match="is a PDF, not an index page"):
        get_extractor("pdf-link").discover(spec(site, GUIDE), fetcher.get)


def test_pdf_link_with_a_broken_pattern_is_a_scrape_error(
    site: FixtureSite, fetcher: HttpFetcher
) -> None:
    serve_index(site, "bacme/resources-v1.html")
    with fetcher, pytest.raises(ScrapeError, match="invalid link pattern"):
        get_extractor("pdf-link").discover(spec(site, r"guide ("), fetcher.get)

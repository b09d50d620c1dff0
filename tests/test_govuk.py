"""The GOV.UK Content API extractor over saved DHSC content items, served on loopback."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from scrapers.base import get_extractor
from scrapers.govuk import api_url, attachment_lines
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from tests.support.site import FixtureSite, Reply

GOVUK = Path(__file__).parent / "fixtures" / "govuk"
PUB_PATH = "/government/publications/mecfs-the-final-delivery-plan"
HTML_PATH = (
    PUB_PATH + "/myalgic-encephalomyelitischronic-fatigue-syndrome-mecfs-the-final-delivery-plan"
)
CONS_PATH = (
    "/government/consultations/improving-the-experiences-of-people-with-mecfs-interim-delivery-plan"
)
EXTRACTOR = get_extractor("govuk")


def spec(url: str, **options: Any) -> DocumentSpec:
    """A GOV.UK document spec for a public page URL."""
    return DocumentSpec(
        id="dhsc", source="dhsc", title="DHSC", kind="govuk", url=url, options=options
    )


def http_get(url: str) -> Fetched:
    """GET a URL over real HTTP and wrap the answer."""
    response = httpx.get(url)
    return Fetched(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        headers=dict(response.headers),
        body=response.content,
        content_kind="json",
    )


def run(document_spec: DocumentSpec) -> Document:
    """Discover, fetch, fetch the related URLs, then extract, as a cycle would."""
    url = EXTRACTOR.discover(document_spec, http_get)
    fetched = http_get(url)
    related = {extra: http_get(extra).body for extra in EXTRACTOR.related(document_spec, fetched)}
    fetched = replace(fetched, related=related)
    return EXTRACTOR.extract(document_spec, fetched)


def serve(site: FixtureSite, path: str, name: str) -> None:
    """Serve a fixture item at its Content API path on the mirror."""
    site.set_file("/api/content" + path, GOVUK / name, "application/json; charset=utf-8")


def offline(name: str, url: str = "https://www.gov.uk/api/content/x") -> Document:
    """Extract a fixture item without fetching anything."""
    body = (GOVUK / name).read_bytes()
    served = Fetched(
        url=url,
        final_url=url,
        status=200,
        headers={"Content-Type": "application/json"},
        body=body,
        content_kind="json",
    )
    return EXTRACTOR.extract(spec("https://www.gov.uk/x"), served)


def by_key(document: Document) -> dict[str, str]:
    """Section texts by key."""
    return {section.key: section.text for section in document.sections}


def test_api_url_is_built_on_the_page_host() -> None:
    assert api_url("https://www.gov.uk" + PUB_PATH) == "https://www.gov.uk/api/content" + PUB_PATH
    assert api_url("http://127.0.0.1:8123" + PUB_PATH + "/?utm_source=x#top") == (
        "http://127.0.0.1:8123/api/content" + PUB_PATH
    )
    assert api_url("https://www.gov.uk/api/content" + PUB_PATH) == (
        "https://www.gov.uk/api/content" + PUB_PATH
    )
    override = spec("https://www.gov.uk" + PUB_PATH, api_url="http://127.0.0.1:9/api/content/y")
    assert EXTRACTOR.discover(override, http_get) == "http://127.0.0.1:9/api/content/y"


def test_html_child_borrows_the_parent_change_history_from_the_mirror(site: FixtureSite) -> None:
    serve(site, HTML_PATH, "final-plan-html.json")
    serve(site, PUB_PATH, "final-plan-publication.json")
    document = run(spec(site.url(HTML_PATH)))
    assert [r.path for r in site.requests] == [
        "/api/content" + HTML_PATH,
        "/api/content" + PUB_PATH,
    ]
    assert document.title == (
        "Myalgic encephalomyelitis/chronic fatigue syndrome (ME/CFS): the final delivery plan"
    )
    assert document.meta == {
        "public_updated_at": "2025-07-22T09:30:00.000+01:00",
        "first_published_at": "2025-07-22T09:30:00.000+01:00",
        "document_type": "html_publication",
        "schema_name": "html_publication",
        "change_history": [
            {
                "public_timestamp": "2025-08-14T10:00:00.000+01:00",
                "note": "Added an easy read version of the delivery plan.",
            },
            {"public_timestamp": "2025-07-22T09:30:00.000+01:00", "note": "First published."},
        ],
        "base_path": HTML_PATH,
    }


def test_html_child_sections_by_govspeak_headings() -> None:
    document = offline("final-plan-html.json")
    assert [(s.key, s.heading_path) for s in document.sections] == [
        ("Ministerial foreword", ("Ministerial foreword",)),
        ("Introduction", ("Introduction",)),
        ("Research", ("Research",)),
        ("Research priorities", ("Research", "Research priorities")),
        ("Attitudes and education", ("Attitudes and education",)),
        (
            "Education and training for healthcare professionals",
            ("Attitudes and education", "Education and training for healthcare professionals"),
        ),
        ("Health and care services", ("Living with ME/CFS", "Health and care services")),
        ("Social care", ("Living with ME/CFS", "Social care")),
        ("Welfare and employment", ("Living with ME/CFS", "Welfare and employment")),
        ("Actions", ("Actions",)),
        ("Next steps", ("Next steps",)),
    ]
    texts = by_key(document)
    assert (
        "graded exercise therapy is no longer recommended"
        in texts["Education and training for healthcare professionals"]
    )
    assert "(NG206)" in texts["Education and training for healthcare professionals"]
    assert "'My full reality'" in texts["Introduction"]
    assert texts["Actions"].splitlines()[1] == "Publish e-learning on ME/CFS | NHS England | 2026"
    assert texts["Research priorities"].splitlines()[0] == (
        "- biological mechanisms and biomarkers of ME/CFS"
    )
    # Without the parent's JSON the history is simply unknown, not an error.
    assert document.meta["change_history"] == []


def test_wording_change_in_the_child_changes_one_section() -> None:
    before = by_key(offline("final-plan-html.json"))
    after = by_key(offline("final-plan-html-v2-wording.json"))
    assert [key for key in before if before[key] != after[key]] == ["Health and care services"]
    assert (
        "graded exercise therapy (GET) must not be offered" not in after["Health and care services"]
    )
    assert "rehabilitation programme" in after["Health and care services"]


def test_publication_page_needs_no_parent(site: FixtureSite) -> None:
    serve(site, PUB_PATH, "final-plan-publication.json")
    document = run(spec(site.url(PUB_PATH)))
    assert len(site.requests) == 1
    assert document.meta["document_type"] == "policy_paper"
    assert len(document.meta["change_history"]) == 2
    texts = by_key(document)
    assert list(texts) == ["summary", "introduction", "documents"]
    assert texts["documents"].splitlines() == [
        "- Myalgic encephalomyelitis/chronic fatigue syndrome (ME/CFS): the final delivery plan "
        "(HTML)",
        "- ME/CFS: the final delivery plan (easy read) (PDF, 2.41 MB, 36 pages)",
    ]


def test_publication_without_body_reads_summary_and_documents() -> None:
    item = json.loads((GOVUK / "final-plan-publication.json").read_text(encoding="utf-8"))
    del item["details"]["body"]
    served = Fetched(
        url="https://www.gov.uk/api/content" + PUB_PATH,
        final_url="https://www.gov.uk/api/content" + PUB_PATH,
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps(item).encode("utf-8"),
        content_kind="json",
    )
    document = EXTRACTOR.extract(spec("https://www.gov.uk" + PUB_PATH), served)
    assert [s.key for s in document.sections] == ["summary", "documents"]
    assert by_key(document)["summary"].startswith("The final delivery plan sets out the actions")


def test_consultation_status_banner_and_updated_date_leave_sections_alone() -> None:
    before = offline("interim-consultation-v1.json")
    after = offline("interim-consultation-v2-status.json")
    assert after.sections == before.sections
    assert after.title == before.title
    assert (before.meta["document_type"], after.meta["document_type"]) == (
        "closed_consultation",
        "consultation_outcome",
    )
    assert before.meta["public_updated_at"] != after.meta["public_updated_at"]
    assert "Sunak" not in after.text and "Consultation outcome" not in after.text


def test_consultation_wording_change_and_documents() -> None:
    before = by_key(offline("interim-consultation-v1.json"))
    after = by_key(offline("interim-consultation-v2-wording.json"))
    assert list(before) == [
        "summary",
        "introduction",
        "What we want to know",
        "How to respond",
        "documents",
    ]
    assert [key for key in before if before[key] != after[key]] == ["What we want to know"]
    assert before["documents"].splitlines() == [
        "- 'My full reality': the interim delivery plan on ME/CFS (HTML)",
        "- Consultation document: the interim delivery plan on ME/CFS (HTML)",
    ]


def test_consultation_outcome_parts_become_sections() -> None:
    item = json.loads((GOVUK / "interim-consultation-v2-status.json").read_text(encoding="utf-8"))
    item["details"]["final_outcome_detail"] = (
        '<div class="govspeak"><p>We received 3,341 responses.</p></div>'
    )
    item["details"]["final_outcome_documents"] = [
        '<section class="attachment embedded" id="attachment_1"><div class="attachment-details">'
        '<h2 class="title"><a href="/x.pdf">Summary of responses</a></h2>'
        '<p class="metadata"><span class="type">PDF</span>, <span>258KB</span></p>'
        '<div class="accessibility-warning"><h2>This file may not be suitable for users of '
        "assistive technology.</h2></div></div></section>"
    ]
    served = Fetched(
        url="https://www.gov.uk/api/content" + CONS_PATH,
        final_url="https://www.gov.uk/api/content" + CONS_PATH,
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps(item).encode("utf-8"),
        content_kind="json",
    )
    texts = by_key(EXTRACTOR.extract(spec("https://www.gov.uk" + CONS_PATH), served))
    assert texts["outcome"] == "We received 3,341 responses."
    assert texts["outcome documents"] == "- Summary of responses (PDF, 258KB)"


def test_attachment_lines_fall_back_to_the_snippet_text() -> None:
    assert attachment_lines("<p>Annex A: <em>costs</em></p>") == ["Annex A: costs"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<!DOCTYPE html><html><body>Sorry, we're experiencing technical difficulties",
            'served an HTML page of 75 bytes saying "Sorry, we.re experiencing technical '
            'difficulties"',
        ),
        (b'{"error": {"code": 404, "message": "Not found"}}', "no title, details, base_path"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"title": "T", "base_pa', r"served JSON that is cut off or broken \(23 bytes\)"),
        (b'{"title": "T", "base_path": "/x", "details": {"body": "<div></div>"}}', "no body"),
    ],
)
def test_error_pages_are_suspect(body: bytes, message: str) -> None:
    served = Fetched(
        url="https://www.gov.uk/api/content/x",
        final_url="https://www.gov.uk/api/content/x",
        status=200,
        headers={"Content-Type": "application/json"},
        body=body,
        content_kind="json",
    )
    assert EXTRACTOR.related(spec("https://www.gov.uk/x"), served) == []
    with pytest.raises(SuspectError, match=message):
        EXTRACTOR.extract(spec("https://www.gov.uk/x"), served)


def test_broken_parent_json_leaves_history_empty(site: FixtureSite) -> None:
    serve(site, HTML_PATH, "final-plan-html.json")
    site.set("/api/content" + PUB_PATH, Reply(body=b"<html>Bad gateway</html>"))
    document = run(spec(site.url(HTML_PATH)))
    assert document.meta["change_history"] == []
    assert "Health and care services" in by_key(document)


def test_body_given_as_content_type_parts() -> None:
    item = json.loads((GOVUK / "interim-consultation-v1.json").read_text(encoding="utf-8"))
    html = item["details"]["body"]
    item["details"]["body"] = [
        {"content_type": "text/govspeak", "content": "## What we want to know"},
        {"content_type": "text/html", "content": html},
    ]
    served = Fetched(
        url="https://www.gov.uk/api/content" + CONS_PATH,
        final_url="https://www.gov.uk/api/content" + CONS_PATH,
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps(item).encode("utf-8"),
        content_kind="json",
    )
    document = EXTRACTOR.extract(spec("https://www.gov.uk" + CONS_PATH), served)
    assert document.sections == offline("interim-consultation-v1.json").sections


def test_a_captcha_instead_of_json_is_told_in_plain_words(site: FixtureSite) -> None:
    captcha = (GOVUK.parent / "nice" / "captcha.html").read_bytes()
    site.set(
        "/api/content" + HTML_PATH,
        Reply(body=captcha, headers={"Content-Type": "text/html; charset=utf-8"}),
    )
    with pytest.raises(SuspectError) as caught:
        run(spec(site.url(HTML_PATH)))
    message = str(caught.value)
    assert message.endswith(
        f'GOV.UK served an HTML page of {len(captcha) / 1000:.1f} KB titled "Just a moment..." '
        "instead of the Content API's JSON (a captcha or an error page?); no version was stored"
    ), message
    assert "Expecting value" not in message and "char 0" not in message

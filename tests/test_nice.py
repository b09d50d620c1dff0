"""The NICE chapter extractor over saved NG206 pages and their variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from scrapers.base import get_extractor
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from scrapers.nice import chapter_document

NICE = Path(__file__).parent / "fixtures" / "nice"
URL = "https://www.nice.org.uk/guidance/ng206/chapter/Recommendations"
MANAGING = "1.11 Managing ME/CFS"
ACTIVITY = "Incorporating physical activity and exercise"
SYMPTOMS = "1.12 Symptom management for people with ME/CFS"
CBT = "Cognitive behavioural therapy"


def spec() -> DocumentSpec:
    """The NG206 recommendations chapter."""
    return DocumentSpec(
        id="nice-ng206-recommendations",
        source="nice",
        title="NG206 Recommendations",
        kind="nice-chapter",
        url=URL,
    )


def extract_body(body: bytes) -> Document:
    """Extract a served NICE page."""
    served = Fetched(
        url=URL,
        final_url=URL,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=body,
        content_kind="html",
    )
    return get_extractor("nice-chapter").extract(spec(), served)


def extract(name: str) -> Document:
    """Extract a NICE fixture page."""
    return extract_body((NICE / name).read_bytes())


def by_key(document: Document) -> dict[str, str]:
    """Section texts by key."""
    return {section.key: section.text for section in document.sections}


def test_keys_are_recommendation_numbers_boxes_and_heading_paths() -> None:
    document = extract("ng206-recommendations-v1.html")
    assert document.title == "Recommendations"
    assert [s.key for s in document.sections] == [
        "intro",
        "1.11.2",
        "1.11.3",
        "1.11.13",
        "1.11.14",
        "box-4",
        f"{MANAGING} > {ACTIVITY}",
        "1.12.27",
        f"{SYMPTOMS} > {CBT}",
        "1.12.28",
        "1.12.29",
        "box-5",
        "Terms used in this guideline",
        "Terms used in this guideline > Energy management",
        "Terms used in this guideline > Post-exertional malaise",
    ]
    paths = {s.key: s.heading_path for s in document.sections}
    assert paths["intro"] == ()
    assert paths["1.11.2"] == (MANAGING, "Energy management")
    assert paths["1.11.14"] == (MANAGING, ACTIVITY)
    assert paths["box-4"] == (MANAGING, ACTIVITY, "Box 4 Graded exercise therapy")
    assert paths["1.12.27"] == (SYMPTOMS, "Psychological support")
    assert paths["box-5"] == (
        SYMPTOMS,
        CBT,
        "Box 5 Cognitive behavioural therapy for people with ME/CFS",
    )


def test_recommendation_text_without_its_number_and_bullets_as_lines() -> None:
    texts = by_key(extract("ng206-recommendations-v1.html"))
    assert texts["1.11.14"].splitlines() == [
        "Do not offer people with ME/CFS:",
        "- any therapy based on physical activity or exercise as a treatment or cure for ME/CFS",
        "- generalised physical activity or exercise programmes - this includes programmes "
        "developed for healthy people or people with other illnesses",
        "- any programme that does not follow the approach in recommendation 1.11.13 or that "
        "uses fixed incremental increases in physical activity or exercise, for example, "
        "graded exercise therapy (see box 4)",
        "- physical activity or exercise programmes that are based on deconditioning and "
        "exercise avoidance theories as perpetuating ME/CFS.",
    ]
    assert texts["1.12.27"] == (
        "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS."
    )
    assert texts["1.11.13"].endswith(
        "only after a period of stability and with the person's agreement."
    )
    assert "- is not curative." in texts["1.12.29"].splitlines()
    assert "post-exertional malaise" in texts["1.11.2"]  # non-breaking hyphen normalised


def test_boxes_and_loose_text() -> None:
    texts = by_key(extract("ng206-recommendations-v1.html"))
    assert texts["box-4"].startswith("In this guideline, graded exercise therapy is defined as")
    assert "Box 4" not in texts["box-4"]
    assert "fixed incremental increases" in texts["box-4"]
    assert texts["box-5"].splitlines()[-1] == (
        "- recognise that thoughts, feelings, behaviours and physiology interact with each other."
    )
    assert texts[f"{MANAGING} > {ACTIVITY}"].startswith("For a short explanation of why")
    assert texts["intro"].startswith("People have the right to be involved in discussions")
    assert "supportive therapy" in texts[f"{SYMPTOMS} > {CBT}"]


def test_site_chrome_never_reaches_the_text() -> None:
    text = extract("ng206-recommendations-v1.html").text
    for chrome in (
        "cookies",
        "Skip to content",
        "Standards and indicators",
        "NICE homepage",
        "Is this page useful",
        "All rights reserved",
        "Next page",
        "pageProps",
    ):
        assert chrome not in text


def test_template_change_extracts_identically() -> None:
    before = extract("ng206-recommendations-v1.html")
    after_html = (NICE / "ng206-recommendations-v2-template.html").read_bytes()
    assert after_html != (NICE / "ng206-recommendations-v1.html").read_bytes()
    assert b"ChapterContent_chapter__Ye1oD" not in after_html
    assert extract_body(after_html) == before


@pytest.mark.parametrize(
    ("variant", "key", "old", "new"),
    [
        ("cure", "1.11.14", "as a treatment or cure for ME/CFS", "as a cure for ME/CFS"),
        (
            "polarity",
            "1.12.27",
            "Do not offer the Lightning Process",
            "Offer the Lightning Process",
        ),
    ],
)
def test_one_word_variants_change_one_section(variant: str, key: str, old: str, new: str) -> None:
    before = by_key(extract("ng206-recommendations-v1.html"))
    after = by_key(extract(f"ng206-recommendations-v2-{variant}.html"))
    assert [k for k in before if before[k] != after[k]] == [key]
    assert before[key].replace(old, new) == after[key]


def test_mass_rename_touches_every_section_naming_the_illness() -> None:
    before = extract("ng206-recommendations-v1.html")
    after = extract("ng206-recommendations-v2-rename.html")
    assert "ME/CFS" not in after.text
    assert after.text == before.text.replace("ME/CFS", "CFS/ME")
    renamed = [s.key for s in after.sections if "CFS/ME" in s.text]
    assert len(renamed) >= 8
    assert "1.11 Managing CFS/ME" in after.sections[1].heading_path


def test_captcha_page_is_suspect() -> None:
    with pytest.raises(SuspectError, match=r"no div\.chapter in the page"):
        extract("captcha.html")


def test_empty_chapter_is_suspect() -> None:
    body = b'<html><body><div class="chapter"><h2 class="title">Recs</h2></div></body></html>'
    with pytest.raises(SuspectError, match="no text"):
        extract_body(body)


def test_numbers_from_ids_duplicates_and_other_panels() -> None:
    html = """
    <div class="chapter" id="ng206_recommendations">
      <h2 class="title">Recommendations</h2>
      <div class="section" title="1.1 Principles">
        <h3 class="title">1.1 Principles</h3>
        <div id="ng206_1_1_1" class="recommendation_text">
          <p class="numbered-paragraph">Recognise that people with ME/CFS may have
             experienced prejudice.</p>
          <div class="panel indented"><p>Rationale link text.</p></div>
        </div>
        <div id="ng206_1_1_1" class="recommendation_text">
          <p class="numbered-paragraph"><span class="paragraph-number">1.1.1 </span>Again.</p>
        </div>
        <div class="panel"><h5 class="title">Information about ME/CFS</h5><p>Boxed.</p></div>
        <div class="panel"><a id="box2"></a>
          <p><strong>Box 2 Severe ME/CFS</strong></p><p>Severe.</p></div>
      </div>
    </div>
    """
    chapter = BeautifulSoup(html, "html.parser").find("div", class_="chapter")
    assert isinstance(chapter, Tag)
    document = chapter_document(chapter)
    assert [(s.key, s.text) for s in document.sections] == [
        ("1.1.1", "Recognise that people with ME/CFS may have experienced prejudice."),
        ("1.1 Principles", "Rationale link text."),
        ("1.1.1 (2)", "Again."),
        ("box: Information about ME/CFS", "Boxed."),
        ("box-2", "Severe."),
    ]
    assert document.sections[4].heading_path == ("1.1 Principles", "Box 2 Severe ME/CFS")

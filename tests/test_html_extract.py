"""The generic HTML extractor: content by CSS selector, sections by headings."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from guidewatch.cycle import run_cycle
from scrapers.base import get_extractor
from scrapers.html import sections_from_html
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from tests.support.site import FixtureSite, Reply
from tests.support.world import BHC_PAGE_PATH, make_app

PAGES = Path(__file__).parent / "fixtures" / "pages"
NEURO = "Neuroplasticity programs designed for autonomic nervous system dysregulation"


def spec(selector: str | None = "article .entry-content") -> DocumentSpec:
    """A Bateman Horne Center page spec."""
    return DocumentSpec(
        id="bhc-orthostatic-intolerance",
        source="bhc",
        title="Orthostatic intolerance",
        kind="html",
        url="https://batemanhornecenter.org/clinical-care-guide/orthostatic-intolerance/",
        selector=selector,
    )


def fetched(body: bytes, content_type: str = "text/html; charset=UTF-8") -> Fetched:
    """A 200 response carrying body."""
    url = "https://batemanhornecenter.org/clinical-care-guide/orthostatic-intolerance/"
    return Fetched(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": content_type},
        body=body,
        content_kind="html",
    )


def extract(name: str, selector: str | None = "article .entry-content") -> Document:
    """Extract a fixture page with the html extractor."""
    body = (PAGES / name).read_bytes()
    return get_extractor("html").extract(spec(selector), fetched(body))


def by_key(document: Document) -> dict[str, str]:
    """Section texts by key."""
    return {section.key: section.text for section in document.sections}


def fragment(html: str) -> BeautifulSoup:
    """Parse an HTML fragment."""
    return BeautifulSoup(html, "html.parser")


def test_bhc_page_sections_keys_and_heading_paths() -> None:
    document = extract("bhc-orthostatic-intolerance-v1.html")
    assert [s.key for s in document.sections] == [
        "introduction",
        "Recognising orthostatic intolerance",
        "Considerations",
        "Non-pharmacological interventions",
        "Fluids and salt",
        "Compression garments",
        NEURO,
        "Pharmacological interventions",
        "Considerations (2)",
    ]
    paths = {s.key: s.heading_path for s in document.sections}
    assert paths["introduction"] == ()
    assert paths[NEURO] == ("Non-pharmacological interventions", NEURO)
    assert paths["Considerations (2)"] == ("Pharmacological interventions", "Considerations")
    assert document.title == "Orthostatic Intolerance - Clinical Care Guide"
    assert document.meta["modified_time"] == "2025-05-14T16:02:11+00:00"


def test_bhc_passage_text_lists_and_tables() -> None:
    texts = by_key(extract("bhc-orthostatic-intolerance-v1.html"))
    passage = texts[NEURO]
    assert "supportive adjuncts rather than curative treatments" in passage
    assert "has reached improved PEM stability" in passage
    assert passage.splitlines()[-2:] == [
        "- do not use a program to push past energy limits",
        "- review the patient's symptoms and activity record after four weeks",
    ]
    assert texts["Pharmacological interventions"].splitlines() == [
        "Medication | Typical starting dose | Notes",
        "Fludrocortisone | 0.05 mg daily | Monitor potassium",
        "Midodrine | 2.5 mg three times daily | Daytime only; not within four hours of lying down",
    ]
    assert "2-3 litres" in texts["Fluids and salt"]  # en dash and entity normalised


def test_bhc_page_chrome_is_left_out() -> None:
    document = extract("bhc-orthostatic-intolerance-v1.html")
    keys = [s.key for s in document.sections] + [
        h for s in document.sections for h in s.heading_path
    ]
    text = document.text + "\n".join(keys)
    for chrome in (
        "cookies",
        "Share this",
        "Facebook",
        "Skip to content",
        "Donate",
        "Salt Lake City",
        "Last updated",
        "Sleep",
        "cli_cookiebar_settings",
    ):
        assert chrome not in text


def test_default_selector_falls_back_to_main_with_the_same_sections() -> None:
    chosen = extract("bhc-orthostatic-intolerance-v1.html")
    fallback = extract("bhc-orthostatic-intolerance-v1.html", selector=None)
    assert fallback.meta["selector"] == "main"
    assert fallback.sections == chosen.sections


def test_revised_passage_changes_only_its_own_section() -> None:
    old = by_key(extract("bhc-orthostatic-intolerance-v1.html"))
    new = by_key(extract("bhc-orthostatic-intolerance-v2.html"))
    assert old.keys() == new.keys()
    changed = [key for key in old if old[key] != new[key]]
    assert changed == [NEURO]
    assert "PEM stability" not in new[NEURO]
    assert "rehabilitation plan" in new[NEURO]


def test_cookie_wall_is_suspect() -> None:
    with pytest.raises(SuspectError, match="no element matches 'article .entry-content'"):
        extract("cookie-wall.html")
    with pytest.raises(SuspectError, match="has no text"):
        extract("cookie-wall.html", selector=None)


def test_sections_from_html_fragment() -> None:
    html = """
    <div>
      <p>Before any heading.</p>
      <h2 id="share-schemes">Share schemes</h2>
      <p>Line one<br>line two</p>
      <ul><li><p>outer</p><ul><li>inner</li></ul></li><li>second <strong>bold</strong>ly</li></ul>
      <div class="social-share"><a href="#">Share on X</a></div>
      <h3>Detail</h3>
      <p>Nested under share schemes.</p>
      <h2>Other</h2>
      <h3>Detail</h3>
      <p>Second detail.</p>
      <h4>   </h4>
      <p>Still second detail.</p>
    </div>
    """
    sections = sections_from_html(fragment(html))
    assert [(s.key, s.heading_path) for s in sections] == [
        ("introduction", ()),
        ("Share schemes", ("Share schemes",)),
        ("Detail", ("Share schemes", "Detail")),
        ("Detail (2)", ("Other", "Detail")),
    ]
    assert sections[1].text == "Line one\nline two\n- outer\n- inner\n- second boldly"
    assert sections[3].text == "Second detail.\nStill second detail."


def test_sections_from_html_drops_furniture() -> None:
    html = """
    <main>
      <a class="skip-link" href="#c">Skip to main content</a>
      <nav><a href="/">Home</a></nav>
      <div id="cookie-notice"><p>We use cookies.</p></div>
      <div class="breadcrumbs"><a href="/">Home</a> / Guide</div>
      <script>var x = "script text";</script><style>p { color: red }</style>
      <form><label>Email</label><button>Sign up</button></form>
      <p>Real <!-- a comment --> content.</p>
      <aside>Related links</aside>
      <footer>Footer text</footer>
    </main>
    """
    sections = sections_from_html(fragment(html))
    assert [(s.key, s.text) for s in sections] == [("introduction", "Real content.")]


def test_windows_1252_page_decodes_through_its_declared_charset() -> None:
    body = (
        "<html><body><main><h2>Pacing</h2><p>Don\u2019t push \u2013 rest.</p></main></body></html>"
    ).encode("cp1252")
    document = get_extractor("html").extract(spec(None), fetched(body, "text/html; charset=cp1252"))
    assert by_key(document) == {"Pacing": "Don't push - rest."}


def test_extract_a_page_served_on_loopback(site: FixtureSite) -> None:
    site.set_file(
        "/clinical-care-guide/orthostatic-intolerance/",
        PAGES / "bhc-orthostatic-intolerance-v1.html",
    )
    page_spec = DocumentSpec(
        id="bhc-oi",
        source="bhc",
        title="OI",
        kind="html",
        url=site.url("/clinical-care-guide/orthostatic-intolerance/"),
        selector="article .entry-content",
    )
    extractor = get_extractor("html")
    url = extractor.discover(page_spec, lambda _url: pytest.fail("no index page to fetch"))
    response = httpx.get(url)
    served = Fetched(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        headers=dict(response.headers),
        body=response.content,
        content_kind="html",
    )
    assert extractor.related(page_spec, served) == []
    document = extractor.extract(page_spec, served)
    assert "has reached improved PEM stability" in by_key(document)[NEURO]


def test_an_image_served_for_a_page_says_what_was_served(site: FixtureSite, tmp_path: Path) -> None:
    app = make_app(site, tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    site.set(BHC_PAGE_PATH, Reply(body=png, headers={"Content-Type": "image/png"}))
    specs = app.catalog.select([], ["bhc-clinical-care-guide-page"])
    [result] = run_cycle(specs, engine=app.writable_engine(), policy=app.policy())
    assert result.outcome == "suspect"
    assert "expected an HTML page at https://batemanhornecenter.org/" in result.message
    assert "but the server sent binary data (image/png)" in result.message

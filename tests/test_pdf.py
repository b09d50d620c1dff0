"""PDF extraction on the project's own generated PDFs: sections, noise removal, failures."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from scrapers.base import get_extractor
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from scrapers.pdf import extract_pdf
from scrapers.text import normalise_block
from tests.support.pdfgen import (
    SOFT_HYPHEN,
    Block,
    Bullets,
    Heading,
    Layout,
    Meta,
    Para,
    make_pdf,
    make_resaved_pdf,
    soft_hyphenate,
)

HEADER = "BACME | ME/CFS Guide to Therapy | March 2025"

INTRO = (
    "This guide describes the therapy that specialist ME/CFS services offer to adults, "
    "children and young people. It is written for people living with ME/CFS, their families "
    "and carers, and for the clinicians who work with them. Nothing in it replaces a plan "
    "agreed between you and your own clinical team."
)
ENERGY = (
    "Energy management is the foundation of every therapy programme. It starts from an "
    "honest picture of the activity you can manage now, including physical, cognitive, "
    "social and emotional activity, and of the rest you need to recover from it."
)
PACING = (
    "Pacing means planning the day so that activity stays within the limits of your energy "
    "envelope. Short periods of activity are broken up with planned rest, and the plan is "
    "reviewed whenever symptoms change."
)
GET_TEXT = (
    "Graded exercise therapy (GET) was a fixed programme in which exercise was increased "
    "each week. Earlier editions suggested that, once a stable baseline had been found, you "
    "could increase your activity by no more than 10-20% at a time. Any change of this kind "
    "should be planned with a specialist clinician, and stopped if symptoms of "
    "post-exertional malaise appear."
)
# Long enough to flow from page 3 on to page 4.
FLOW = " ".join(
    [
        "Specialist services describe some of their work as rehabilitation, and the word is "
        "used here in that sense: support to live as well as possible with the condition, "
        "never pressure to push through symptoms."
    ]
    * 24
)


def guide_pages() -> list[list[Block]]:
    """A four-page guide in the spirit of the BACME Guide to Therapy."""
    return [
        [Heading(0, "ME/CFS Guide to Therapy"), Para("Third edition, redrafted March 2025.")],
        [
            Heading(1, "1. Introduction"),
            Para(INTRO),
            Heading(1, "2. What is Energy Management?"),
            Para(ENERGY),
            Heading(2, "2.1 Pacing"),
            Para(PACING),
            Heading(3, "Planning a day"),
            Para("Write down what you plan to do, then note what you actually did."),
        ],
        [
            Heading(1, "4. What is Graded Exercise Therapy?"),
            Para(GET_TEXT),
            Bullets(
                (
                    "Agree a stable baseline before any change",
                    "Keep a diary of activity, rest and symptoms for at least two weeks",
                    "Reduce activity straight away if symptoms flare",
                )
            ),
            Heading(1, "5. Rehabilitation"),
            Para(FLOW),
        ],
    ]


def by_key(document: Document) -> dict[str, str]:
    return {section.key: section.text for section in document.sections}


def raw_text(body: bytes) -> str:
    """The text as pdfium gives it, page after page, in content stream order."""
    pdf = pdfium.PdfDocument(body)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(texts)
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def guide_pdf() -> bytes:
    return make_pdf(guide_pages(), title="ME/CFS Guide to Therapy", running_header=HEADER)


@pytest.fixture(scope="module")
def guide(guide_pdf: bytes) -> Document:
    return extract_pdf(guide_pdf)


def test_headings_become_sections_with_keys_paths_and_pages(guide: Document) -> None:
    keys = [section.key for section in guide.sections]
    assert keys == [
        "front matter",
        "1. Introduction",
        "2. What is Energy Management?",
        "2.1 Pacing",
        "Planning a day",
        "4. What is Graded Exercise Therapy?",
        "5. Rehabilitation",
    ]
    sections = {section.key: section for section in guide.sections}
    assert sections["2.1 Pacing"].heading_path == ("2. What is Energy Management?", "2.1 Pacing")
    assert sections["Planning a day"].heading_path == (
        "2. What is Energy Management?",
        "2.1 Pacing",
        "Planning a day",
    )
    assert sections["4. What is Graded Exercise Therapy?"].heading_path == (
        "4. What is Graded Exercise Therapy?",
    )
    assert sections["front matter"].heading_path == ()
    assert sections["1. Introduction"].pages == (2,)
    assert sections["5. Rehabilitation"].pages == (3, 4)
    assert sections["1. Introduction"].text == INTRO
    assert sections["2.1 Pacing"].text == PACING


def test_text_is_faithful(guide: Document) -> None:
    text = by_key(guide)["4. What is Graded Exercise Therapy?"]
    assert "increase your activity by no more than 10-20% at a time" in text
    assert text.startswith(GET_TEXT)
    assert "ME/CFS Guide to Therapy" in by_key(guide)["front matter"]


def test_title_and_meta(guide: Document) -> None:
    assert guide.title == "ME/CFS Guide to Therapy"
    assert guide.meta["page_count"] == 4
    assert guide.meta["producer"] == "guidewatch test PDF generator"
    assert guide.meta["created"].startswith("D:20250301")


def test_title_falls_back_to_the_cover_heading() -> None:
    document = extract_pdf(make_pdf(guide_pages()))
    assert document.title == "ME/CFS Guide to Therapy"


def test_running_header_and_page_numbers_are_gone(guide_pdf: bytes, guide: Document) -> None:
    raw = raw_text(guide_pdf)
    assert HEADER in raw and "Page 3 of 4" in raw  # they are in the PDF...
    assert "BACME |" not in guide.text  # ...but not in the extracted text
    assert "Page " not in guide.text
    assert "of 4" not in guide.text


def test_running_header_with_changing_digits_is_gone() -> None:
    pages: list[list[Block]] = [
        [Para(f"Body text of page {n}, long enough to count as real text.")] for n in "12345"
    ]
    body = make_pdf(pages, running_header="Guide to Therapy 2025 - draft 3", title="t")
    document = extract_pdf(body)
    assert "draft" not in document.text
    assert "Body text of page 4" in document.text


def test_page_numbers_alone_are_removed_even_without_repeats() -> None:
    pages: list[list[Block]] = [
        [Para("A short leaflet about pacing and rest, with no headings at all.")]
    ]
    document = extract_pdf(make_pdf(pages))
    assert document.text == "A short leaflet about pacing and rest, with no headings at all."


def test_line_break_hyphenation_is_joined() -> None:
    original = " ".join([ENERGY, PACING, FLOW])
    body = make_pdf([[Heading(1, "2. Energy"), Para(soft_hyphenate(original))]], title="t")
    raw = raw_text(body)
    # pdfium marks a hyphen that ends a line as U+FFFE: there must be some to join.
    assert raw.count("\ufffe") >= 3
    assert by_key(extract_pdf(body))["2. Energy"] == original


def test_forced_hyphen_breaks_join_but_real_compounds_stay() -> None:
    text = (
        "Many services still describe this work as rehabili-\ntation and say so. "
        "Symptoms of post-exertional malaise can follow exertion, and post-\nexertional "
        "malaise can last for days. Increase by no more than 10-20% after ten-\n20 days."
    )
    body = make_pdf([[Heading(1, "Notes"), Para(text)]], title="t")
    raw = raw_text(body)
    assert "rehabili-\r\n" in raw or "rehabili\ufffe" in raw
    got = by_key(extract_pdf(body))["Notes"]
    assert "describe this work as rehabilitation and say so" in got
    assert "and post-exertional malaise can last" in got
    assert got.count("post-exertional") == 2
    assert "no more than 10-20% after ten-20 days." in got


def test_bullets_are_normalised() -> None:
    pages: list[list[Block]] = [
        [
            Heading(1, "What helps"),
            Para("Approaches that people find helpful include:"),
            Bullets(("Planned rest", "A regular sleep routine"), glyph="\u2022"),
            Para("Things to avoid:"),
            Bullets(("Boom and bust patterns", "Pushing through symptoms"), glyph="\u2013"),
        ]
    ]
    got = by_key(extract_pdf(make_pdf(pages, title="t")))["What helps"]
    assert got.split("\n") == [
        "Approaches that people find helpful include:",
        "- Planned rest",
        "- A regular sleep routine",
        "Things to avoid:",
        "- Boom and bust patterns",
        "- Pushing through symptoms",
    ]


def test_long_bullet_items_keep_their_continuation_lines(guide: Document) -> None:
    lines = by_key(guide)["4. What is Graded Exercise Therapy?"].split("\n")
    assert lines[1:] == [
        "- Agree a stable baseline before any change",
        "- Keep a diary of activity, rest and symptoms for at least two weeks",
        "- Reduce activity straight away if symptoms flare",
    ]
    long_item = Bullets((" ".join(["Keep a diary of activity, rest and symptoms."] * 4),))
    got = extract_pdf(make_pdf([[Heading(1, "Diary"), long_item]], title="t"))
    assert by_key(got)["Diary"] == "- " + long_item.items[0]


def test_resaved_pdf_with_same_text_gives_equal_sections(guide_pdf: bytes) -> None:
    resaved = make_resaved_pdf(guide_pages(), title="Guide", running_header=HEADER)
    assert resaved != guide_pdf
    first, second = extract_pdf(guide_pdf), extract_pdf(resaved)
    assert second.meta["producer"] != first.meta["producer"]
    assert second.meta["created"] != first.meta["created"]
    # What the history hashes: keys, heading paths and text.
    assert [(s.key, s.heading_path, s.text) for s in second.sections] == [
        (s.key, s.heading_path, s.text) for s in first.sections
    ]


def test_resaved_pdf_with_different_line_breaks_gives_equal_text() -> None:
    pages: list[list[Block]] = [
        [Heading(1, "2. Energy"), Para(soft_hyphenate(" ".join([ENERGY, PACING])))]
    ]
    narrow = Layout(margin=150.0)
    first = extract_pdf(make_pdf(pages, title="t", layout=narrow))
    second = extract_pdf(make_pdf(pages, title="t", meta=Meta(producer="LibreOffice 7.6")))
    assert first.sections == second.sections


def two_column_pages() -> list[list[Block]]:
    return [
        [
            Heading(1, "1. Introduction"),
            Para(INTRO),
            Para(ENERGY),
            Heading(1, "2. Pacing"),
            Para(PACING),
            Para(FLOW[:900] + "."),
            Heading(1, "3. Graded Exercise Therapy"),
            Para(GET_TEXT),
        ],
        [Heading(1, "4. Review"), Para(PACING)],
    ]


def test_two_columns_read_in_column_order_even_when_drawn_row_by_row() -> None:
    interleaved = make_pdf(
        two_column_pages(),
        columns=2,
        layout=Layout(interleave_columns=True),
        title="t",
        running_header=HEADER,
    )
    in_order = make_pdf(two_column_pages(), columns=2, title="t", running_header=HEADER)
    # pdfium alone reads the interleaved one across the columns...
    raw = raw_text(interleaved).replace("\r\n", " ")
    assert INTRO[:40] in raw and INTRO[:200] not in raw
    # ...but the extraction reads both in column order.
    got = extract_pdf(interleaved)
    assert got.sections == extract_pdf(in_order).sections
    sections = by_key(got)
    assert sections["1. Introduction"] == f"{INTRO}\n{ENERGY}"
    assert sections["3. Graded Exercise Therapy"] == GET_TEXT
    assert [s.key for s in got.sections] == [
        "1. Introduction",
        "2. Pacing",
        "3. Graded Exercise Therapy",
        "4. Review",
    ]


def test_duplicate_headings_get_numbered_keys() -> None:
    pages: list[list[Block]] = [
        [Heading(1, "Pacing"), Para(PACING)],
        [Heading(1, "Pacing"), Para(ENERGY)],
    ]
    keys = [s.key for s in extract_pdf(make_pdf(pages, title="t")).sections]
    assert keys == ["Pacing", "Pacing (2)"]


def test_without_headings_sections_are_pages() -> None:
    pages: list[list[Block]] = [[Para(INTRO)], [Para(ENERGY)], [Para(PACING)]]
    document = extract_pdf(make_pdf(pages, title="Leaflet"))
    assert [(s.key, s.pages, s.text) for s in document.sections] == [
        ("page 1", (1,), INTRO),
        ("page 2", (2,), ENERGY),
        ("page 3", (3,), PACING),
    ]


def test_soft_hyphens_never_reach_the_text(guide: Document) -> None:
    assert SOFT_HYPHEN not in guide.text
    assert "\x02" not in guide.text and "\ufffe" not in guide.text
    for line in guide.text.split("\n"):
        assert line == normalise_block(line)


def test_encrypted_pdf_is_suspect() -> None:
    body = make_pdf(guide_pages(), encrypt_password="secret")
    with pytest.raises(SuspectError, match="PDF is encrypted"):
        extract_pdf(body)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda body: body[: len(body) // 2],
        lambda body: body[:200] + bytes(range(256)) * 20 + b"\n%%EOF\n",
        lambda body: b"%PDF-1.7\n" + b"garbage " * 100 + b"\n%%EOF",
        lambda body: b"PK\x03\x04 this is a zip file, not a PDF" + body[40:],
    ],
    ids=["truncated", "scrambled", "garbage", "not-a-pdf"],
)
def test_corrupt_or_truncated_pdf_is_suspect(guide_pdf: bytes, mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SuspectError, match="PDF is corrupt"):
        extract_pdf(mangle(guide_pdf))


def test_pdf_without_text_is_suspect() -> None:
    import io

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for _ in range(2):
        canvas.rect(50, 50, 400, 600, fill=1)  # a "scanned" page: pictures, no text
        canvas.showPage()
    canvas.save()
    with pytest.raises(SuspectError, match=r"no extractable text \(scanned\?\)"):
        extract_pdf(buffer.getvalue())


def spec(kind: str) -> DocumentSpec:
    return DocumentSpec(
        id="bacme-guide", source="bacme", title="Guide", kind=kind, url="http://x/guide.pdf"
    )


def fetched(body: bytes, kind: str) -> Fetched:
    return Fetched(
        url="http://127.0.0.1/guide.pdf",
        final_url="http://127.0.0.1/guide.pdf",
        status=200,
        headers={"content-type": "application/pdf"},
        body=body,
        content_kind=kind,
    )


def test_pdf_extractor_is_registered_and_extracts(guide_pdf: bytes) -> None:
    extractor = get_extractor("pdf")
    assert extractor.version == "pdf-2"
    assert extractor.related(spec("pdf"), fetched(guide_pdf, "pdf")) == []
    document = extractor.extract(spec("pdf"), fetched(guide_pdf, "pdf"))
    assert document.sections == extract_pdf(guide_pdf).sections


def test_pdf_extractor_given_an_html_page_is_suspect() -> None:
    html = b"<!doctype html><html><body><h1>Just a moment...</h1></body></html>"
    with pytest.raises(SuspectError, match="expected a PDF .* got an HTML page") as caught:
        get_extractor("pdf").extract(spec("pdf"), fetched(html, "html"))
    assert caught.value.fetched is not None


def test_pdf_extractor_failure_keeps_the_fetched_body(guide_pdf: bytes) -> None:
    with pytest.raises(SuspectError, match="PDF is corrupt") as caught:
        get_extractor("pdf").extract(spec("pdf"), fetched(guide_pdf[:500], "pdf"))
    assert caught.value.fetched is not None


def test_pdf_link_documents_share_the_pdf_extractor_version() -> None:
    from scrapers.base import get_extractor

    # An extraction upgrade must reach both kinds, or one would read it as a content change.
    assert get_extractor("pdf-link").version == get_extractor("pdf").version
    assert "version" not in vars(type(get_extractor("pdf-link")))

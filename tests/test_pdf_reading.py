"""Reading PDFs as a person does: each failure seen on real clinic and BACME PDFs, redrawn.

Numbered headings in a heading font, chart labels in a heading-sized font, stale metadata
titles, two editions with one heading renamed, a reflowed edition without headings, line-end
hyphens both ways, and headings taken from the outline.
"""

from __future__ import annotations

import io

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from compare.diff import compare_documents
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section
from scrapers.pdf import extract_pdf
from tests.support.pdfgen import (
    LETTER,
    Block,
    Bullets,
    Chart,
    Heading,
    Layout,
    Para,
    make_pdf,
    wrap,
)
from tests.test_pdf import ENERGY, FLOW, GET_TEXT, INTRO, PACING

TOPICS = load_topics(DEFAULT_TOPICS)


def keys(document: Document) -> list[str]:
    return [section.key for section in document.sections]


def by_key(document: Document) -> dict[str, str]:
    return {section.key: section.text for section in document.sections}


def booklet(therapy: str = "4. What is graded exercise therapy?") -> list[list[Block]]:
    """An NHS-style service booklet whose sections are numbered questions."""
    return [
        [Heading(0, "ME/CFS clinic booklet"), Para("Second edition, for adults and carers.")],
        [
            Heading(1, "1. What is ME/CFS?"),
            Para(INTRO),
            Heading(1, "2. What is pacing?"),
            Para(f"{PACING} {ENERGY}"),
            Heading(1, "3. What is energy management?"),
            Para(ENERGY),
        ],
        [
            Heading(1, therapy),
            Para(GET_TEXT),
            Bullets(("Keep an activity diary.", "Rest before you are tired.")),
            Heading(1, "5. Where can I get help?"),
            Para(INTRO),
        ],
    ]


BOOKLET_KEYS = [
    "front matter",
    "1. What is ME/CFS?",
    "2. What is pacing?",
    "3. What is energy management?",
    "4. What is graded exercise therapy?",
    "5. Where can I get help?",
]
# The headings are set in their own font, no bigger than the body and not bold: one edition
# leaves space around them, the other sets them tight against the text on a Letter page.
SPACED = Layout(heading_sizes=(24.0, 11.5, 11.5, 11.0), heading_font="Times-Roman")
TIGHT = Layout(
    heading_sizes=(24.0, 11.5, 11.5, 11.0),
    heading_font="Times-Roman",
    space_above=0.0,
    space_below=0.0,
    page_size=LETTER,
    margin=60.0,
)


def test_numbered_headings_in_a_heading_font_are_headings_in_both_editions() -> None:
    spaced = extract_pdf(make_pdf(booklet(), layout=SPACED, title="Booklet"))
    tight = extract_pdf(make_pdf(booklet(), layout=TIGHT, title="Booklet"))
    assert keys(spaced) == BOOKLET_KEYS
    assert keys(tight) == BOOKLET_KEYS
    assert by_key(tight)["2. What is pacing?"] == f"{PACING} {ENERGY}"
    assert [s.text for s in tight.sections] == [s.text for s in spaced.sections]


def test_italic_heading_font_at_the_body_size_is_a_heading_style() -> None:
    italic = Layout(
        heading_sizes=(24.0, 11.0, 11.0, 11.0),
        heading_font="Helvetica-Oblique",
        space_above=0.0,
        space_below=0.0,
    )
    assert keys(extract_pdf(make_pdf(booklet(), layout=italic, title="Booklet"))) == BOOKLET_KEYS


def test_two_editions_with_one_heading_renamed_give_exactly_one_renamed_section() -> None:
    old = extract_pdf(make_pdf(booklet(), layout=SPACED, title="Booklet"))
    renamed = booklet("4. What is activity management?")
    new = extract_pdf(make_pdf(renamed, layout=TIGHT, title="Booklet"))
    changes = compare_documents(old, new, topics=TOPICS)
    assert [(c.kind, c.old_section_key, c.section_key) for c in changes] == [
        ("renamed", "4. What is graded exercise therapy?", "4. What is activity management?")
    ]


def chart_pages() -> list[list[Block]]:
    return [
        [
            Heading(1, "Energy envelope"),
            Para(ENERGY),
            Chart(("Good day", "Bad day", "BEHAVIOUR", "Fatigue and", "pain", "Rest")),
            Para(PACING),
            Heading(1, "Setbacks"),
            Para(INTRO),
        ]
    ]


def test_chart_labels_in_a_heading_sized_font_are_figure_text_not_headings() -> None:
    document = extract_pdf(make_pdf(chart_pages(), title="Energy"))
    assert keys(document) == ["Energy envelope", "Setbacks"]
    text = by_key(document)["Energy envelope"].split("\n")
    # The diagram's labels stay in its section, read together, between the paragraphs
    # around the chart.
    assert text[0] == ENERGY and text[-1] == PACING
    assert text[1:-1] == ["Good day · Bad day · BEHAVIOUR · Fatigue and · pain · Rest"]


def test_headings_on_shaded_bands_stay_headings() -> None:
    """Lines stacked in a drawn box are a styled heading, not a chart's labels."""
    pages: list[list[Block]] = [
        [
            Heading(1, "What to do when a setback lasts for more than a week", band=True),
            Para(INTRO),
            Heading(1, "Pacing", band=True),
            Para(PACING),
        ]
    ]
    document = extract_pdf(make_pdf(pages, title="Setbacks", layout=Layout(margin=150.0)))
    assert keys(document) == ["What to do when a setback lasts for more than a week", "Pacing"]


def test_stale_metadata_title_gives_way_to_the_first_page() -> None:
    stale = make_pdf(booklet(), layout=SPACED, title="Fatigue Service Referral Form 2019")
    assert extract_pdf(stale).title == "ME/CFS clinic booklet"
    agreeing = make_pdf(booklet(), layout=SPACED, title="ME/CFS Clinic Booklet (2nd edition)")
    assert extract_pdf(agreeing).title == "ME/CFS Clinic Booklet (2nd edition)"


def leaflet() -> list[Block]:
    """A leaflet without headings that repeats itself, as handouts do (the same lists on
    several pages): pages with the same words make page keys pair wrongly."""
    part: list[Block] = [
        Para(INTRO),
        Bullets(("Keep an activity diary.", "Rest before you are tired.")),
        Para(FLOW),
        Para(GET_TEXT),
        Para("Do not offer people with ME/CFS:"),
        Bullets(("graded exercise therapy", "any programme based on deconditioning")),
        Para(f"{PACING} {ENERGY}"),
    ]
    return part * 2


def test_reflowed_edition_without_headings_is_no_change() -> None:
    old = extract_pdf(make_pdf([leaflet()], title="Leaflet"))
    reflowed = Layout(page_size=LETTER, margin=72.0, body_size=13.0)
    new = extract_pdf(make_pdf([leaflet()], title="Leaflet", layout=reflowed))
    assert keys(old)[0] == "page 1"
    assert [s.text for s in old.sections] != [s.text for s in new.sections]
    assert compare_documents(old, new, topics=TOPICS) == []


def test_a_change_in_a_reflowed_edition_is_one_change() -> None:
    old = extract_pdf(make_pdf([leaflet()], title="Leaflet"))
    edited = leaflet()
    edited[3] = Para(GET_TEXT.replace("10-20%", "5%"))
    reflowed = Layout(page_size=LETTER, margin=72.0, body_size=13.0)
    new = extract_pdf(make_pdf([edited], title="Leaflet", layout=reflowed))
    changes = compare_documents(old, new, topics=TOPICS)
    assert len(changes) == 1 and changes[0].kind == "modified"
    # Compared as running text, placed back on the page that holds the new wording.
    page = next(s.pages[0] for s in new.sections if "no more than 5% at a time" in s.text)
    assert changes[0].section_key == f"page {page}" and changes[0].pages == (page,)
    assert changes[0].words_removed == ("10-20",) and changes[0].words_added == ("5",)


def hyphenated(text: str) -> str:
    """The extracted text of one paragraph whose lines break where `text` has newlines."""
    body = make_pdf([[Heading(1, "Notes"), Para(text)]], title="Notes")
    return by_key(extract_pdf(body))["Notes"]


def test_line_end_hyphen_kept_when_both_parts_are_words_and_the_whole_is_not() -> None:
    got = hyphenated(
        "Rehabilitation supports independence and self-\ndetermination for everyone. "
        "Symptoms of post-\nexertional malaise follow activity."
    )
    assert "independence and self-determination for everyone" in got
    assert "Symptoms of post-exertional malaise follow" in got


def test_line_end_hyphen_joined_when_a_part_is_not_a_word_or_the_whole_is() -> None:
    got = hyphenated(
        "Services describe this work as rehabili-\ntation today. The treat-\nment plan is "
        "agreed together and reviewed every month by the clinic team."
    )
    assert "this work as rehabilitation today" in got
    assert "The treatment plan is agreed" in got


def test_the_document_itself_decides_before_the_word_list() -> None:
    # "long-term" is written with its hyphen elsewhere, "dysregulation" as one word.
    got = hyphenated(
        "Plans cover long-term needs. Services meet long-\nterm needs as well. Autonomic "
        "dysregulation is common, and dys-\nregulation of sleep too."
    )
    assert "Services meet long-term needs as well" in got
    assert "and dysregulation of sleep too" in got


def outline_pages() -> list[list[Block]]:
    return [
        [
            Heading(1, "Introduction"),
            Para(INTRO),
            # A heading set like body text: only the outline says it is one.
            Heading(2, "Who this guide is for", plain=True),
            Para(ENERGY),
            # A bold line that looks like a heading, but the outline leaves it out.
            Heading(3, "Remember this", bookmark=False),
            Para(PACING),
        ],
        [Heading(1, "Graded exercise therapy"), Para(GET_TEXT)],
    ]


def test_outline_gives_the_headings_and_their_levels() -> None:
    document = extract_pdf(make_pdf(outline_pages(), title="Guide", outline=True))
    assert document.meta["headings_from"] == "outline"
    assert keys(document) == ["Introduction", "Who this guide is for", "Graded exercise therapy"]
    sections = {s.key: s for s in document.sections}
    assert sections["Who this guide is for"].heading_path == (
        "Introduction",
        "Who this guide is for",
    )
    assert sections["Who this guide is for"].text == f"{ENERGY}\nRemember this\n{PACING}"
    assert sections["Graded exercise therapy"].pages == (2,)


def test_without_an_outline_the_same_pdf_is_read_from_its_styles() -> None:
    document = extract_pdf(make_pdf(outline_pages(), title="Guide"))
    assert "Who this guide is for" not in keys(document)
    assert "Remember this" in keys(document)


def picture_page() -> bytes:
    """A page as Word draws one: a heading with an icon beside it, text, then a picture with
    two heading-sized labels set beside it, then more text."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    picture = ImageReader(Image.new("RGB", (60, 60), "red"))
    canvas.drawImage(picture, 72, 758, 22, 22)  # the icon
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(100, 762, "Pacing")
    y = 736.0
    canvas.setFont("Helvetica", 11)
    for line in wrap(INTRO, "Helvetica", 11, 450):
        canvas.drawString(72, y, line)
        y -= 14
    canvas.drawImage(picture, 320, 420, 120, 110)  # the picture
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(170, 480, "Aerobic Metabolism")
    canvas.drawString(165, 464, "Fuel + Oxygen = ATP")
    y = 390.0
    canvas.setFont("Helvetica", 11)
    for line in wrap(PACING, "Helvetica", 11, 450):
        canvas.drawString(72, y, line)
        y -= 14
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_labels_beside_a_picture_are_its_figure_text_and_an_icon_keeps_its_heading() -> None:
    document = extract_pdf(picture_page())
    assert keys(document) == ["Pacing"]
    assert by_key(document)["Pacing"].split("\n") == [
        INTRO,
        "Aerobic Metabolism · Fuel + Oxygen = ATP",
        PACING,
    ]


def test_a_numbered_list_in_the_body_font_is_not_headings() -> None:
    pages: list[list[Block]] = [
        [
            Heading(1, "What helps"),
            Para(INTRO),
            Para("1. Plan rest before you are tired"),
            Para("2. Keep a diary of activity"),
            Para("3. Agree a baseline with your team"),
            Para(PACING),
            Heading(1, "Setbacks"),
            Para(INTRO),
        ]
    ]
    document = extract_pdf(make_pdf(pages, title="Helps"))
    assert keys(document) == ["What helps", "Setbacks"]
    assert "\n2. Keep a diary of activity\n" in by_key(document)["What helps"]


def test_a_lone_bookmark_is_no_outline() -> None:
    pages: list[list[Block]] = [
        [
            Heading(1, "Introduction"),
            Para(INTRO),
            Heading(1, "Pacing", bookmark=False),
            Para(PACING),
        ]
    ]
    document = extract_pdf(make_pdf(pages, title="Guide", outline=True))
    assert keys(document) == ["Introduction", "Pacing"]
    assert document.meta["headings_from"] == "styles"


def test_paged_changes_are_placed_on_the_pages_that_hold_them() -> None:
    def paged(*pages: str) -> Document:
        return Document(
            tuple(Section(f"page {n}", (), text, (n,)) for n, text in enumerate(pages, 1))
        )

    old = paged(
        "Rest is part of the plan. Pacing keeps activity within limits.",
        "Plans are reviewed monthly. Graded exercise therapy is offered to some.",
    )
    new = paged(
        "Rest is part of the plan.",
        "Pacing keeps activity within limits. Plans are reviewed monthly.",
        "Ask your team about a home visit.",
    )
    changes = compare_documents(old, new, topics=TOPICS)
    assert [(c.kind, c.section_key, c.pages) for c in changes] == [
        ("modified", "page 3", (3,)),
    ]
    assert changes[0].old_sentences == ("Graded exercise therapy is offered to some.",)
    assert changes[0].new_sentences == ("Ask your team about a home visit.",)


def test_captions_and_quotations_in_a_font_of_their_own_are_not_headings() -> None:
    pages = booklet()
    pages[1] += [
        Heading(1, "Figure 1: Energy used over a week"),
        Para(ENERGY),
        Heading(1, "Rest before you are tired, not after."),
        Para(PACING),
    ]
    pages[2] += [
        Heading(1, "Figure 2: A diary page"),
        Para(ENERGY),
        Heading(1, "Plans change with your symptoms."),
        Para(PACING),
    ]
    italic = Layout(
        heading_sizes=(24.0, 11.0, 11.0, 11.0),
        heading_font="Helvetica-Oblique",
        space_above=0.0,
        space_below=0.0,
    )
    assert keys(extract_pdf(make_pdf(pages, layout=italic, title="Booklet"))) == BOOKLET_KEYS

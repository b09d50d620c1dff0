"""A list's introduction and its items read as one sentence; terms ordered by their reason;
topics ordered by relevance; the watched terms a change lost and gained."""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from compare.diff import compare_documents
from compare.model import Change
from compare.sentences import Placed, placed_sentences, sentences
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.base import get_extractor
from scrapers.model import Document, DocumentSpec, Fetched, Section
from scrapers.nice import chapter_document

TOPICS = load_topics(DEFAULT_TOPICS)
FIXTURES = Path(__file__).parent / "fixtures"
INTRO = "Do not offer people with ME/CFS:"
GET_ITEM = "graded exercise therapy (see box 4)"


def nice(*edits: tuple[str, str]) -> Document:
    """The NG206 recommendations test page, edited, extracted by the real NICE extractor."""
    body = (FIXTURES / "nice" / "ng206-recommendations-v1.html").read_text(encoding="utf-8")
    for old, new in edits:
        assert body.count(old) == 1, old
        body = body.replace(old, new)
    chapter = BeautifulSoup(body, "html.parser").find("div", class_="chapter")
    assert isinstance(chapter, Tag)
    return chapter_document(chapter)


def bhc(version: str) -> Document:
    """The Bateman Horne Center test page, extracted by the real HTML extractor."""
    url = "https://batemanhornecenter.org/clinical-care-guide/"
    spec = DocumentSpec(
        id="bhc", source="bhc", title="BHC", kind="html", url=url, selector="article .entry-content"
    )
    body = (FIXTURES / "pages" / f"bhc-orthostatic-intolerance-{version}.html").read_bytes()
    fetched = Fetched(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html"},
        body=body,
        content_kind="html",
    )
    return get_extractor("html").extract(spec, fetched)


def one(old: Document, new: Document) -> Change:
    """The single change between two documents."""
    changes = compare_documents(old, new, topics=TOPICS)
    assert len(changes) == 1, changes
    return changes[0]


def section(text: str, key: str = "1") -> Document:
    """A document of one section."""
    return Document((Section(key, ("Recommendations",), text),))


LIST = (
    "Some people need support.\n"
    "Do not offer people with ME/CFS:\n"
    "- any therapy based on physical activity or exercise as a treatment or cure\n"
    "- generalised physical activity programmes\n"
    "- graded exercise therapy.\n"
    "Rest when needed."
)


def test_a_list_is_its_introduction_and_the_bulleted_items_after_it() -> None:
    placed = placed_sentences(LIST)
    assert [p.text for p in placed] == sentences(LIST)
    assert placed == [
        Placed("Some people need support."),
        Placed(INTRO, 0, True),
        Placed("any therapy based on physical activity or exercise as a treatment or cure", 0),
        Placed("generalised physical activity programmes", 0),
        Placed("graded exercise therapy.", 0),
        Placed("Rest when needed."),
    ]
    # items with no line ending in ":" before them, and a ":" line with no items, are no list
    assert all(p.group is None for p in placed_sentences("Note:\nNot a list.\n- stray item"))


# ---------------------------------------------------------------- fault 1: the flipped intro


def test_a_flipped_list_introduction_reverses_the_terms_of_its_items() -> None:
    change = one(nice(), nice((INTRO, "Offer people with ME/CFS:")))
    assert change.old_sentences == (INTRO,) and change.new_sentences == (
        "Offer people with ME/CFS:",
    )
    assert change.polarity_flip
    assert change.topics == ("rehabilitation", "safeguards")
    assert change.terms[0] == "graded exercise therapy"
    assert {"treatment or cure", "deconditioning", "do not offer"} <= set(change.terms)
    assert change.significance >= 95
    # the items that are now offered are the wording that stayed
    assert any(GET_ITEM in s for s in change.surviving)
    assert change.terms_removed == ("do not offer",) and change.terms_added == ()
    assert change.lead_in == ""  # the introduction is the changed sentence itself


def test_a_flipped_item_keeps_the_terms_of_its_introduction_not_of_its_siblings() -> None:
    old = "Offer people with ME/CFS pacing advice:\n- about rest\n- about graded exercise therapy"
    new = (
        "Offer people with ME/CFS pacing advice:\n- not about rest\n- about graded exercise therapy"
    )
    change = one(section(old), section(new))
    assert change.polarity_flip and change.significance >= 95
    assert change.terms == ("pacing",)
    assert change.lead_in == "Offer people with ME/CFS pacing advice:"


# ---------------------------------------------------------------- fault 2: the item's safeguard


def test_an_item_narrowing_a_do_not_offer_list_is_on_safeguards() -> None:
    change = one(nice(), nice(("as a treatment or cure for ME/CFS", "as a cure for ME/CFS")))
    assert change.topics == ("rehabilitation", "safeguards")
    assert change.terms == ("treatment or cure", "do not offer")
    assert change.terms_removed == ("treatment or cure",)
    assert 70 <= change.significance < 85
    assert not change.polarity_flip


def test_only_the_items_own_introduction_puts_it_on_a_topic() -> None:
    old = "Offer people with ME/CFS:\n- rest\n- a diary\nDo not offer GET."
    change = one(section(old), section(old.replace("- a diary", "- a notebook")))
    assert change.topics == () and change.terms == ()
    assert change.lead_in == "Offer people with ME/CFS:"


# ---------------------------------------------------------------- fault 3: the lead-in


def test_a_changed_item_records_the_list_introduction_it_hangs_from() -> None:
    change = one(section(LIST), section(LIST.replace("generalised physical", "general physical")))
    assert change.lead_in == INTRO
    data = json.loads(json.dumps(change.to_dict()))
    assert data["lead_in"] == INTRO and Change.from_dict(data) == change
    outside = one(section(LIST), section(LIST.replace("Rest when", "Rest if")))
    assert outside.lead_in == ""
    # a change recorded before the field existed reads back with no lead-in
    legacy = {k: v for k, v in data.items() if k not in ("lead_in", "terms_added")}
    assert Change.from_dict(legacy).lead_in == ""


# ---------------------------------------------------------------- fault 4: terms lost, gained


def test_terms_lost_and_gained_and_the_biggest_reason_first() -> None:
    change = one(
        section("Rest and pacing are advised. Sleep well."),
        section("Rest and rehabilitation are advised. Sleep well."),
    )
    # "rehabilitation" comes first in the topics file; losing the safeguard is the bigger news
    assert change.terms == ("pacing", "rehabilitation")
    assert change.terms_removed == ("pacing",) and change.terms_added == ("rehabilitation",)
    assert change.topics == ("safeguards", "rehabilitation")


def test_the_bhc_rewrite_says_which_safeguards_went_and_what_came() -> None:
    change = one(bhc("v1"), bhc("v2"))
    assert change.terms_removed == (
        "post-exertional malaise",
        "PEM stability",
        "energy management",
        "pacing",
        "not curative",
        "supportive adjunct",
    )
    assert change.terms_added == ("rehabilitation",)
    assert change.terms[: len(change.terms_removed)] == change.terms_removed


# ---------------------------------------------------------------- fault 5: topics by relevance


def test_the_bhc_rewrite_is_filed_by_relevance_not_by_the_topics_file() -> None:
    change = one(bhc("v1"), bhc("v2"))
    # lost safeguards carry the biggest reason; the heading names brain training; the word
    # "rehabilitation" gained counts for less than either
    assert change.topics == ("safeguards", "brain-training", "rehabilitation")


def test_the_heading_topic_comes_right_after_the_biggest_reason() -> None:
    heading = ("Guide", "Neuroplasticity programmes")
    old = Document((Section("np", heading, "Rest first. Start with pacing."),))
    new = Document((Section("np", heading, "Rest first. Start with graded exercise."),))
    change = one(old, new)
    # by reason alone: safeguards 85, rehabilitation 70, brain-training 40 (the heading)
    assert change.topics == ("safeguards", "brain-training", "rehabilitation")
    assert change.terms == ("pacing", "graded exercise", "neuroplasticity programme")

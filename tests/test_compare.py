"""Comparing two versions of a document: pairing, noise, moves, topics, polarity, renames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from compare.diff import compare_documents
from compare.model import Change, Topic
from compare.noise import IGNORE_PRESETS
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section
from scrapers.nice import chapter_document

TOPICS = load_topics(DEFAULT_TOPICS)


def doc(*sections: tuple[str, tuple[str, ...], str] | Section) -> Document:
    """A Document from (key, heading_path, text) triples."""
    return Document(tuple(s if isinstance(s, Section) else Section(*s) for s in sections))


def one(
    old: Document,
    new: Document,
    *,
    topics: tuple[Topic, ...] = TOPICS,
    ignore: tuple[str, ...] = (),
) -> Change:
    """The single change between two documents."""
    changes = compare_documents(old, new, topics=topics, ignore=ignore)
    assert len(changes) == 1, changes
    return changes[0]


NICE_OLD = doc(
    (
        "1.11.13",
        ("1 Recommendations", "Physical activity and exercise"),
        "Do not advise people with ME/CFS to undertake exercise that is not part of a programme "
        "overseen by an ME/CFS specialist team.",
    ),
    (
        "1.11.14",
        ("1 Recommendations", "Physical activity and exercise"),
        "Do not offer people with ME/CFS any therapy based on physical activity or exercise as a "
        "treatment or cure for ME/CFS. Do not offer graded exercise therapy (GET).",
    ),
    (
        "1.12.27",
        ("1 Recommendations", "Lightning Process"),
        "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS.",
    ),
)


def test_identical_documents_have_no_changes() -> None:
    assert compare_documents(NICE_OLD, NICE_OLD, topics=TOPICS) == []


def test_pitfall_3_mass_rename_of_the_illness_is_no_change() -> None:
    old = doc(
        (
            "What is CFS/ME?",
            ("Guide", "What is CFS/ME?"),
            "CFS/ME is a long-term condition. People with CFS often have PEM.\n"
            "There is no cure for M.E. Pacing helps many people with CFS/ME.",
        ),
        (
            "Living with M.E.",
            ("Guide", "Living with M.E."),
            "Myalgic encephalomyelitis (ME) affects 250,000 people. Energy management is key.",
        ),
    )
    new = doc(
        (
            "What is ME/CFS?",
            ("Guide", "What is ME/CFS?"),
            "ME/CFS is a long-term condition. People with ME/CFS often have PEM.\n"
            "There is no cure for ME. Pacing helps many people with ME/CFS.",
        ),
        (
            "Living with ME",
            ("Guide", "Living with ME"),
            "ME/CFS affects 250,000 people. Energy management is key.",
        ),
    )
    assert compare_documents(old, new, topics=TOPICS) == []
    # and a real edit among the renames is still found
    edited = doc(
        new.sections[0],
        Section(
            "Living with ME",
            ("Guide", "Living with ME"),
            "ME/CFS affects 250,000 people. Graded exercise is key.",
        ),
    )
    change = one(old, edited)
    assert change.section_key == "Living with ME"
    assert change.old_sentences == ("Energy management is key.",)
    assert change.new_sentences == ("Graded exercise is key.",)


def test_pitfall_4_one_word_changes_everything() -> None:
    new = doc(
        NICE_OLD.sections[0],
        Section(
            "1.11.14",
            ("1 Recommendations", "Physical activity and exercise"),
            "Do not offer people with ME/CFS any therapy based on physical activity or "
            "exercise as a cure for ME/CFS. Do not offer graded exercise therapy (GET).",
        ),
        NICE_OLD.sections[2],
    )
    change = one(NICE_OLD, new)
    assert change.kind == "modified"
    assert change.section_key == "1.11.14"
    assert change.words_removed == ("treatment", "or")
    assert change.words_added == ()
    assert change.old_sentences == (NICE_OLD.sections[1].text.split(". ")[0] + ".",)
    assert "rehabilitation" in change.topics
    assert "treatment or cure" in change.terms
    assert change.significance >= 70
    assert not change.polarity_flip


def test_pitfall_1_renamed_heading_with_surviving_practice() -> None:
    practice = "Then increase your activity by no more than 10-20% each week."
    get = "4. What is Graded Exercise Therapy?"
    old = doc(
        (get, ("Therapy guide", get), f"Start from a stable baseline. {practice}"),
        ("5. Sleep", ("Therapy guide", "5. Sleep"), "Keep a routine."),
    )
    new = doc(
        (
            "4. What is Activity Management?",
            ("Therapy guide", "4. What is Activity Management?"),
            f"Start from a stable baseline. {practice}",
        ),
        ("5. Sleep", ("Therapy guide", "5. Sleep"), "Keep a routine."),
    )
    change = one(old, new)
    assert change.kind == "term-renamed"
    assert change.section_key == "4. What is Activity Management?"
    assert change.old_section_key == "4. What is Graded Exercise Therapy?"
    assert change.old_heading_path == ("Therapy guide", "4. What is Graded Exercise Therapy?")
    assert change.terms[0] == "graded exercise therapy"
    assert change.old_sentences == ("4. What is Graded Exercise Therapy?",)
    assert change.new_sentences == ("4. What is Activity Management?",)
    assert practice in change.surviving
    assert "rehabilitation" in change.topics
    assert change.significance >= 85


def test_term_replaced_inside_a_section_while_the_practice_survives() -> None:
    old = doc(
        (
            "3",
            ("Guide",),
            "Graded exercise therapy means planned exercise. It uses fixed incremental increases.",
        )
    )
    new = doc(
        (
            "3",
            ("Guide",),
            "Activity management means planned exercise. It uses fixed incremental increases.",
        )
    )
    change = one(old, new)
    assert change.kind == "term-renamed"
    assert change.terms[0] == "graded exercise therapy"
    assert change.surviving == ("It uses fixed incremental increases.",)
    assert change.words_removed == ("Graded", "exercise", "therapy")
    assert change.words_added == ("Activity", "management")


def test_a_term_deleted_with_nothing_surviving_is_a_plain_modification() -> None:
    old = doc(("3", (), "Graded exercise therapy is offered. Rest is advised."))
    new = doc(("3", (), "Activity management is offered. Rest is advised."))
    change = one(old, new)
    assert change.kind == "modified"
    assert change.surviving == ()
    assert change.terms == ("graded exercise therapy",)
    assert 70 <= change.significance < 85


@pytest.mark.parametrize(
    ("before", "after", "kept"),
    [
        (
            "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS.",
            "Offer the Lightning Process, or therapies based on it, to people with ME/CFS.",
            "Lightning Process",
        ),
        (
            "Offer the Lightning Process to people with ME/CFS.",
            "Do not offer the Lightning Process to people with ME/CFS.",
            "Lightning Process",
        ),
        (
            "People with ME/CFS should not be offered GET.",
            "People with ME/CFS should be offered GET.",
            "graded exercise therapy",
        ),
        (
            "CBT is not curative for ME/CFS.",
            "CBT is curative for ME/CFS.",
            "cognitive behavioural therapy",
        ),
        (
            "Graded exercise therapy is never appropriate.",
            "Graded exercise therapy is appropriate.",
            "graded exercise therapy",
        ),
    ],
)
def test_pitfall_5_polarity_flip(before: str, after: str, kept: str) -> None:
    change = one(doc(("1", (), before)), doc(("1", (), after)))
    assert change.polarity_flip
    assert kept in change.terms
    assert change.significance >= 95


def test_a_kept_negation_is_not_a_flip() -> None:
    change = one(
        doc(("1", (), "Do not offer the Lightning Process to adults.")),
        doc(("1", (), "Do not offer the Lightning Process to anyone.")),
    )
    assert not change.polarity_flip
    assert change.words_removed == ("adults",) and change.words_added == ("anyone",)
    assert change.topics == ("brain-training", "safeguards")
    assert change.significance == 50


def test_losing_a_safeguard_outranks_losing_another_term() -> None:
    base = "Rest when needed."
    safeguard = one(doc(("1", (), f"Pacing is advised. {base}")), doc(("1", (), base)))
    other = one(doc(("1", (), f"Deconditioning is advised. {base}")), doc(("1", (), base)))
    assert safeguard.topics == ("safeguards",) and safeguard.significance >= 85
    assert other.topics == ("rehabilitation",) and 70 <= other.significance < 85


def test_changes_on_no_topic_are_kept_with_low_significance() -> None:
    old = doc(("1", (), "Keep a sleep routine. Drink water."))
    new = doc(("1", (), "Keep a sleep routine. Drink plenty of water."))
    change = one(old, new)
    assert change.topics == () and change.terms == ()
    assert change.significance < 50
    bare = one(
        doc(("1", (), "Pacing matters.")), doc(("1", (), "Pacing matters a lot.")), topics=()
    )
    assert bare.topics == () and bare.significance < 50


def test_the_changed_sentence_alone_is_reported_in_its_original_wording() -> None:
    old = doc(("1", (), "First \u201cquoted\u201d sentence. Middle one. Last one."))
    new = doc(("1", (), "First \u201cquoted\u201d sentence. Middle two. Last one."))
    change = one(old, new)
    assert change.old_sentences == ("Middle one.",)
    assert change.new_sentences == ("Middle two.",)


def test_added_and_removed_sections_in_document_order() -> None:
    old = doc(("a", ("A",), "Alpha."), ("b", ("B",), "Beta."), ("c", ("C",), "Gamma."))
    new = doc(
        ("z", ("Z",), "Zeta."),
        ("a", ("A",), "Alpha."),
        ("c", ("C",), "Gamma changed."),
        ("d", ("D",), "Delta."),
    )
    changes = compare_documents(old, new, topics=TOPICS)
    assert [(c.section_key, c.kind) for c in changes] == [
        ("z", "added"),
        ("b", "removed"),
        ("c", "modified"),
        ("d", "added"),
    ]
    removed = changes[1]
    assert removed.old_sentences == ("Beta.",) and removed.new_sentences == ()
    assert changes[0].new_sentences == ("Zeta.",)
    assert changes == compare_documents(old, new, topics=TOPICS)


def test_a_removed_section_on_a_safeguard_is_significant() -> None:
    old = doc(("1.11.2", (), "Energy management is the basis."), ("x", (), "Other."))
    change = one(old, doc(("x", (), "Other.")))
    assert change.kind == "removed" and change.topics == ("safeguards",)
    assert change.significance >= 85


def test_order_only_moves_are_not_changes() -> None:
    a, b, c = ("a", ("A",), "Alpha one. Alpha two."), ("b", ("B",), "Beta."), ("c", (), "Gamma.")
    assert compare_documents(doc(a, b, c), doc(c, a, b), topics=TOPICS) == []
    swapped = doc(("a", ("A",), "Alpha two. Alpha one."), b, c)
    assert compare_documents(doc(a, b, c), swapped, topics=TOPICS) == []


def test_text_moved_between_sections_is_not_a_change() -> None:
    old = doc(("a", (), "Pacing helps. Rest helps."), ("b", (), "Sleep helps."))
    new = doc(("a", (), "Rest helps."), ("b", (), "Sleep helps. Pacing helps."))
    assert compare_documents(old, new, topics=TOPICS) == []
    split = doc(("a", (), "Rest helps."), ("b", (), "Sleep helps."), ("c", (), "Pacing helps."))
    assert compare_documents(old, split, topics=TOPICS) == []


def test_same_text_under_a_new_key_is_renamed() -> None:
    old = doc(("Exercise", ("Guide",), "Do not offer GET."), ("Rest", ("Guide",), "Rest."))
    new = doc(("Physical activity", ("Guide",), "Do not offer GET."), ("Rest", ("Guide",), "Rest."))
    changes = compare_documents(old, new, topics=TOPICS)
    assert [(c.kind, c.old_section_key, c.section_key) for c in changes] == [
        ("renamed", "Exercise", "Physical activity"),
    ]
    assert all(c.old_sentences == () and c.new_sentences == () for c in changes)
    assert all(c.significance < 50 for c in changes)


def test_renumbered_recommendations_are_one_off_topic_change() -> None:
    old = doc(("1.11.14", ("Exercise",), "Do not offer GET."), ("1.11.15", ("Exercise",), "Rest."))
    new = doc(("1.11.15", ("Exercise",), "Do not offer GET."), ("1.11.16", ("Exercise",), "Rest."))
    (change,) = compare_documents(old, new, topics=TOPICS)
    assert change.kind == "renumbered" and change.topics == ()
    assert change.renumbering == ("1.11.14 → 1.11.15", "1.11.15 → 1.11.16")
    assert change.statement == "recommendations renumbered: 1.11.14 → 1.11.15, 1.11.15 → 1.11.16"
    assert change.significance < 50


def test_a_new_heading_over_the_same_text_is_renamed() -> None:
    old = doc(("s1", ("Guide", "Rest"), "Rest often."))
    new = doc(("s1", ("Guide", "Resting"), "Rest often."))
    change = one(old, new)
    assert change.kind == "renamed"
    assert change.old_heading_path == ("Guide", "Rest")
    assert change.old_sentences == ("Rest",) and change.new_sentences == ("Resting",)


def test_a_lightly_edited_section_under_a_new_key_is_paired_not_added() -> None:
    old = doc(("Managing CFS", (), "Pacing helps. Rest helps. Sleep helps. Eat well."))
    new = doc(("Managing energy", (), "Pacing helps. Rest helps. Sleep helps. Eat very well."))
    change = one(old, new)
    assert change.kind == "modified"
    assert change.old_section_key == "Managing CFS"
    assert change.words_added == ("very",)


def test_noise_only_changes_record_nothing() -> None:
    old = doc(
        ("status", (), "Closed consultation"),
        ("meta", (), "Updated 15 August 2023"),
        ("body", (), "The plan supports research into ME/CFS."),
    )
    new = doc(
        ("status", (), "Consultation outcome"),
        (
            "meta",
            (),
            "Updated 22 July 2025 This was published under the 2022 to 2024 Sunak "
            "Conservative government",
        ),
        ("body", (), "The plan supports research into ME/CFS."),
    )
    assert compare_documents(old, new, topics=TOPICS, ignore=IGNORE_PRESETS["govuk"]) == []
    assert len(compare_documents(old, new, topics=TOPICS)) == 2


def test_pages_and_heading_path_are_carried() -> None:
    old = doc(Section("p", ("Guide", "Pacing"), "Pace.", pages=(3, 4)))
    new = doc(Section("p", ("Guide", "Pacing"), "Pace daily.", pages=(4,)))
    change = one(old, new)
    assert change.pages == (4,)
    assert change.heading_path == ("Guide", "Pacing")
    assert change.old_heading_path is None


def test_changes_round_trip_through_json() -> None:
    old = doc(("1", ("H",), "Do not offer GET."), ("2", (), "Gone."))
    new = doc(("1", ("H",), "Offer GET."), ("3", (), "Brand new text here."))
    changes = compare_documents(old, new, topics=TOPICS)
    assert len(changes) == 3
    for change in changes:
        data = json.loads(json.dumps(change.to_dict()))
        assert Change.from_dict(data) == change


def test_an_inserted_recommendation_renumbers_the_rest() -> None:
    old = doc(
        ("1.11.13", (), "Discuss activity levels; see recommendation 1.11.15 on rest."),
        ("1.11.14", (), "Do not offer GET."),
        ("1.11.15", (), "Rest when needed."),
    )
    new = doc(
        ("1.11.13", (), "Discuss activity levels; see recommendation 1.11.16 on rest."),
        ("1.11.14", (), "Offer pacing advice."),
        ("1.11.15", (), "Do not offer GET."),
        ("1.11.16", (), "Rest when needed."),
    )
    changes = compare_documents(old, new, topics=TOPICS)
    # the cross-reference that followed the renumbering is not a change
    assert [(c.kind, c.old_section_key, c.section_key) for c in changes] == [
        ("added", None, "1.11.14"),
        ("renumbered", "1.11.14", "1.11.15"),
    ]
    assert changes[0].topics == ("safeguards",)
    assert changes[1].topics == ()
    assert changes[1].renumbering == ("1.11.14 → 1.11.15", "1.11.15 → 1.11.16")


def test_a_cross_reference_left_behind_by_a_renumbering_is_a_change() -> None:
    old = doc(("1.1", (), "See 1.3 on rest."), ("1.2", (), "Pace."), ("1.3", (), "Rest often."))
    new = doc(
        ("1.1", (), "See 1.3 on rest."),
        ("1.2", (), "Pace."),
        ("1.3", (), "Sleep well."),
        ("1.4", (), "Rest often."),
    )
    changes = compare_documents(old, new, topics=TOPICS)
    kinds = [(c.kind, c.section_key) for c in changes]
    assert ("modified", "1.1") in kinds and ("renumbered", "1.4") in kinds


BHC_HEADING = (
    "Non-pharmacological interventions",
    "Neuroplasticity programs designed for autonomic nervous system dysregulation",
)


def test_a_rewritten_passage_is_on_the_topic_of_its_heading() -> None:
    old = doc(
        (
            "np",
            BHC_HEADING,
            "We regard these programs as supportive adjuncts rather than curative treatments. "
            "Start them only once the patient has reached improved PEM stability. "
            "Do not use a program to push past energy limits.",
        )
    )
    new = doc(
        (
            "np",
            BHC_HEADING,
            "We recommend these programs to retrain the nervous system. "
            "They can be started at diagnosis. "
            "Do not use a program to push past energy limits.",
        )
    )
    change = one(old, new)
    # safeguards were lost: that is a loss, not a rename, even though "energy limits" survives
    assert change.kind == "modified"
    assert change.surviving == ()
    # filed under the lost safeguards (the biggest reason), then the heading's topic
    assert change.topics == ("safeguards", "brain-training")
    assert {"supportive adjunct", "not curative", "PEM stability"} <= set(change.terms)
    assert "autonomic nervous system dysregulation" in change.terms
    assert change.significance >= 85


def test_the_heading_alone_puts_a_small_change_on_its_topic() -> None:
    old = doc(("np", BHC_HEADING, "Evidence is limited."))
    new = doc(("np", BHC_HEADING, "Evidence is growing."))
    change = one(old, new)
    assert change.topics == ("brain-training",)
    assert change.terms == ("neuroplasticity programme", "autonomic nervous system dysregulation")
    assert 40 <= change.significance < 50


def nice_fixture(name: str) -> Document:
    """The NG206 recommendations test page, extracted by the real NICE extractor."""
    path = Path(__file__).parent / "fixtures" / "nice" / f"ng206-recommendations-{name}.html"
    chapter = BeautifulSoup(path.read_bytes(), "html.parser").find("div", class_="chapter")
    assert isinstance(chapter, Tag)
    return chapter_document(chapter)


def test_extracted_nice_pages_template_change_and_mass_rename_are_no_change() -> None:
    v1 = nice_fixture("v1")
    assert compare_documents(v1, nice_fixture("v2-template"), topics=TOPICS) == []
    assert compare_documents(v1, nice_fixture("v2-rename"), topics=TOPICS) == []


def test_extracted_nice_pages_one_word_and_polarity() -> None:
    v1 = nice_fixture("v1")
    (cure,) = compare_documents(v1, nice_fixture("v2-cure"), topics=TOPICS)
    assert (cure.section_key, cure.kind) == ("1.11.14", "modified")
    assert cure.words_removed == ("treatment", "or")
    assert "rehabilitation" in cure.topics and cure.significance >= 70
    (flip,) = compare_documents(v1, nice_fixture("v2-polarity"), topics=TOPICS)
    assert flip.section_key == "1.12.27"
    assert flip.polarity_flip and "Lightning Process" in flip.terms
    assert flip.significance >= 95

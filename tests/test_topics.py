"""The shipped topics file and term matching: every variant matches, nothing merges or leaks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from compare.model import Topic
from compare.topics import (
    count_terms,
    expand_variants,
    find_terms,
    load_topics,
    make_term,
    parse_topics,
    plural,
    topic_of,
)
from guidewatch.settings import DEFAULT_TOPICS

TOPICS = load_topics(DEFAULT_TOPICS)
ALL_FORMS = [
    (topic.name, term.name, form)
    for topic in TOPICS
    for term in topic.terms
    for form in (*term.variants, *term.abbreviations)
]


def hits_of(text: str, topics: tuple[Topic, ...] = TOPICS) -> list[tuple[str, str]]:
    """(topic, term) of each hit in text."""
    return [(h.topic, h.term) for h in find_terms(text, topics)]


def test_shipped_file_is_the_default_and_has_the_three_topics() -> None:
    assert DEFAULT_TOPICS.name == "topics.toml"
    assert DEFAULT_TOPICS.parent.name == "guidewatch"
    by_name = {t.name: t for t in TOPICS}
    assert {"rehabilitation", "brain-training", "safeguards"} <= set(by_name)
    assert by_name["safeguards"].removal_is_news is True
    assert by_name["rehabilitation"].removal_is_news is False
    assert all(isinstance(t.recipients, tuple) for t in TOPICS)
    assert all(t.description for t in TOPICS)


@pytest.mark.parametrize(("topic", "term", "form"), ALL_FORMS, ids=[f[2] for f in ALL_FORMS])
def test_every_variant_matches_a_sentence_written_to_contain_it(
    topic: str, term: str, form: str
) -> None:
    sentence = f"The guidance mentions {form} in passing."
    found = find_terms(sentence, TOPICS)
    assert any(h.term == term and h.topic == topic and h.text == form for h in found), found


def test_word_forms_match_in_any_case_and_across_a_line_break() -> None:
    assert hits_of("GRADED EXERCISE THERAPY is gone") == [
        ("rehabilitation", "graded exercise therapy")
    ]
    assert hits_of("see the lightning process") == [("brain-training", "Lightning Process")]
    assert hits_of("post-exertional\nmalaise") == [("safeguards", "post-exertional malaise")]


def test_a_space_in_a_term_also_matches_a_hyphen() -> None:
    assert hits_of("brain-training apps") == [("brain-training", "brain training")]
    assert hits_of("boom-and-bust cycles") == [("safeguards", "boom and bust")]


@pytest.mark.parametrize(
    ("canonical", "expected"),
    [
        ("post-exertional malaise", {"post exertional malaise", "postexertional malaise"}),
        ("neuroplasticity programme", {"neuroplasticity program", "neuroplasticity programs"}),
        ("cognitive behavioural therapy", {"cognitive behavioral therapy"}),
        ("cognitive behavioural therapy", {"cognitive behavioural therapies"}),
        ("central sensitisation", {"central sensitization"}),
        ("bio-psycho-social", {"biopsychosocial", "bio psycho social"}),
        ("abnormal illness belief", {"abnormal illness beliefs"}),
    ],
)
def test_variants_are_generated_systematically(canonical: str, expected: set[str]) -> None:
    assert expected <= set(expand_variants(canonical))


def test_plural_rules() -> None:
    assert plural("graded exercise therapy") == "graded exercise therapies"
    assert plural("mind-body technique") == "mind-body techniques"
    assert plural("energy day") == "energy days"


def test_abbreviation_with_and_without_its_expansion() -> None:
    term = make_term("graded exercise therapy (GET)")
    assert term.name == "graded exercise therapy"
    assert term.abbreviations == ("GET",)
    assert "graded exercise therapy (GET)" in term.variants
    # the expansion followed by its abbreviation is one mention, not two
    assert (
        count_terms("Do not offer graded exercise therapy (GET).", TOPICS)[
            "graded exercise therapy"
        ]
        == 1
    )
    assert count_terms("GET was offered. Then GET again.", TOPICS) == {"graded exercise therapy": 2}


@pytest.mark.parametrize(
    "text",
    [
        "You can get support from your GP.",
        "Get enough rest.",
        "The budget was set by the TARGET group, who were GETTING on.",
        "Forget the PEMBROKE clinic and the cbt office, or the DNRSX files.",
        "He was pemmican-fed in a CBTQ trial.",
    ],
)
def test_short_abbreviations_are_case_sensitive_and_whole_words(text: str) -> None:
    assert hits_of(text) == []


def test_abbreviations_match_as_whole_words() -> None:
    assert hits_of("GET, PEM, DNRS and CBT.") == [
        ("rehabilitation", "graded exercise therapy"),
        ("safeguards", "post-exertional malaise"),
        ("brain-training", "Dynamic Neural Retraining System"),
        ("rehabilitation", "cognitive behavioural therapy"),
    ]


def test_dysregulation_has_two_meanings() -> None:
    bacme = "Dysregulation of several body systems explains the symptoms."
    bhc = "Neuroplasticity programs designed for autonomic nervous system dysregulation."
    assert hits_of(bacme) == [("rehabilitation", "dysregulation")]
    assert hits_of(bhc) == [
        ("brain-training", "neuroplasticity programme"),
        ("brain-training", "autonomic nervous system dysregulation"),
    ]
    assert ("rehabilitation", "dysregulation") not in hits_of(bhc)


def test_pacing_up_is_grading_and_pacing_is_a_safeguard() -> None:
    assert hits_of("Pacing up gradually.") == [("rehabilitation", "pacing up")]
    assert hits_of("Pacing within energy limits.") == [
        ("safeguards", "pacing"),
        ("safeguards", "energy limit"),
    ]


def test_no_two_terms_share_a_surface_form() -> None:
    owners: dict[str, str] = {}
    for _, term, form in ALL_FORMS:
        key = form if form.isupper() and " " not in form else form.lower()
        assert owners.setdefault(key, term) == term, f"{form!r} in {owners[key]!r} and {term!r}"


def test_terms_of_two_topics_only_nest_where_the_file_decides_it() -> None:
    nested = set()
    for topic_a, term_a, form_a in ALL_FORMS:
        for topic_b, term_b, form_b in ALL_FORMS:
            if topic_a == topic_b:
                continue
            if re.search(rf"(?<![a-z0-9]){re.escape(form_b.lower())}(?![a-z0-9])", form_a.lower()):
                nested.add((term_a, term_b))
    assert nested == {
        ("pacing and grading activity", "pacing"),
        ("pacing up", "pacing"),
        ("autonomic nervous system dysregulation", "dysregulation"),
    }


def test_no_term_is_two_terms_run_together() -> None:
    # a missing separator would join two terms into one that never matches
    forms = {form.lower() for _, _, form in ALL_FORMS}
    for _, term, form in ALL_FORMS:
        text = form.lower()
        for cut in range(1, len(text)):
            left, right = text[:cut].strip(), text[cut:].strip()
            if left in forms and right in forms:
                pytest.fail(f"{term!r}: {form!r} is {left!r} + {right!r}")


def test_no_name_is_too_long_to_be_one_term() -> None:
    for _, _, form in ALL_FORMS:
        assert len(form.split()) <= 7, form
        assert "  " not in form and form == form.strip(), form
        assert not re.search(r"\b(\w+) \1\b", form.lower()), form


def test_a_missing_comma_in_the_toml_is_an_error_not_a_joined_term() -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads('[[topic]]\nname = "x"\nterms = ["pacing" "energy management"]\n')


def test_a_joined_term_would_be_caught() -> None:
    joined = parse_topics(
        {
            "topic": [
                {"name": "x", "terms": ["pacing", "energy management", "pacingenergy management"]}
            ]
        }
    )
    forms = {f for t in joined[0].terms for f in t.variants}
    culprits = [
        f
        for f in forms
        for cut in range(1, len(f))
        if f[:cut] in forms and f[cut:].strip() in forms
    ]
    assert culprits  # the check above would have failed on this file


def test_parse_topics_from_mapping(tmp_path: Path) -> None:
    data = {
        "topic": [
            {
                "name": "watch-me",
                "description": "d",
                "recipients": ["a@example.org"],
                "removal_is_news": True,
                "terms": [
                    "energy envelope",
                    {"name": "rest", "plural": False, "variants": ["resting"]},
                ],
            }
        ]
    }
    (topic,) = parse_topics(data)
    assert topic.recipients == ("a@example.org",)
    assert topic.removal_is_news
    assert [t.name for t in topic.terms] == ["energy envelope", "rest"]
    assert "energy envelopes" in topic.terms[0].variants
    assert topic.terms[1].variants == ("rest", "resting")
    path = tmp_path / "t.toml"
    path.write_text('[[topic]]\nname = "a"\nterms = ["pacing"]\n', encoding="utf-8")
    assert load_topics(path)[0].terms[0].name == "pacing"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "at least one"),
        ({"topic": [{"name": "a", "terms": []}]}, "non-empty"),
        ({"topic": [{"name": "A b", "terms": ["x"]}]}, "lowercase"),
        (
            {"topic": [{"name": "a", "terms": ["x"], "colour": 1}]},
            "topic 'a', field colour: unknown key",
        ),
        (
            {"topic": [{"name": "a", "terms": ["x"]}, {"name": "a", "terms": ["y"]}]},
            "duplicate topic",
        ),
        (
            {"topic": [{"name": "a", "terms": ["x"]}, {"name": "b", "terms": ["X"]}]},
            "duplicate term",
        ),
        ({"topic": [{"name": "a", "terms": [" x"]}]}, "trimmed"),
        (
            {"topic": [{"name": "a", "terms": [{"name": "x", "variants": "y"}]}]},
            "variants: must be a list",
        ),
        ({"topic": [{"name": "a", "terms": [{"name": "x", "abbreviation": "xy"}]}]}, "capitals"),
    ],
)
def test_parse_topics_rejects_bad_files(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_topics(data)


def test_count_terms_and_topic_of() -> None:
    text = "Pacing. Pacing again. The Lightning Process."
    assert count_terms(text, TOPICS) == {"pacing": 2, "Lightning Process": 1}
    assert count_terms(text, ()) == {}
    found = topic_of("Lightning Process", TOPICS)
    assert found is not None and found.name == "brain-training"
    assert topic_of("nothing", TOPICS) is None

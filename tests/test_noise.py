"""Sentence splitting and what counts as noise when deciding whether wording changed."""

from __future__ import annotations

import pytest

from compare.noise import IGNORE_PRESETS, canonical, illness_names, strip_ignored
from compare.sentences import sentences, words

GOVUK = IGNORE_PRESETS["govuk"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rest, e.g. Pacing, helps. Then more.", ["Rest, e.g. Pacing, helps.", "Then more."]),
        ("Use it, i.e. Daily. Next.", ["Use it, i.e. Daily.", "Next."]),
        ("Ask Dr. Smith. She knows.", ["Ask Dr. Smith.", "She knows."]),
        ("Pacing, rest etc. Then stop.", ["Pacing, rest etc.", "Then stop."]),
        ("Pacing, rest, etc. are used.", ["Pacing, rest, etc. are used."]),
        (
            "1.11.14 Do not offer people with ME/CFS GET. See 1.11.13. It applies.",
            ["1.11.14 Do not offer people with ME/CFS GET.", "See 1.11.13.", "It applies."],
        ),
        (
            "It affects people with ME/CFS. Many are young.",
            ["It affects people with ME/CFS.", "Many are young."],
        ),
        ("What is it? It is ME/CFS! Yes.", ["What is it?", "It is ME/CFS!", "Yes."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        (
            "- first item\n- second item. Still second.",
            ["first item", "second item.", "Still second."],
        ),
        ("\u2022 a bullet\n\u2022 another", ["a bullet", "another"]),
        ("1. numbered one\n2. numbered two", ["1. numbered one", "2. numbered two"]),
        (
            "- an item that\nwraps on\nThen a paragraph.",
            ["an item that wraps on", "Then a paragraph."],
        ),
        ("A line that wraps\nonto the next. Done.", ["A line that wraps onto the next.", "Done."]),
        ("First paragraph\n\nSecond paragraph", ["First paragraph", "Second paragraph"]),
        ("", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_words_keep_compounds_whole() -> None:
    assert words("Increase by 10-20% for ME/CFS, post-exertional (PEM).") == [
        "Increase",
        "by",
        "10-20",
        "for",
        "ME/CFS",
        "post-exertional",
        "PEM",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "ME/CFS",
        "CFS/ME",
        "ME",
        "M.E.",
        "CFS",
        "ME-CFS",
        "ME / CFS",
        "M.E./CFS",
        "myalgic encephalomyelitis/chronic fatigue syndrome",
        "myalgic encephalomyelitis (or encephalopathy)/chronic fatigue syndrome",
        "Myalgic Encephalomyelitis or Chronic Fatigue Syndrome",
        "chronic fatigue syndrome/myalgic encephalomyelitis",
        "myalgic encephalomyelitis/chronic fatigue syndrome (ME/CFS)",
        "chronic fatigue syndrome (CFS/ME)",
        "myalgic encephalomyelitis (ME)",
    ],
)
def test_illness_names_are_one(name: str) -> None:
    assert canonical(f"People with {name} need pacing.") == "People with ME/CFS need pacing"


def test_illness_names_leave_other_words_alone() -> None:
    assert illness_names("Tell me, Mecca, CFSX and MEN") == "Tell me, Mecca, CFSX and MEN"
    assert canonical("Give me rest") != canonical("Give ME rest")


def test_canonical_folds_typography_but_not_case_or_words() -> None:
    assert canonical("\u201cPacing\u201d \u2013 rest\u00a0 now.") == canonical(
        '"Pacing" - rest now'
    )
    assert canonical("10 \u2013 20%") == canonical("10-20%")
    assert canonical("Pacing helps.") != canonical("pacing helps.")
    assert canonical("as a treatment or cure") != canonical("as a cure")
    assert canonical("2. Offer pacing") == canonical("3. Offer pacing")  # list renumbering
    assert canonical("1.11.14 Offer pacing") != canonical("1.11.15 Offer pacing")


@pytest.mark.parametrize(
    "noise",
    [
        "Updated 22 July 2025",
        "Published 15 August 2023",
        "Closed consultation",
        "Consultation outcome",
        "This was published under the 2022 to 2024 Sunak Conservative government",
        "This was published under the 2022 to 2024 Sunak Conservative government.",
    ],
)
def test_govuk_noise_is_nothing(noise: str) -> None:
    assert canonical(noise, GOVUK) == ""
    assert canonical(noise) != ""  # only the rules make it noise


def test_ignore_rules_only_remove_what_they_match() -> None:
    text = "Consultation outcome: the plan says pacing. Updated 3 May 2024"
    assert canonical(text, GOVUK) == canonical(": the plan says pacing.")
    assert strip_ignored("keep this", [r"\bdrop\b"]) == "keep this"
    assert canonical("Version 7 of the plan", [r"Version \d+ "]) == "of the plan"

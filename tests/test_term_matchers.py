"""Term matchers compiled on need and skipped by a word check find exactly what every term's
regex, compiled and run over the whole text, finds."""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

import pytest

from compare.model import Term, Topic
from compare.term_matchers import _FOLD_UNSAFE, text_runs, variant_pattern
from compare.topics import load_topics, make_term, term_candidates
from guidewatch.settings import DEFAULT_TOPICS

TOPICS = load_topics(DEFAULT_TOPICS)
TESTS = Path(__file__).resolve().parent
EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)


def reference_candidates(
    text: str, topics: tuple[Topic, ...]
) -> list[tuple[int, int, int, str, str]]:
    """The matching before the word check: every term's regex compiled and run on all of text."""
    out = []
    order = 0
    for topic in topics:
        for term in topic.terms:
            variants = sorted(term.variants, key=len, reverse=True)
            words = "|".join(variant_pattern(v) for v in variants)
            parts = [f"(?i:{words})"] if words else []
            parts += [re.escape(a) for a in term.abbreviations]
            pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(parts)})(?![A-Za-z0-9])")
            for found in pattern.finditer(text):
                out.append((found.start(), -found.end(), order, topic.name, term.name))
            order += 1
    return out


def fixture_texts() -> list[str]:
    """Every fixture file (pages, GOV.UK answers, the meaning cases) and every test's source."""
    files = sorted((TESTS / "fixtures").rglob("*.*")) + sorted(TESTS.glob("test_*.py"))
    return [f.read_text(encoding="utf-8", errors="replace") for f in files]


def tricky_texts() -> list[str]:
    """Every form of every term in several cases and surroundings, with look-alike letters."""
    texts = []
    for topic in TOPICS:
        for term in topic.terms:
            for form in (*term.variants, *term.abbreviations):
                for shown in (form, form.upper(), form.lower(), form.title()):
                    texts.append(f"Offer {shown}, not x{shown} nor {shown}s; ({shown})-")
                    texts.append(shown.replace(" ", "\n").replace("-", " \u2011 "))
                    texts.append(shown.replace("s", "\u017f").replace("k", "\u212a"))
                    texts.append(shown.replace("i", "\u0131").replace("I", "\u0130") + " é" + shown)
    return texts


def test_the_fold_unsafe_characters_are_all_there_are() -> None:
    # A character that matches an ASCII letter or digit case-insensitively, or lower-cases to
    # one, without being one: lower-casing would hide a match the regex makes.
    alnum = string.ascii_lowercase + string.digits
    matches = {m.group() for m in re.finditer(f"(?i)[{alnum}]", EVERY_CHARACTER)}
    lowers = {c for c in EVERY_CHARACTER if not c.isascii() and set(c.lower()) & set(alnum)}
    unsafe = {c for c in matches | lowers if not c.isascii()}
    assert unsafe == set(_FOLD_UNSAFE.pattern.strip("[]"))
    assert unsafe == {"\u0130", "\u0131", "\u017f", "\u212a"}


def test_ascii_punctuation_matches_only_itself_in_any_case() -> None:
    for char in string.punctuation:
        found = {m.group() for m in re.finditer(f"(?i){re.escape(char)}", EVERY_CHARACTER)}
        assert found == {char}


@pytest.mark.parametrize("source", ["fixtures", "tricky"])
def test_candidates_are_those_of_every_regex_over_the_whole_text(source: str) -> None:
    texts = fixture_texts() if source == "fixtures" else tricky_texts()
    found = 0
    for text in texts:
        expected = reference_candidates(text, tuple(TOPICS))
        assert term_candidates(text, TOPICS) == expected
        found += len(expected)
        for topic in TOPICS:
            assert term_candidates(text, (topic,)) == reference_candidates(text, (topic,))
    assert found > 100  # the texts do hold terms: the check is not vacuous


def test_terms_outside_the_check_are_always_scanned() -> None:
    # A non-ASCII variant or abbreviation, one without letters or digits, or no variant at all
    # is never skipped; abbreviations are found by their own words.
    accented = Topic("t", "", (make_term({"name": "café visit"}),), ())
    bare = Topic("b", "", (Term("empty", (), ("EMP",)),), ())
    signs = Topic("s", "", (Term("plus", ("+ +", "pacing"), ()), Term("u", ("up",), ("Ü1",))), ())
    mixed = Topic("m", "", (Term("m", ("x-ray",), ("ME/CFS", "A1")),), ())
    texts = ["a CAFÉ VISIT here", "cafe\u0301 visit", "the EMP rule", "", "+ + and + - +", "Ü1 up"]
    texts += ["ME/CFS, me/cfs, X ray, xray, A1a, (A1)", "PACING", "EMPEMP EMP-"]
    every = (accented, bare, signs, mixed)
    for text in texts:
        for topics in (*((t,) for t in every), every):
            assert term_candidates(text, topics) == reference_candidates(text, topics)


def test_text_runs_give_up_on_fold_unsafe_text() -> None:
    assert text_runs("Graded Exercise-therapy (GET)") == {"graded", "exercise", "therapy", "get"}
    assert text_runs("a \u212aelvin sign") is None

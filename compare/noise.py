"""What does not count as a change: typography, illness-name variants, per-source noise."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from scrapers.text import normalise_block

# Ignore rules a sources file can name instead of writing its own regexes.
IGNORE_PRESETS: dict[str, tuple[str, ...]] = {
    "govuk": (
        r"\b(?:Published|Updated|Last updated|First published)\s*:?\s*\d{1,2} \w+ \d{4}",
        r"\b(?:Closed consultation|Consultation outcome|Open consultation)\b",
        r"This was published under the \d{4} to \d{4} [^.]{0,80}?government\.?",
        r"\b(?:See all updates|Show all updates|Hide all updates|Get emails about this page)\b",
    ),
    "nice": (r"\b(?:Published|Last updated)\s*:?\s*\d{1,2} \w+ \d{4}",),
}

ILLNESS = "ME/CFS"
_ME_FULL = r"myalgic\s+encephalo(?:myelitis|pathy)(?:\s*\(or\s+encephalo(?:pathy|myelitis)\))?"
_CFS_FULL = r"chronic\s+fatigue\s+syndrome"
_JOIN = r"\s*(?:/|-|\bor\b|\band\b)?\s*"
_ILLNESS_WORDS = re.compile(
    rf"(?i:{_ME_FULL}{_JOIN}{_CFS_FULL}|{_CFS_FULL}{_JOIN}{_ME_FULL}|{_ME_FULL}|{_CFS_FULL})"
)
_ILLNESS_ABBR = re.compile(
    r"(?<![A-Za-z0-9])(?:M\.E\.?\s*/\s*C\.?F\.?S\.?|C\.?F\.?S\.?\s*/\s*M\.E\.?|ME\s*/\s*CFS"
    r"|CFS\s*/\s*ME|ME-CFS|CFS-ME|MECFS|M\.E\.|CFS|ME)(?![A-Za-z0-9])"
)
_ILLNESS_REPEAT = re.compile(
    r"ME/CFS(?:\s*(?:\(ME/CFS\)|/\s*ME/CFS|-\s*ME/CFS|or ME/CFS|and ME/CFS))+"
)
_LEADING_NUMBER = re.compile(r"^(?:\d+[.)]|[a-z][.)]|[ivx]+[.)])\s+")
_DIGIT_DASH = re.compile(r"(?<=\d)\s*-\s*(?=\d)")


def illness_names(text: str) -> str:
    """Replace every name of the illness ("CFS/ME", "M.E.", "myalgic encephalomyelitis") by one."""
    text = _ILLNESS_WORDS.sub(ILLNESS, text)
    text = _ILLNESS_ABBR.sub(ILLNESS, text)
    previous = None
    while previous != text:
        previous, text = text, _ILLNESS_REPEAT.sub(ILLNESS, text)
    return text


@lru_cache(maxsize=64)
def _compiled(ignore: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compile ignore regexes once per distinct list."""
    return tuple(re.compile(pattern) for pattern in ignore)


def strip_ignored(text: str, ignore: Sequence[str] = ()) -> str:
    """Remove every span of text matched by an ignore regex."""
    for pattern in _compiled(tuple(ignore)):
        text = pattern.sub(" ", text)
    return text


def canonical(text: str, ignore: Sequence[str] = ()) -> str:
    """Return the form of text used only to decide equality ("" when it is all noise)."""
    text = strip_ignored(normalise_block(text), ignore)
    text = illness_names(text)
    text = _DIGIT_DASH.sub("-", text)
    text = " ".join(text.split())
    text = _LEADING_NUMBER.sub("", text)
    text = text.rstrip(" .")
    if not any(char.isalnum() for char in text):
        return ""
    return text


def resolve_ignore(rules: Sequence[str]) -> tuple[str, ...]:
    """Expand preset names ("govuk") into their regexes; other rules are regexes already."""
    out: list[str] = []
    for rule in rules:
        out.extend(IGNORE_PRESETS.get(rule, (rule,)))
    return tuple(out)

"""Plain values of the compare stage: watched topics and the changes found between versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("modified", "added", "removed", "renamed", "term-renamed", "moved", "renumbered")

# Significance (0-100) of a change, the largest reason that applies plus a size bonus:
#   on no topic:   renamed 5, modified 10, added/removed 20
#   on a topic:    a watched term is in the section's heading path     40
#                  a watched term sits in a changed sentence, or in
#                  the list it is read with (a list's introduction
#                  and its items are one sentence)                     50
#                  a watched term's count in the section changed       70
#                  a term of a `removal_is_news` topic was lost        85
#                  a practice term (topic without `removal_is_news`)
#                  vanished while other wording of that topic survived 85  (kind "term-renamed")
#                  a practice pattern (fixed increases, pushing through
#                  symptoms, deconditioning) in the changed wording    60
#                  a prohibition or recommendation narrowed or widened 80
#                  the strength of a recommendation changed            90
#                  an exception or condition added to or removed from
#                  a sentence on a topic                               90
#                  a sentence keeping its term flipped its negation    95  (polarity_flip)
#   size bonus:    +1 per 5 changed words, at most +5; capped at 100.
SIGNIFICANCE = {
    "renamed": 5,
    "renumbered": 5,
    "moved": 15,
    "modified": 10,
    "added": 20,
    "removed": 20,
    "term-in-heading": 40,
    "term-in-sentence": 50,
    "term-in-list": 50,
    "term-count": 70,
    "safeguard-lost": 85,
    "term-renamed": 85,
    "pattern": 60,
    "scope": 80,
    "strength": 90,
    "condition": 90,
    "polarity-flip": 95,
}


@dataclass(frozen=True)
class Term:
    """One watched term: its canonical name and every surface form that counts as it."""

    name: str
    variants: tuple[str, ...]
    abbreviations: tuple[str, ...] = ()  # matched case-sensitively ("GET", never "get")


@dataclass(frozen=True)
class Pattern:
    """A way of describing a practice without naming it, and what the alert says about it."""

    name: str  # "fixed schedule of increase"
    explanation: str  # one sentence shown in the alert
    regexes: tuple[str, ...]  # matched case-insensitively


@dataclass(frozen=True)
class Strength:
    """One wording on the strength-of-recommendation scale ("consider", "do not offer")."""

    name: str
    level: int  # positive recommends, negative advises against; larger is stronger
    regexes: tuple[str, ...]  # matched case-insensitively at word edges


@dataclass(frozen=True)
class Topic:
    """A named set of terms and who is told when wording about them changes."""

    name: str
    description: str
    terms: tuple[Term, ...]
    recipients: tuple[str, ...] = ()
    removal_is_news: bool = False
    patterns: tuple[Pattern, ...] = ()


class TopicSet(tuple[Topic, ...]):
    """The topics of a topics file, with the file's strength-of-recommendation scale."""

    strengths: tuple[Strength, ...]

    def __new__(cls, topics: Iterable[Topic] = (), strengths: Iterable[Strength] = ()) -> TopicSet:
        made = super().__new__(cls, topics)
        made.strengths = tuple(strengths)
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (TopicSet, (tuple(self), self.strengths))


def strengths_of(topics: Sequence[Topic]) -> tuple[Strength, ...]:
    """The strength scale that came with these topics (none for a bare tuple)."""
    return getattr(topics, "strengths", ())


@dataclass(frozen=True)
class TermHit:
    """One occurrence of a watched term in a text."""

    topic: str
    term: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Change:
    """One change to one section between two versions of a document."""

    section_key: str
    heading_path: tuple[str, ...]
    kind: str
    old_section_key: str | None = None
    old_heading_path: tuple[str, ...] | None = None
    pages: tuple[int, ...] = ()
    old_sentences: tuple[str, ...] = ()
    new_sentences: tuple[str, ...] = ()
    words_removed: tuple[str, ...] = ()
    words_added: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # the one it is filed under first
    terms: tuple[str, ...] = ()  # the term behind the biggest reason first
    terms_removed: tuple[str, ...] = ()  # terms whose count in the section went down
    terms_added: tuple[str, ...] = ()  # terms whose count in the section went up
    polarity_flip: bool = False
    surviving: tuple[str, ...] = ()  # unchanged wording that still carries the terms
    significance: int = 0
    lead_in: str = ""  # the unchanged list introduction a changed list item hangs from
    statement: str = ""  # one true line: the kind of change and the smallest changed phrase
    patterns: tuple[str, ...] = ()  # practice patterns matched in the changed wording
    explanations: tuple[str, ...] = ()  # what each of those patterns means, in that order
    renumbering: tuple[str, ...] = ()  # "1.11.14 → 1.11.15" for each renumbered section

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (tuples become lists)."""
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, tuple):
                data[name] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        """Rebuild a Change from `to_dict()` output (lists become tuples, unknown keys ignored)."""
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            if name not in data:
                continue
            value = data[name]
            if isinstance(value, list):
                value = tuple(value)
            values[name] = value
        return cls(**values)

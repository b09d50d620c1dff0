"""What an edit does to a sentence's meaning: its strength of recommendation, a condition or
exception, the scope of a prohibition, a negation, a practice described without its name.

Each function reads one old → new sentence pair (as paired by compare.redline.rows) or one
sentence; the words that decide (the strength scale, the practice patterns) are data from
the topics file, the grammar words (negations, condition markers) are here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from compare.model import Pattern, Strength, Topic
from compare.redline import ADDED, KEPT, REMOVED, Run

# a negation of the statement itself ("do not offer", "is never", "cannot"), not a "no" or
# "without" inside it ("by no more than 10%", "without a fixed plan")
_NEGATION = re.compile(r"(?i)\b(?:not|never|cannot|no longer)\b|n't\b")
EXCEPTIONS = ("unless", "except", "other than", "apart from", "with the exception of")
CONDITIONS = (
    "only if",
    "only when",
    "only once",
    "only after",
    "provided that",
    "as long as",
    "on condition that",
    "if",
    "when",
)
# in a sentence added or removed whole, a bare "if"/"when" is too common to call a condition
_WEAK = ("if", "when")
_EDGE = r"(?<![A-Za-z])"
_END = r"(?![A-Za-z])"
_LOOSE_CONDITION = re.compile(r"(?i)\b(?:whenever|wherever|once|after|before|until|only)\b")
_CLAUSE_END = re.compile(r"[,;:.()]|\s[-\u2013\u2014]\s")
_OR_AND = re.compile(r"(?i)(?:^|\W)(?:or|and|and/or)(?:\W|$)|,")
CLAUSE_WORDS = 9  # a quoted clause is cut to this many words


def negations(sentence: str) -> int:
    """How many times a sentence negates what it says ("do not", "never", "can't")."""
    return len(_NEGATION.findall(sentence))


def negation_changed(old: str, new: str) -> bool:
    """Whether one sentence negates and the other affirms (one negation added or dropped)."""
    return negations(old) % 2 != negations(new) % 2


@lru_cache(maxsize=16)
def _strength_patterns(
    strengths: tuple[Strength, ...],
) -> tuple[tuple[re.Pattern[str], Strength], ...]:
    return tuple((re.compile(rf"(?i){_EDGE}(?:{'|'.join(s.regexes)}){_END}"), s) for s in strengths)


def strength_of(sentence: str, strengths: Sequence[Strength]) -> tuple[Strength, str] | None:
    """The sentence's strength of recommendation and its wording there: the leftmost match
    on the scale, the longest where two start together ("do not offer" over "offer")."""
    best: tuple[int, int, Strength, str] | None = None
    for pattern, strength in _strength_patterns(tuple(strengths)):
        found = pattern.search(sentence)
        if found is None:
            continue
        rank = (found.start(), -len(found.group(0)))
        if best is None or rank < best[:2]:
            best = (rank[0], rank[1], strength, found.group(0))
    return None if best is None else (best[2], best[3])


@dataclass(frozen=True)
class StrengthChange:
    """A sentence whose place on the strength scale moved."""

    old: Strength
    new: Strength
    old_words: str
    new_words: str

    @property
    def says(self) -> str:
        """Which way it went, in plain words."""
        old, new = self.old.level, self.new.level
        if (old > 0) != (new > 0):
            return "recommendation reversed"
        noun = "prohibition" if new < 0 else "recommendation"
        return f"{noun} {'strengthened' if abs(new) > abs(old) else 'weakened'}"


def strength_change(
    old: str, new: str, strengths: Sequence[Strength], lead_in: str = ""
) -> StrengthChange | None:
    """The change of strength between two wordings of a sentence (a list item is read with
    its introduction), or None when it kept its place on the scale."""
    before = strength_of(old, strengths) or (strength_of(lead_in, strengths) if lead_in else None)
    after = strength_of(new, strengths) or (strength_of(lead_in, strengths) if lead_in else None)
    if before is None or after is None or before[0].level == after[0].level:
        return None  # "do not offer" → "do not advise" keeps its place on the scale
    return StrengthChange(before[0], after[0], before[1], after[1])


def _markers(whole: bool) -> list[tuple[str, str]]:
    found = [("exception", m) for m in EXCEPTIONS] + [("condition", m) for m in CONDITIONS]
    if whole:
        found = [(k, m) for k, m in found if m not in _WEAK]
    return sorted(found, key=lambda pair: -len(pair[1]))


def clause_from(text: str, start: int) -> str:
    """The clause of text starting at `start`, up to the next comma or full stop, cut short."""
    rest = text[start:]
    end = _CLAUSE_END.search(rest, 1)
    clause = rest[: end.start()] if end else rest
    words = clause.split()
    cut = " ".join(words[:CLAUSE_WORDS])
    return cut + ("…" if len(words) > CLAUSE_WORDS else "")


def find_condition(text: str, *, whole: bool) -> tuple[str, str] | None:
    """The first exception or condition in text: ("exception" | "condition", its clause)."""
    best: tuple[int, str, str] | None = None
    for kind, marker in _markers(whole):
        found = re.search(rf"(?i){_EDGE}{re.escape(marker)}{_END}", text)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), kind, clause_from(text, found.start()))
    return None if best is None else (best[1], best[2])


@dataclass(frozen=True)
class ConditionChange:
    """An exception or condition that a sentence gained or lost."""

    kind: str  # "exception" or "condition"
    added: bool
    clause: str


def condition_change(runs: Sequence[Run] | None, old: str, new: str) -> ConditionChange | None:
    """An exception or condition added or removed: in the changed words of a sentence edited
    in place (`runs`), or in a sentence added or removed whole (`runs` is None). The clause
    is quoted from the whole sentence, from the condition's first word."""
    if runs is None:
        text, added = (new, True) if new else (old, False)
        found = find_condition(text, whole=True)
        return ConditionChange(found[0], added, found[1]) if found else None
    at_old = at_new = 0
    for tag, text in runs:
        start = at_new if tag == ADDED else at_old
        if tag in (KEPT, REMOVED):
            at_old += len(text)
        if tag in (KEPT, ADDED):
            at_new += len(text)
        if tag == KEPT:
            continue
        found = find_condition(text, whole=False)
        if found is None:
            continue
        other = find_condition(old if tag == ADDED else new, whole=False)
        if other is not None and other[0] == found[0] and other[1] == found[1]:
            continue  # the same condition on both sides: it moved, it did not come or go
        facing = "".join(t for g, t in runs if g == (REMOVED if tag == ADDED else ADDED))
        if find_condition(facing, whole=False) or _LOOSE_CONDITION.search(facing):
            continue  # a condition reworded ("when needed" → "whenever you need to")
        sentence = new if tag == ADDED else old
        offset = text.lower().find(found[1].split()[0].lower().rstrip("…"))
        clause = clause_from(sentence, start + max(offset, 0))
        return ConditionChange(found[0], tag == ADDED, clause)
    return None


def scope_change(runs: Sequence[Run]) -> str | None:
    """ "narrowed" when an edit only drops an alternative ("treatment or cure" → "cure"),
    "widened" when it only adds one; None for any other edit."""
    changed = [(tag, text) for tag, text in runs if tag != KEPT]
    if not changed:
        return None
    tags = {tag for tag, _ in changed}
    if len(tags) != 1:
        return None
    if not all(_OR_AND.search(text) for _, text in changed):
        return None
    return "narrowed" if tags == {REMOVED} else "widened"


@lru_cache(maxsize=16)
def _pattern_matchers(
    topics: tuple[Topic, ...],
) -> tuple[tuple[re.Pattern[str], Pattern, str], ...]:
    return tuple(
        (re.compile(rf"(?i){_EDGE}(?:{'|'.join(p.regexes)})"), p, topic.name)
        for topic in topics
        for p in topic.patterns
    )


@dataclass(frozen=True)
class PatternHit:
    """A practice pattern found in a text: which, on which topic, and the words it matched."""

    pattern: Pattern
    topic: str
    words: str


def find_patterns(text: str, topics: Sequence[Topic]) -> list[PatternHit]:
    """The practice patterns in text, in the topics file's order, each once."""
    hits = []
    for matcher, pattern, topic in _pattern_matchers(tuple(topics)):
        found = matcher.search(text)
        if found is not None:
            hits.append(PatternHit(pattern, topic, clause_from(text, found.start())))
    return hits


def pattern_changes(
    old: Iterable[str], new: Iterable[str], topics: Sequence[Topic]
) -> tuple[list[PatternHit], list[PatternHit]]:
    """The practice patterns that the new wording has and the old did not, and the reverse."""
    before = find_patterns("\n".join(old), topics)
    after = find_patterns("\n".join(new), topics)
    had = {h.pattern.name for h in before}
    has = {h.pattern.name for h in after}
    return [h for h in after if h.pattern.name not in had], [
        h for h in before if h.pattern.name not in has
    ]

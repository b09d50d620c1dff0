"""Read what a change does to meaning, sentence pair by sentence pair, into Facts for its
statement, and name the rule that decides its significance."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compare.model import Strength, Topic, strengths_of
from compare.redline import Row, rows
from compare.rules import (
    ConditionChange,
    StrengthChange,
    condition_change,
    negation_changed,
    pattern_changes,
    scope_change,
    strength_change,
    strength_of,
)
from compare.statement import Facts


def facts_of(
    *,
    kind: str,
    old_sentences: tuple[str, ...],
    new_sentences: tuple[str, ...],
    lead_in: str,
    flipped: bool,
    renamed: tuple[str, str] | None,
    moved: tuple[str, str] | None,
    topics: Sequence[Topic],
    terms: tuple[set[str], set[str], set[str]],
) -> tuple[Facts, str, Row | None]:
    """The facts behind a change's statement, the SIGNIFICANCE rule it meets ("" none) and
    the sentence the rule was met in.

    `terms` is (every watched term involved, terms whose count went down, went up)."""
    involved, lost, gained = terms
    strengths = strengths_of(topics)
    found = rows(old_sentences, new_sentences) if kind != "renamed" else []
    edited = [row for row in found if row.runs]
    whole = [row for row in found if not row.runs]
    flip = _first(edited, lambda r: negation_changed(r.old, r.new)) if flipped else None
    strength = _strength(edited, strengths, lead_in)
    condition = _condition([*edited, *whole])
    scope = _scope(edited, strengths, lead_in)
    # a practice named in order to prohibit it ("Do not offer … programmes based on
    # deconditioning") is not described by the document
    came, went = pattern_changes(
        [s for s in old_sentences if not _prohibits(s, lead_in, strengths)],
        [s for s in new_sentences if not _prohibits(s, lead_in, strengths)],
        topics,
    )
    facts = Facts(
        kind=kind,
        old_sentences=old_sentences,
        new_sentences=new_sentences,
        lead_in=lead_in,
        flip=flip,
        strength=strength,
        condition=condition,
        scope=scope,
        renamed=renamed,
        moved=moved,
        pattern_added=tuple(came),
        pattern_removed=tuple(went),
        terms_removed=tuple(sorted(lost)),
        terms_added=tuple(sorted(gained)),
        rewritten=len(found) > 1,
        safeguards_lost=any(
            term.name in lost for topic in topics if topic.removal_is_news for term in topic.terms
        ),
    )
    if involved and flip is None:
        if strength is not None:
            return facts, "strength", strength[1]
        if condition is not None:
            return facts, "condition", condition[1]
        if scope is not None:
            return facts, "scope", scope[2]
    return facts, "", None


def _strength(
    edited: Sequence[Row], strengths: Sequence[Strength], lead_in: str
) -> tuple[StrengthChange, Row] | None:
    """The first sentence edited in place whose recommendation changed strength."""
    for row in edited:
        change = strength_change(row.old, row.new, strengths, lead_in)
        if change is not None:
            return change, row
    return None


def _condition(found: Sequence[Row]) -> tuple[ConditionChange, Row] | None:
    """The first sentence that gained or lost a condition ("only if", "unless")."""
    for row in found:
        condition = condition_change(row.runs or None, row.old, row.new)
        if condition is not None:
            return condition, row
    return None


def _scope(
    edited: Sequence[Row], strengths: Sequence[Strength], lead_in: str
) -> tuple[str, str, Row] | None:
    """The first recommendation or prohibition edited in place whose scope widened or narrowed."""
    for row in edited:
        how = scope_change(row.runs)
        held = strength_of(row.new, strengths) or (
            strength_of(lead_in, strengths) if lead_in else None
        )
        if how is not None and held is not None:
            return ("prohibition" if held[0].level < 0 else "recommendation", how, row)
    return None


def _first(found: Sequence[Row], test: Callable[[Row], bool]) -> Row | None:
    return next((row for row in found if test(row)), None)


def _prohibits(sentence: str, lead_in: str, strengths: Sequence[Strength]) -> bool:
    """Whether a sentence (read with its list's introduction) advises against something."""
    held = strength_of(sentence, strengths) or (
        strength_of(lead_in, strengths) if lead_in else None
    )
    return held is not None and held[0].level < 0

"""One true line per change: the kind of change in plain words and the smallest changed phrase.

The line is the email subject for a single change, the first line of each digest item, the
digest's summary line and what `guidewatch changes` prints. The first rule that applies wins:

  renumbered         recommendations renumbered: 1.11.14 → 1.11.15, 1.11.15 → 1.11.16
  reversed           reversed: "Do not offer the Lightning Process" → "Offer the Lightning …"
  strength           recommendation strengthened (consider → offer): "Consider a" → "Offer a"
  exception/cond.    exception added to "Do not offer the Lightning Process": "except within …"
  scope              prohibition narrowed: "as a treatment or cure" → "as a cure"
  term renamed away  "Graded Exercise Therapy" renamed "Activity Management", the practice …
  moved              moved here from "Neuroplasticity programs designed for…": "x" → "y"
  practice pattern   now describes a fixed schedule of increase: "goes up by a fixed step …"
  new / removed      new statement: "…" / statement removed: "…"
  terms came/went    no longer says: pacing, PEM stability; now says: rehabilitation
                     (terms in the page's own words, practice terms first: compare/said.py)
  otherwise          "as a treatment or cure" → "as a cure" (and 1 more edit)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compare.model import Change
from compare.redline import ADDED, KEPT, REMOVED, Row, rows
from compare.rules import ConditionChange, PatternHit, StrengthChange, negation_changed
from compare.sentences import word_count

QUOTE_WORDS = 6  # an edit in place is quoted when each side is at most this long
QUOTE_CONTEXT = 2  # words of unchanged context before a quoted edit (one after)
SENTENCE_WORDS = 12  # a sentence quoted whole is cut to this many words
HEAD_WORDS = 6  # what a condition is attached to: the sentence's first words
SECTION_WORDS = 4  # a section named in a "moved" line
SAID_TERMS = 2  # watched terms named per side in "no longer says: …; now says: …"
RENUMBERED_SHOWN = 3  # renumbered sections named in the line


def _phrase(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:.")


def cut_words(text: str, limit: int = SENTENCE_WORDS) -> str:
    """The first `limit` words of text, with "…" when there were more."""
    words = text.split()
    cut = " ".join(words[:limit]).rstrip(" ,;:")
    return cut + "…" if len(words) > limit else _phrase(cut)


def _places(row: Row) -> list[tuple[int, int]]:
    """Each edited place of a row as (first, last) index into its runs."""
    runs = list(row.runs)
    places: list[tuple[int, int]] = []
    for k, (tag, _) in enumerate(runs):
        if tag == KEPT:
            continue
        if places and places[-1][1] == k - 1:
            places[-1] = (places[-1][0], k)
        else:
            places.append((k, k))
    return places


def place_quote(row: Row, first: int, last: int) -> tuple[str, str]:
    """One edited place with a little unchanged context on each side (old, new)."""
    runs = list(row.runs)
    removed = "".join(t for tag, t in runs[first : last + 1] if tag == REMOVED)
    added = "".join(t for tag, t in runs[first : last + 1] if tag == ADDED)
    before = runs[first - 1][1] if first > 0 else ""
    after = runs[last + 1][1] if last + 1 < len(runs) else ""
    left = " ".join(before.split()[-QUOTE_CONTEXT:]) if before.strip() else ""
    # one word after the edit, more when there are fewer before it
    right_words = 1 + QUOTE_CONTEXT - word_count(left)
    after = re.split(r"[,;:.](?:\s|$)", after, maxsplit=1)[0]  # context stops at punctuation
    if re.search(r"[,;:.]$", removed.rstrip() or added.rstrip()):
        after = ""  # the edit ends a clause: what follows belongs to the next one
    right = " ".join(after.split()[:right_words]) if after.strip() else ""
    old = _phrase(" ".join(p for p in (left, removed.strip(), right) if p))
    new = _phrase(" ".join(p for p in (left, added.strip(), right) if p))
    return old, new


def smallest_edit(row: Row) -> tuple[str, str, int] | None:
    """The first edited place of a sentence edited in place, quoted with its context, and how
    many more places were edited; None when that place is too long to quote."""
    places = _places(row)
    if not places:
        return None
    first, last = places[0]
    runs = list(row.runs)
    removed = "".join(t for tag, t in runs[first : last + 1] if tag == REMOVED)
    added = "".join(t for tag, t in runs[first : last + 1] if tag == ADDED)
    if max(word_count(removed), word_count(added)) > QUOTE_WORDS:
        return None
    old, new = place_quote(row, first, last)
    return (old, new, len(places) - 1) if old != new else None


def quoted_pair(old: str, new: str) -> str:
    """ "old" → "new" in the publisher's words ("" sides shown as nothing)."""
    return f'"{old}" → "{new}"'


def _more(count: int) -> str:
    if not count:
        return ""
    return f" (and {count} more edit{'s' if count > 1 else ''})"


def phrase_pair(old_sentences: Sequence[str], new_sentences: Sequence[str]) -> str:
    """The smallest changed phrase pair of a change: the first small edit in place, else the
    first sentence rewritten (each side cut short)."""
    found = rows(old_sentences, new_sentences)
    edited = [row for row in found if row.runs]
    total = sum(len(_places(row)) for row in edited) + sum(1 for r in found if not r.runs)
    for row in edited:
        edit = smallest_edit(row)
        if edit is not None:
            return quoted_pair(edit[0], edit[1]) + _more(total - 1)
    if edited:
        row = edited[0]
        return quoted_pair(cut_words(row.old), cut_words(row.new)) + _more(total - 1)
    olds = [r.old for r in found if r.old]
    news = [r.new for r in found if r.new]
    if olds and news:
        return quoted_pair(cut_words(olds[0]), cut_words(news[0])) + _more(total - 2)
    if news:
        return f'added: "{cut_words(news[0])}"' + _more(total - 1)
    if olds:
        return f'removed: "{cut_words(olds[0])}"' + _more(total - 1)
    return "no wording changed"


def head_of(sentence: str, lead_in: str = "", clause: str = "") -> str:
    """What a condition hangs from: a list's introduction, else the sentence's first words up
    to a comma (and before the condition itself)."""
    if lead_in:
        return _phrase(lead_in)
    start = sentence.find(clause.rstrip("…")) if clause else -1
    head = (sentence[:start] if start > 0 else sentence).split(",")[0]
    return cut_words(head, HEAD_WORDS)


def section_name(heading: str) -> str:
    """A section's name short enough to quote in a line."""
    return cut_words(heading, SECTION_WORDS)


def said(terms_removed: Sequence[str], terms_added: Sequence[str], limit: int | None) -> str:
    """The watched terms the wording lost and gained ("no longer says: not curative, pacing
    …; now says: rehabilitation"), at most `limit` a side; "" when none came or went."""
    parts = []
    for label, found in (("no longer says", terms_removed), ("now says", terms_added)):
        if found:
            shown = list(found[:limit]) if limit else list(found)
            more = " …" if len(shown) < len(found) else ""
            parts.append(f"{label}: {', '.join(shown)}{more}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Facts:
    """What classification found about one change, for its statement."""

    kind: str
    old_sentences: tuple[str, ...] = ()
    new_sentences: tuple[str, ...] = ()
    lead_in: str = ""
    flip: Row | None = None
    strength: tuple[StrengthChange, Row] | None = None
    condition: tuple[ConditionChange, Row] | None = None
    scope: tuple[str, str, Row] | None = None  # ("prohibition" | "recommendation", how, row)
    renamed: tuple[str, str] | None = None  # the term's words gone, the words in their place
    moved: tuple[str, str] | None = None  # the heading it left, the heading it is under now
    pattern_added: tuple[PatternHit, ...] = ()
    pattern_removed: tuple[PatternHit, ...] = ()
    terms_removed: tuple[str, ...] = ()
    terms_added: tuple[str, ...] = ()
    renumbering: tuple[str, ...] = ()
    rewritten: bool = False  # more than one sentence changed
    safeguards_lost: bool = False  # a term whose removal is news left the wording


def _row_quote(row: Row) -> str:
    edit = smallest_edit(row)
    if edit is not None:
        return quoted_pair(edit[0], edit[1])
    return quoted_pair(cut_words(row.old), cut_words(row.new))


def _flip_quote(row: Row) -> str:
    """A reversal quoted from the sentence start through the first edit (the verb that
    flipped), so "Do not offer the Lightning Process" → "Offer the Lightning Process"."""
    places = _places(row)
    if not places:
        return _row_quote(row)
    first, last = places[0]
    old, new = place_quote(row, first, last)
    return quoted_pair(old, new)


def _renumbered(pairs: Sequence[str]) -> str:
    shown = ", ".join(pairs[:RENUMBERED_SHOWN])
    more = f" and {len(pairs) - RENUMBERED_SHOWN} more" if len(pairs) > RENUMBERED_SHOWN else ""
    return f"recommendations renumbered: {shown}{more}"


def _patterns(verb: str, hits: Sequence[PatternHit]) -> str:
    names = " and ".join(dict.fromkeys(h.pattern.name for h in hits[:2]))
    return f'{verb} {names}: "{cut_words(hits[0].words)}"'


def build_statement(facts: Facts) -> str:
    """The one line for a change (see the module docstring for the rules, in order)."""
    if facts.kind == "renumbered":
        return _renumbered(facts.renumbering)
    if facts.flip is not None:
        return f"reversed: {_flip_quote(facts.flip)}"
    if facts.strength is not None:
        change, row = facts.strength
        scale = f"{change.old.name} → {change.new.name}"
        return f"{change.says} ({scale}): {_row_quote(row)}"
    told = said(facts.terms_removed, facts.terms_added, SAID_TERMS)
    if told and facts.rewritten and facts.safeguards_lost:
        return told  # a rewrite that drops safeguards is told by what it dropped
    if facts.condition is not None:
        condition, row = facts.condition
        way = "added to" if condition.added else "removed from"
        head = head_of(row.new if condition.added else row.old, facts.lead_in, condition.clause)
        return f'{condition.kind} {way} "{head}": "{_phrase(condition.clause)}"'
    if facts.scope is not None:
        noun, how, row = facts.scope
        return f"{noun} {how}: {_row_quote(row)}"
    if facts.renamed is not None:
        old, new = facts.renamed
        return f'"{old}" renamed "{new}", the practice wording stays'
    if facts.moved is not None:
        left, _ = facts.moved
        edits = phrase_pair(facts.old_sentences, facts.new_sentences)
        tail = f": {edits}" if facts.old_sentences or facts.new_sentences else ", unchanged"
        return f'moved here from "{section_name(left)}"{tail}'
    if facts.pattern_added:
        return _patterns("now describes", facts.pattern_added)
    if facts.pattern_removed:
        return _patterns("no longer describes", facts.pattern_removed)
    if facts.kind == "renamed":
        return "section renamed: " + phrase_pair(facts.old_sentences, facts.new_sentences)
    if facts.kind == "added" or (facts.new_sentences and not facts.old_sentences):
        return f'new statement: "{cut_words(facts.new_sentences[0])}"' + _more(
            len(facts.new_sentences) - 1
        ).replace("edit", "sentence")
    if facts.kind == "removed" or (facts.old_sentences and not facts.new_sentences):
        return f'statement removed: "{cut_words(facts.old_sentences[0])}"' + _more(
            len(facts.old_sentences) - 1
        ).replace("edit", "sentence")
    if told and facts.rewritten:
        return told
    return phrase_pair(facts.old_sentences, facts.new_sentences)


def statement_of(change: Change) -> str:
    """A change's statement: the one recorded with it, else (a change recorded before
    statements existed) one built from what the record holds."""
    if change.statement:
        return change.statement
    if change.kind == "term-renamed":
        lost = [t for t in change.terms if t in change.terms_removed] or [*change.terms, ""]
        return f'"{lost[0]}" renamed away, the practice wording stays'
    found = rows(change.old_sentences, change.new_sentences)
    flip = None
    if change.polarity_flip:
        flip = next((r for r in found if r.runs and negation_changed(r.old, r.new)), None)
    facts = Facts(
        kind=change.kind,
        old_sentences=change.old_sentences,
        new_sentences=change.new_sentences,
        lead_in=change.lead_in,
        flip=flip,
        terms_removed=change.terms_removed,
        terms_added=change.terms_added,
        renumbering=change.renumbering,
        rewritten=len(found) > 1,
    )
    return build_statement(facts)

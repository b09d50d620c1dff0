"""The watched terms a rewrite lost or gained, in the publisher's own words and in order.

A term's name is the topics file's ("do not offer"); the line quotes what the page said ("must
not be offered"). Terms that stand side by side in the text are one phrase ("graded exercise
therapy (GET) must not be offered"), and practice terms (a topic whose removal is not news:
rehabilitation, brain training) lead, so a line cut short never drops one for a safeguard.
"""

from __future__ import annotations

from collections.abc import Sequence

from compare.model import TermHit, Topic
from compare.topics import find_terms


def said_order(terms: Sequence[str], topics: Sequence[Topic]) -> list[str]:
    """Terms with the practice terms first, each group in the order given."""
    news = {term.name for topic in topics if topic.removal_is_news for term in topic.terms}
    return sorted(terms, key=lambda t: t in news)


def _joined(text: str, left: TermHit, right: TermHit) -> bool:
    """Whether two hits stand side by side (only spaces between them)."""
    return left.end <= right.start and not text[left.end : right.start].strip()


def said_phrases(text: str, terms: Sequence[str], topics: Sequence[Topic]) -> tuple[str, ...]:
    """Each of `terms` as the words `text` uses for it (its first occurrence), practice terms
    first; terms side by side make one phrase; a term not found keeps its name."""
    hits = find_terms(text, topics)
    wanted = set(terms)
    phrases: list[str] = []
    told: set[str] = set()
    for term in said_order(terms, topics):
        if term in told:
            continue
        hit = next((h for h in hits if h.term == term), None)
        if hit is None:
            phrases.append(term)
            told.add(term)
            continue
        run = [hit]
        at = hits.index(hit)
        for before in reversed(hits[:at]):
            if (
                before.term not in wanted
                or before.term in told
                or not _joined(text, before, run[0])
            ):
                break
            run.insert(0, before)
        for after in hits[at + 1 :]:
            if after.term not in wanted or after.term in told or not _joined(text, run[-1], after):
                break
            run.append(after)
        told.update(h.term for h in run)
        phrases.append(" ".join(text[run[0].start : run[-1].end].split()))
    return tuple(phrases)

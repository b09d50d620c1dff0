"""Compare two versions of a document: sections paired (compare.pairing), each pair's delta
classified into a Change (compare.classify), a renumbering recorded once."""

from __future__ import annotations

from collections.abc import Sequence

from compare.classify import classify
from compare.model import SIGNIFICANCE, Change, Topic
from compare.pairing import (
    NUMBERED,
    Delta,
    Prepared,
    cancel_moves,
    delta_of,
    match_edited_moves,
    pair_sections,
    prepare,
)
from compare.running import comparable, on_pages
from compare.statement import Facts, build_statement
from scrapers.model import Document, Section


def _renumbered_only(delta: Delta, mapping: dict[str, str]) -> bool:
    """Whether a delta is nothing but a section under its new number."""
    if delta.old is None or delta.new is None or delta.removed or delta.added:
        return False
    if delta.heading_changed or delta.moved_in:
        return False
    old_key = delta.old.section.key
    return bool(NUMBERED.match(old_key)) and mapping.get(old_key.lower()) == delta.new.section.key


def _renumbering_change(deltas: Sequence[Delta]) -> Change:
    """The one off-topic change that records a renumbering (first section renumbered)."""
    pairs = tuple(
        f"{d.old.section.key} → {d.new.section.key}"
        for d in deltas
        if d.old is not None and d.new is not None
    )
    first = deltas[0]
    assert first.old is not None and first.new is not None
    return Change(
        section_key=first.new.section.key,
        heading_path=first.new.section.heading_path,
        kind="renumbered",
        old_section_key=first.old.section.key,
        pages=first.new.section.pages,
        significance=SIGNIFICANCE["renumbered"],
        renumbering=pairs,
        statement=build_statement(Facts(kind="renumbered", renumbering=pairs)),
    )


def _prepare(section: Section, ignore: Sequence[str], done: dict[Section, Prepared]) -> Prepared:
    """prepare(), once per distinct section of a comparison (most are in both versions).

    A section met again gets its own Prepared, with its own lists: pairing fills them in.
    """
    known = done.get(section)
    if known is None:
        known = done[section] = prepare(section, ignore)
        return known
    return Prepared(
        section=section,
        original=list(known.original),
        canon=list(known.canon),
        heading=known.heading,
        heading_canon=known.heading_canon,
        key_canon=known.key_canon,
        group=list(known.group),
        intro=list(known.intro),
        members={group: list(places) for group, places in known.members.items()},
    )


def compare_documents(
    old: Document, new: Document, *, topics: Sequence[Topic] = (), ignore: Sequence[str] = ()
) -> list[Change]:
    """Return the changes from old to new in the new version's order (removed ones in place)."""
    paged_old, paged_new = old, new
    old, new = comparable(old, new)  # paged documents are compared as running text
    done: dict[Section, Prepared] = {}
    olds = [_prepare(s, ignore, done) for s in old.sections]
    news = [_prepare(s, ignore, done) for s in new.sections]
    pairs, mapping = pair_sections(olds, news)
    new_of_old = {i: j for i, j in pairs if i is not None and j is not None}

    def position(pair: tuple[int | None, int | None]) -> tuple[int, int, int]:
        i, j = pair
        if j is not None:
            return (j, 0, 0)
        assert i is not None
        before = [new_of_old[k] for k in range(i) if k in new_of_old]
        return (max(before, default=-1), 1, i)

    pairs.sort(key=position)
    deltas = [
        delta_of(olds[i] if i is not None else None, news[j] if j is not None else None)
        for i, j in pairs
    ]
    cancel_moves(deltas)
    match_edited_moves(deltas)
    renumbered = [d for d in deltas if _renumbered_only(d, mapping)]
    changes: list[Change] = []
    for delta in deltas:
        if renumbered and delta is renumbered[0]:
            changes.append(_renumbering_change(renumbered))
        if any(delta is d for d in renumbered):
            continue
        change = classify(delta, topics)
        if change is not None:
            changes.append(change)
    return on_pages(changes, paged_old, paged_new)

"""Term timelines: how often each watched term appears in every version of a document.

Apart from guidewatch.report.history (the changes between versions) so that `timeline`
loads no diffing and no ORM: it reads through a Core connection.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from compare.model import Topic
from compare.topics import count_terms, make_term
from storage import checks, history

if TYPE_CHECKING:
    from storage.db import Db


@dataclass(frozen=True)
class TimelineRow:
    """The watched terms counted in one version of a document."""

    document_id: str
    version: int
    first_seen_at: datetime
    last_seen_at: datetime
    counts: dict[str, int]
    provenance: str = "live"

    def to_dict(self, terms: Sequence[str]) -> dict[str, Any]:
        """Return a JSON-ready dict with a count for each of these terms."""
        return {
            "document": self.document_id,
            "version": self.version,
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
            "counts": {term: self.counts.get(term, 0) for term in terms},
            "provenance": self.provenance,
        }


def select_topics(
    topics: Sequence[Topic], *, topic: str | None = None, term: str | None = None
) -> tuple[tuple[Topic, ...], tuple[str, ...]]:
    """Return the topics to count and the term names always shown (one topic, one term, all)."""
    if topic is not None:
        chosen = [t for t in topics if t.name == topic]
        if not chosen:
            names = ", ".join(t.name for t in topics)
            raise ValueError(f"no topic {topic!r} (topics: {names})")
        return tuple(chosen), ()
    if term is not None:
        wanted = " ".join(term.split()).lower()
        for t in topics:
            for candidate in t.terms:
                if candidate.name.lower() == wanted:
                    return (Topic(t.name, t.description, (candidate,)),), (candidate.name,)
        made = make_term(" ".join(term.split()))  # a term no topic watches: count it anyway
        return (Topic("search", "", (made,)),), (made.name,)
    return tuple(topics), ()


def term_names(topics: Sequence[Topic]) -> list[str]:
    """Return every canonical term name, in the order the topics declare them."""
    return [term.name for topic in topics for term in topic.terms]


def term_timeline(*, session: Db, document_id: str, topics: Sequence[Topic]) -> list[TimelineRow]:
    """Count each watched term in every version of a document (section texts and headings)."""
    return term_timelines(session=session, document_ids=[document_id], topics=topics)


def term_timelines(
    *, session: Db, document_ids: Sequence[str] | None, topics: Sequence[Topic]
) -> list[TimelineRow]:
    """Count each watched term in every version of these documents (None: all), by document.

    A version's count is the sum over its sections, each distinct section text counted once
    per topics selection and kept (guidewatch.term_counts), not recounted on every query;
    plus each distinct heading of the version once (a PDF's term may live in a heading alone).
    """
    from guidewatch.term_counts import version_totals

    versions = history.version_rows(session=session, document_ids=document_ids)
    if not versions:
        return []
    in_headings = _heading_counts(session, [v.id for v in versions], topics)
    if not checks.has_term_counts(session=session):  # a database older than migration 0008
        totals = {v.id: _count_now(session, v.id, topics) for v in versions}
    else:
        totals = version_totals(session, topics, document_ids)
    return [_row(v, _add(totals.get(v.id, {}), in_headings.get(v.id, {}))) for v in versions]


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return dict(Counter(a) + Counter(b)) if b else a


def _heading_counts(
    session: Db, version_ids: Sequence[int], topics: Sequence[Topic]
) -> dict[int, dict[str, int]]:
    """Terms in each version's distinct headings; each distinct heading is counted once."""
    wanted = set(version_ids)
    # One document's versions: ask for them alone; many: read all rather than a huge IN list.
    only = sorted(wanted) if len(wanted) <= 500 else None
    paths = history.heading_paths(session=session, version_ids=only)
    # Most versions repeat their predecessor's headings: each distinct path is read once,
    # each distinct heading counted once, and headings without a term are dropped early.
    decoded: dict[str, tuple[str, ...]] = {}
    counted: dict[str, dict[str, int]] = {}
    headings: dict[int, set[str]] = defaultdict(set)
    for version_id, path in paths:
        if version_id not in wanted or not path or path == "[]":
            continue
        names = decoded.get(path)
        if names is None:
            names = decoded[path] = tuple(_with_terms(json.loads(path), topics, counted))
        headings[version_id].update(names)
    out: dict[int, dict[str, int]] = {}
    for version_id, held in headings.items():
        total: Counter[str] = Counter()
        for name in held:
            total.update(counted[name])
        out[version_id] = dict(total)
    return out


def _with_terms(
    names: Sequence[str], topics: Sequence[Topic], counted: dict[str, dict[str, int]]
) -> list[str]:
    """The headings among these that hold a watched term, each counted once into `counted`."""
    found = []
    for name in names:
        if name not in counted:
            counted[name] = {t: n for t, n in count_terms(name, topics).items() if n}
        if counted[name]:
            found.append(name)
    return found


def _row(version: Any, counts: dict[str, int]) -> TimelineRow:
    return TimelineRow(
        document_id=version.document_id,
        version=version.number,
        first_seen_at=version.first_seen_at,
        last_seen_at=version.last_seen_at,
        counts=counts,
        provenance=version.provenance,
    )


def _count_now(session: Db, version_id: int, topics: Sequence[Topic]) -> dict[str, int]:
    texts = history.section_texts(session=session, version_id=version_id)
    total: Counter[str] = Counter()
    for text in texts:
        total.update(count_terms(text, topics))
    return dict(total)


def shown_terms(
    rows: Sequence[TimelineRow], topics: Sequence[Topic], always: Sequence[str] = ()
) -> list[str]:
    """Return the terms worth a column: those counted somewhere, and those asked for by name."""
    counted = {term for row in rows for term, n in row.counts.items() if n}
    return [name for name in term_names(topics) if name in counted or name in always]

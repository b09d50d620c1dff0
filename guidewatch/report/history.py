"""What the history views need from the database: term counts per version and the changes."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from compare.diff import compare_documents
from compare.model import Change, Topic
from compare.topics import count_terms, make_term
from scrapers.base import get_extractor
from scrapers.model import DocumentSpec
from storage import checks, history, version_store
from storage.models import Version


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


@dataclass(frozen=True)
class VersionChanges:
    """The changes that made one version out of the one before it."""

    document_id: str
    from_version: int | None
    to_version: int
    first_seen_at: datetime
    changes: tuple[Change, ...]
    recorded: bool  # read from the changes table (True) or computed now (False)


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


def term_timeline(
    *, session: Session, document_id: str, topics: Sequence[Topic]
) -> list[TimelineRow]:
    """Count each watched term in every version of a document (section texts and headings)."""
    return term_timelines(session=session, document_ids=[document_id], topics=topics)


def term_timelines(
    *, session: Session, document_ids: Sequence[str] | None, topics: Sequence[Topic]
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
    session: Session, version_ids: Sequence[int], topics: Sequence[Topic]
) -> dict[int, dict[str, int]]:
    """Terms in each version's distinct headings; each distinct heading is counted once."""
    wanted = set(version_ids)
    # One document's versions: ask for them alone; many: read all rather than a huge IN list.
    only = sorted(wanted) if len(wanted) <= 500 else None
    paths = history.heading_paths(session=session, version_ids=only)
    headings: dict[int, set[str]] = defaultdict(set)
    for version_id, path in paths:
        if version_id in wanted and path and path != "[]":
            headings[version_id].update(json.loads(path))
    counted: dict[str, dict[str, int]] = {}
    out: dict[int, dict[str, int]] = {}
    for version_id, names in headings.items():
        total: Counter[str] = Counter()
        for name in names:
            if name not in counted:
                counted[name] = count_terms(name, topics)
            total.update(counted[name])
        if total:
            out[version_id] = dict(total)
    return out


def _row(version: Any, counts: dict[str, int]) -> TimelineRow:
    return TimelineRow(
        document_id=version.document_id,
        version=version.number,
        first_seen_at=version.first_seen_at,
        last_seen_at=version.last_seen_at,
        counts=counts,
        provenance=version.provenance,
    )


def _count_now(session: Session, version_id: int, topics: Sequence[Topic]) -> dict[str, int]:
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


def compare_now(
    session: Session, spec: DocumentSpec, old: Version, new: Version, *, topics: Sequence[Topic]
) -> list[Change]:
    """Compare two versions as the cycle does (like with like); stored texts for unknown kinds."""
    from compare.noise import resolve_ignore
    from guidewatch.changes import compare_versions

    try:
        extractor = get_extractor(spec.kind)
    except KeyError:  # no extractor for this kind here, so nothing to re-extract with
        before = version_store.version_document(session=session, version=old)
        after = version_store.version_document(session=session, version=new)
        ignore = resolve_ignore(spec.options.get("ignore", ()))
        return compare_documents(before, after, topics=topics, ignore=ignore)
    return compare_versions(
        session, spec, old, new, topics=topics, extractors=lambda _kind: extractor
    )


def document_changes(
    *, session: Session, spec: DocumentSpec, topics: Sequence[Topic]
) -> list[VersionChanges]:
    """Return the changes between consecutive versions, newest first, as the cycle recorded them.

    The recorded rows are the record: a version with none had no change. Only versions older
    than the first change ever recorded may predate change recording; those are compared now,
    the way the cycle compares.
    """
    versions = version_store.list_versions(session=session, document_id=spec.id)
    recorded: dict[int, list[Change]] = defaultdict(list)
    first_recorded: int | None = None
    if checks.has_changes_table(session=session):
        from storage.changes import list_changes

        first_recorded = history.first_recorded_version_id(session=session)
        for row in list_changes(session=session, document_id=spec.id, on_topic_only=False):
            recorded[row.to_version_id].append(Change.from_dict(row.data()))
    out: list[VersionChanges] = []
    for before, after in zip(versions, versions[1:], strict=False):
        assert after.id is not None
        # Ids only grow, so a version after the first recorded one was kept with recording on.
        from_table = first_recorded is not None and after.id >= first_recorded
        if from_table:
            changes = recorded.get(after.id, [])
        else:
            changes = compare_now(session, spec, before, after, topics=topics)
        out.append(
            VersionChanges(
                document_id=spec.id,
                from_version=before.number,
                to_version=after.number,
                first_seen_at=after.first_seen_at,
                changes=tuple(changes),
                recorded=from_table,
            )
        )
    return list(reversed(out))

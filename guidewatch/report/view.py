"""What each page of the static report shows: plain values, in the order they are read.

guidewatch.report.site builds these from the stored history and renders them with the
templates in guidewatch/report/templates (HTML escaped by default); every choice of what a
page says is made here, the templates only lay it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from alerts.dates import day
from compare.model import Change, Topic
from compare.redline import Line, lines
from compare.statement import statement_of
from guidewatch.report import history
from guidewatch.report.chart import bar_chart
from storage.models import StoredDocument, Version


@dataclass(frozen=True)
class Fact:
    """One line of a definition list: a name and its plain value."""

    name: str
    value: str


@dataclass(frozen=True)
class ChangeView:
    """One change: its section, its statement, the facts about it and its redline."""

    title: str  # "Section 1.11.14: 1.11 Managing ME/CFS"
    on_topic: bool
    statement: str
    facts: tuple[Fact, ...]
    polarity_flip: bool  # a sentence turned from "do" to "do not" (or back)
    was_section: str  # the section's key before it moved, or ""
    significance: int
    redline: tuple[Line, ...]


@dataclass(frozen=True)
class VersionGroup:
    """The changes that made one version out of the one before it."""

    to_version: int
    from_version: int | None
    first_seen_at: datetime
    changes: tuple[ChangeView, ...]


@dataclass(frozen=True)
class VersionRow:
    """One stored version in the versions table."""

    number: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    characters: int
    body_sha256: str
    archive_url: str  # the archive capture it was first seen in, or ""
    witness_url: str  # an archived copy made since, or ""


@dataclass(frozen=True)
class TermRow:
    """One version's count of each shown term."""

    label: str  # "v3"
    first_seen_at: datetime
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Terms:
    """The watched terms that occur: a chart each and the same counts as a table."""

    names: tuple[str, ...]
    charts: tuple[Markup, ...]
    rows: tuple[TermRow, ...]


@dataclass(frozen=True)
class DocumentView:
    """One document's page: what it is, its versions, its terms and its changes."""

    title: str
    id: str
    source: str
    url: str
    versions: tuple[VersionRow, ...]  # newest first
    change_count: int
    terms: Terms
    groups: tuple[VersionGroup, ...]  # newest first


@dataclass(frozen=True)
class IndexEntry:
    """What the index says about one document page."""

    title: str
    source: str
    path: str
    versions: int
    last_change: datetime | None
    last_topics: str  # the topics of its last change, "-" when none
    last_seen: datetime | None


def change_view(change: Change) -> ChangeView:
    """One change as the report shows it."""
    where = " › ".join(change.heading_path)
    facts = [Fact("Kind", change.kind.replace("-", " "))]
    facts.append(Fact("Topics", ", ".join(change.topics) or "none"))
    if change.terms:
        facts.append(Fact("Terms", ", ".join(change.terms)))
    was = change.old_section_key
    return ChangeView(
        title=f"Section {change.section_key}" + (f": {where}" if where else ""),
        on_topic=bool(change.topics),
        statement=statement_of(change),
        facts=tuple(facts),
        polarity_flip=change.polarity_flip,
        was_section=was if was and was != change.section_key else "",
        significance=change.significance,
        redline=tuple(lines(change.old_sentences, change.new_sentences)),
    )


def version_row(version: Version) -> VersionRow:
    """One stored version as the versions table shows it."""
    archived = version.provenance == "archive" and bool(version.archive_url)
    return VersionRow(
        number=version.number,
        first_seen_at=version.first_seen_at,
        last_seen_at=version.last_seen_at,
        characters=version.text_size,
        body_sha256=version.body_sha256,
        archive_url=(version.archive_url or "") if archived else "",
        witness_url=version.witness_url or "",
    )


def terms_view(rows: Sequence[history.TimelineRow], topics: Sequence[Topic]) -> Terms:
    """The terms that occur in some version: a chart each, and the counts as a table."""
    names = history.shown_terms(rows, topics)
    labels = [f"v{r.version}" for r in rows]
    days = [day(r.first_seen_at, padded=True) for r in rows]
    charts = [
        bar_chart(f"term-{i}", term, labels, days, [r.counts.get(term, 0) for r in rows])
        for i, term in enumerate(names)
    ]
    table = [
        TermRow(f"v{r.version}", r.first_seen_at, tuple(r.counts.get(t, 0) for t in names))
        for r in rows
    ]
    return Terms(tuple(names), tuple(charts), tuple(table))


def document_view(
    document: StoredDocument,
    versions: Sequence[Version],
    rows: Sequence[history.TimelineRow],
    groups: Sequence[history.VersionChanges],
    topics: Sequence[Topic],
) -> DocumentView:
    """One document's page."""
    return DocumentView(
        title=document.title,
        id=document.id,
        source=document.source,
        url=document.url,
        versions=tuple(version_row(v) for v in reversed(versions)),
        change_count=sum(len(g.changes) for g in groups),
        terms=terms_view(rows, topics),
        groups=tuple(
            VersionGroup(
                to_version=g.to_version,
                from_version=g.from_version,
                first_seen_at=g.first_seen_at,
                changes=tuple(change_view(c) for c in g.changes),
            )
            for g in groups
        ),
    )


def index_entry(
    document: StoredDocument,
    path: str,
    versions: Sequence[Version],
    groups: Sequence[history.VersionChanges],
) -> IndexEntry:
    """The index's line about one document: its last change and when it was last seen."""
    latest = next((group for group in groups if group.changes), None)
    return IndexEntry(
        title=document.title,
        source=document.source,
        path=path,
        versions=len(versions),
        last_change=latest.first_seen_at if latest else None,
        last_topics=", ".join(sorted({t for c in latest.changes for t in c.topics})) or "-"
        if latest
        else "-",
        last_seen=versions[-1].last_seen_at if versions else None,
    )

"""One digest as both of its parts show it: plain values in the order they are read.

alerts.text and alerts.html render this model with the templates in alerts/templates/; every
choice of what to say and in what order is made here, once, and the templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.naming import (
    date,
    event_line,
    flags,
    full_command,
    heading,
    headline,
    in_full_and_listed,
    is_long,
    most_important,
    ordered_changes,
    pages,
    pdf_link,
    place,
    report_page,
    said_in_full,
    show_command,
    versions_line,
    what,
)
from alerts.notes import ChangeNote, Digest, EventNote
from compare.redline import Line, lines

CONTEXT_LIMIT = 3  # surviving sentences shown after the changed ones


@dataclass(frozen=True)
class Item:
    """One change in full: its statement, the changed wording, where it is, how to see more."""

    title: str  # the statement, after the place (and the document, for a long digest)
    flags: tuple[str, ...]
    said_in_full: str  # every term lost and gained, when the statement names only some
    lead_in: str  # the list the sentences belong to
    old: tuple[str, ...]
    new: tuple[str, ...]
    redline: tuple[Line, ...]  # old → new as rows of runs (the HTML part shows these)
    surviving: tuple[str, ...]  # at most CONTEXT_LIMIT
    section: str  # "Section: A › B (page 3)"
    pdf_link: str
    live_url: str  # only when the item names its document itself
    also_on: str  # "Also on: topic, topic" or ""
    versions: str
    show_command: str
    archived_copy: str  # the Wayback Machine's capture of the new version, or ""


@dataclass(frozen=True)
class Document:
    """One document of a short digest, with its items."""

    title: str
    live_url: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Topic:
    """One topic of a short digest, with its documents."""

    name: str
    documents: tuple[Document, ...]


@dataclass(frozen=True)
class Entry:
    """One line of a long digest's list: the statement and the command that shows it in full."""

    line: str
    command: str


@dataclass(frozen=True)
class Listed:
    """One document's changes listed one line each after a long digest's full items."""

    title: str
    live_url: str
    report_page: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Event:
    """What happened to a document."""

    line: str
    detail: str
    live_url: str
    day: str


@dataclass(frozen=True)
class DigestView:
    """Everything one message shows, in order; `long` picks the layout."""

    count: int  # changes and events
    noun: str  # "changes", or "items" when there are events
    summary: tuple[str, ...]  # one line per item, most important first ("" when only one)
    long: bool
    changes: int
    topics: tuple[Topic, ...]  # a short digest: every change in full, by topic and document
    full: tuple[Item, ...]  # a long digest: the most significant changes in full
    listed: tuple[Listed, ...]  # then the others, one line each, by document
    listed_count: int
    events: tuple[Event, ...]


def item(note: ChangeNote, *, titled: bool = False) -> Item:
    """One change in full; `titled` names its document too (a long digest's first items)."""
    change = note.change
    return Item(
        title=headline(note) if titled else f"{place(change)}: {what(change)}",
        flags=tuple(flags(change)),
        said_in_full=said_in_full(change),
        lead_in=change.lead_in,
        old=tuple(change.old_sentences),
        new=tuple(change.new_sentences),
        redline=tuple(lines(change.old_sentences, change.new_sentences)),
        surviving=tuple(change.surviving[:CONTEXT_LIMIT]),
        section=f"Section: {heading(change)}{pages(change)}",
        pdf_link=pdf_link(note),
        live_url=note.live_url if titled else "",
        also_on=f"Also on: {', '.join(note.also_topics)}" if note.also_topics else "",
        versions=versions_line(note),
        show_command=show_command(note),
        archived_copy=note.archived_copy,
    )


def _topics(digest: Digest) -> tuple[Topic, ...]:
    grouped: list[tuple[str, list[tuple[ChangeNote, list[Item]]]]] = []
    for note in ordered_changes(digest):
        if not grouped or grouped[-1][0] != note.topic:
            grouped.append((note.topic, []))
        documents = grouped[-1][1]
        if not documents or documents[-1][0].document_id != note.document_id:
            documents.append((note, []))
        documents[-1][1].append(item(note))
    return tuple(
        Topic(name, tuple(Document(n.document_title, n.live_url, tuple(i)) for n, i in documents))
        for name, documents in grouped
    )


def _listed(group: list[ChangeNote]) -> Listed:
    first = group[0]
    entries = [Entry(f"{place(n.change)}: {what(n.change)}", full_command(n)) for n in group]
    return Listed(first.document_title, first.live_url, report_page(first), tuple(entries))


def _event(event: EventNote) -> Event:
    return Event(event_line(event), event.detail, event.live_url, date(event.at))


def digest_view(digest: Digest) -> DigestView:
    """The model both parts of the message render."""
    count = len(digest.changes) + len(digest.events)
    summary: list[str] = []
    if count >= 2:
        summary = [headline(n) for n in most_important(digest)]
        summary += [event_line(e) for e in digest.events]
    long = is_long(digest)
    full, rest = in_full_and_listed(digest) if long else ([], [])
    return DigestView(
        count=count,
        noun="items" if digest.events else "changes",
        summary=tuple(summary),
        long=long,
        changes=len(digest.changes),
        topics=() if long else _topics(digest),
        full=tuple(item(note, titled=True) for note in full),
        listed=tuple(_listed(group) for group in rest),
        listed_count=sum(len(group) for group in rest),
        events=tuple(_event(e) for e in digest.events),
    )

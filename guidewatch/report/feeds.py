"""Atom feeds of the recorded changes: one per topic and one for every topic (feeds/all.atom).

Each entry is one change on a watched topic: its one-line statement, the section, the dates
of both versions and the redline. Everything in a feed comes from the stored history, so the
same history always gives the same bytes: entry ids are UUIDs derived from the change's
stored identity (document id, version number, position in that version's changes), and a
feed's `updated` is its newest entry's.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from sqlalchemy.engine import Engine

from alerts.naming import pdf_link, place, show_command, versions_line
from alerts.notes import ChangeNote
from alerts.recorded import change_identity, note_for
from alerts.statement import statement
from alerts.subscribers import Subscriber
from compare.model import Topic
from compare.redline import lines
from guidewatch.report.html import render
from storage.changes import list_changes
from storage.db import open_session
from storage.models import StoredDocument

FEED_DIR = "feeds"
ALL = "all"
# A fixed namespace: ids derived under it never change between runs or installations.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://guidewatch.invalid/atom")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # `updated` of a feed with no entry yet


@dataclass(frozen=True)
class FeedEntry:
    """One change in a feed, with its permanent id."""

    id: str
    note: ChangeNote
    source: str = ""


def entry_id(identity: str) -> str:
    """The permanent Atom id of a change, from its stored identity."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, 'change:' + identity)}"


def feed_file(name: str) -> str:
    """A safe file name for a feed (a subscriber's sits in subscribers/)."""
    folder, _, leaf = name.rpartition("/")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", leaf).strip(".") + ".atom"
    return f"{folder}/{safe}" if folder == "subscribers" else safe


def entries(engine: Engine) -> list[FeedEntry]:
    """Every recorded change on a topic, newest first."""
    with open_session(engine) as session:
        rows = list_changes(session=session, on_topic_only=True)
        found = []
        sources: dict[str, str] = {}
        for row in rows:
            note = note_for(session, row)
            if row.document_id not in sources:
                document = session.get(StoredDocument, row.document_id)
                sources[row.document_id] = document.source if document else ""
            identity = entry_id(change_identity(note, row.ordinal))
            found.append(FeedEntry(identity, note, sources[row.document_id]))
    found.sort(key=lambda e: (e.note.new_seen_at, e.id), reverse=True)
    return found


def content(note: ChangeNote) -> str:
    """An entry's HTML body: the statement, section, dates, redline and where to look."""
    change = note.change
    return render(
        "entry.html",
        statement=statement(note),
        place=place(change),
        heading=" › ".join(change.heading_path),
        versions=versions_line(note),
        topics=", ".join(change.topics) or note.topic,
        rows=tuple(lines(change.old_sentences, change.new_sentences)),
        live_url=note.live_url,
        title=note.document_title,
        pdf_link=pdf_link(note),
        show_command=show_command(note),
    ).strip()


def build_feed(
    name: str, title: str, chosen: Sequence[FeedEntry], *, base_url: str | None = None
) -> bytes:
    """One Atom feed of these entries (newest first)."""
    feed = FeedGenerator()
    feed.id(f"urn:uuid:{uuid.uuid5(NAMESPACE, 'feed:' + name)}")
    feed.title(title)
    feed.author({"name": "guidewatch"})
    feed.language("en")
    if base_url:
        feed.link(href=f"{base_url.rstrip('/')}/{FEED_DIR}/{feed_file(name)}", rel="self")
        feed.link(href=f"{base_url.rstrip('/')}/index.html", rel="alternate")
    feed.updated(max((e.note.new_seen_at for e in chosen), default=EPOCH))
    for item in chosen:
        note = item.note
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(statement(note))
        entry.updated(note.new_seen_at)
        entry.published(note.new_seen_at)
        entry.link(href=note.live_url or "about:blank", rel="alternate")
        for topic in note.change.topics:
            entry.category(term=topic)
        entry.summary(statement(note))
        entry.content(content(note), type="html")
    return bytes(feed.atom_str(pretty=True))


def follows(who: Subscriber, entry: FeedEntry) -> bool:
    """Whether a change is in a subscriber's feed (any of its topics that they follow)."""
    return any(
        who.follows(kind="change", topic=t, document=entry.note.document_id, source=entry.source)
        for t in entry.note.change.topics
    )


def write_feeds(
    engine: Engine,
    out: Path,
    topics: Sequence[Topic],
    *,
    base_url: str | None = None,
    subscribers: Sequence[Subscriber] = (),
) -> list[Path]:
    """Write feeds/all.atom, one feed per topic and one per subscriber
    (feeds/subscribers/NAME.atom) under `out`; return their paths."""
    folder = out / FEED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    found = entries(engine)
    feeds = [(ALL, "guidewatch: every change on a watched topic", found)]
    for topic in topics:
        mine = [e for e in found if topic.name in e.note.change.topics]
        feeds.append((topic.name, f"guidewatch: changes on {topic.name}", mine))
    if subscribers:
        (folder / "subscribers").mkdir(exist_ok=True)
    for who in subscribers:
        title = f"guidewatch for {who.name}: {who.following()}"
        feeds.append((f"subscribers/{who.name}", title, [e for e in found if follows(who, e)]))
    written = []
    for name, title, chosen in feeds:
        path = folder / feed_file(name)
        path.write_bytes(build_feed(name, title, chosen, base_url=base_url))
        written.append(path)
    return written

"""Naming changes for readers with little energy: where a change is, its one-line statement
(compare.statement), the subject, the order of importance, and the commands that show more."""

from __future__ import annotations

import re
from datetime import datetime

from alerts.dates import day
from alerts.notes import ChangeNote, Digest, EventNote
from compare.model import Change
from compare.statement import SAID_TERMS, said, statement_of

SUBJECT_LIMIT = 160
SECTION_LIMIT = 48  # a section named in the subject is cut to this many characters
SHORT_SECTION_LIMIT = 32  # and to this many when the subject is too long
FULL_ITEMS = 5  # a long digest shows this many changes in full, then one line per change

_RECOMMENDATION = re.compile(r"^(?:\d+(?:\.\d+)+|box-\d+)$", re.IGNORECASE)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")

EVENT_WORDS = {
    "gone": "is gone",
    "moved": "has moved",
    "failing": "cannot be checked",
    "recovered": "can be checked again",
    "discovered": "was found",
    "compare-failed": "changed but guidewatch could not compare it",
    "backfill": "was imported from the Wayback Machine",
}


def short_title(title: str) -> str:
    """The part of a title before its colon ("NICE NG206: Recommendations" → "NICE NG206")."""
    head, sep, _ = title.partition(":")
    return head.strip() if sep and head.strip() else title


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def pages(change: Change) -> str:
    """ " (page 3)" or " (pages 3, 4)" for a PDF change, else ""."""
    if not change.pages:
        return ""
    label = "page" if len(change.pages) == 1 else "pages"
    return f" ({label} {', '.join(str(p) for p in change.pages)})"


def place(change: Change, *, short: bool = False) -> str:
    """Where a change is inside its document: the recommendation number, else the section
    name (cut short), with the PDF page numbers when there are any."""
    key = change.section_key
    if _RECOMMENDATION.match(key):
        return key + pages(change)
    limit = SHORT_SECTION_LIMIT if short else SECTION_LIMIT
    return _cut(" ".join(key.split()), limit) + pages(change)


def where(note: ChangeNote, *, short: bool = False) -> str:
    """Name a change's place the way people cite it ("NICE NG206 1.11.14"); `short` names
    any document by the part of its title before the colon."""
    if _RECOMMENDATION.match(note.change.section_key):
        return f"{short_title(note.document_title)} {place(note.change)}"
    title = short_title(note.document_title) if short else note.document_title
    return f"{title}, {place(note.change, short=short)}"


def what(change: Change) -> str:
    """The change's one-line statement: the kind of change and the smallest changed phrase."""
    return statement_of(change)


def headline(note: ChangeNote, *, short: bool = False) -> str:
    """Say in one line what changed and where (on one line: page text may hold breaks)."""
    return " ".join(f"{where(note, short=short)}: {what(note.change)}".split())


def event_line(event: EventNote) -> str:
    """Say in one line what happened to a document."""
    return f"{event.document_title} {EVENT_WORDS.get(event.kind, event.kind)}"


def ordered_changes(digest: Digest) -> list[ChangeNote]:
    """Changes grouped by topic (first seen first), then document, then place in the document."""
    topic_rank: dict[str, int] = {}
    doc_rank: dict[tuple[str, str], int] = {}
    for index, note in enumerate(digest.changes):
        topic_rank.setdefault(note.topic, index)
        doc_rank.setdefault((note.topic, note.document_id), index)
    indexed = list(enumerate(digest.changes))
    indexed.sort(
        key=lambda pair: (
            topic_rank[pair[1].topic],
            doc_rank[(pair[1].topic, pair[1].document_id)],
            pair[0],
        )
    )
    return [note for _, note in indexed]


def most_important(digest: Digest) -> list[ChangeNote]:
    """Changes by significance, most significant first (ties in digest order)."""
    return sorted(ordered_changes(digest), key=lambda n: -n.change.significance)


def is_long(digest: Digest) -> bool:
    """Whether the digest shows only the first FULL_ITEMS changes in full."""
    return len(digest.changes) > FULL_ITEMS


def in_full_and_listed(digest: Digest) -> tuple[list[ChangeNote], list[list[ChangeNote]]]:
    """A long digest's changes shown in full (most significant first) and the rest, one
    group per document (the document of the most significant one first)."""
    ranked = most_important(digest)
    rest: dict[str, list[ChangeNote]] = {}
    for note in ranked[FULL_ITEMS:]:
        rest.setdefault(note.document_id, []).append(note)
    for group in rest.values():
        order = {id(n): k for k, n in enumerate(digest.changes)}
        group.sort(key=lambda n: order[id(n)])
    return ranked[:FULL_ITEMS], list(rest.values())


def subject(digest: Digest) -> str:
    """The subject: the most significant change's headline (its statement) and how many more
    there are; cut at a word when too long."""
    total = len(digest.changes) + len(digest.events)
    more = ""
    if total > 1:
        noun = "" if digest.events else (" change" if total == 2 else " changes")
        more = f" (and {total - 1} more{noun})"
    if digest.changes:
        text = headline(most_important(digest)[0])
        if len(text + more) > SUBJECT_LIMIT:
            text = headline(most_important(digest)[0], short=True)
    elif digest.events:
        text = " ".join(event_line(digest.events[0]).split())
    else:
        return "guidewatch: nothing to report"
    if len(text + more) > SUBJECT_LIMIT:
        text = _cut(text, SUBJECT_LIMIT - len(more))
    return text + more


def date(moment: datetime | None) -> str:
    """A day as "2 Sep 2025" (UTC), "?" when unknown."""
    return day(moment, missing="?")


def versions_line(note: ChangeNote) -> str:
    """Both versions and when each was first seen (and the old one last seen)."""
    new = f"version {note.new_version} (first seen {date(note.new_seen_at)})"
    if note.old_version is None:
        return new
    last = f", last seen {date(note.old_last_seen_at)}" if note.old_last_seen_at else ""
    return f"version {note.old_version} (first seen {date(note.old_seen_at)}{last}) → {new}"


def show_command(note: ChangeNote) -> str:
    """The command that prints the stored copy of the new version."""
    return f"guidewatch show {note.document_id} --version {note.new_version}"


def full_command(note: ChangeNote) -> str:
    """The command that shows this change in full."""
    if note.change_id is not None:
        return f"guidewatch changes --id {note.change_id}"
    old = note.old_version if note.old_version is not None else note.new_version - 1
    return f"guidewatch diff {note.document_id} --from {old} --to {note.new_version}"


def report_page(note: ChangeNote) -> str:
    """The page of `guidewatch report` that shows the version's changes ("" when unknown)."""
    if not _SAFE_ID.match(note.document_id) or note.document_id.startswith("."):
        return ""
    return f"report/documents/{note.document_id}.html#v{note.new_version}"


def pdf_link(note: ChangeNote) -> str:
    """The PDF itself, opened at the changed page, or "" for other documents."""
    if not note.change.pages or not note.document_url:
        return ""
    return f"{note.document_url}#page={note.change.pages[0]}"


def renamed_away(change: Change) -> str:
    """The term a term-renamed change lost (it leads the terms among equal reasons)."""
    lost = [t for t in change.terms if t in change.terms_removed]
    return (lost or [*change.terms, ""])[0]


def flags(change: Change) -> list[str]:
    """Warnings a reader should not miss, each one sentence."""
    out = []
    if change.polarity_flip:
        out.append("Meaning reversed: the sentence flipped its negation (do not ⇄ do).")
    if change.kind == "term-renamed":
        gone = renamed_away(change)
        out.append(f'"{gone}" no longer appears, but the practice wording around it survives.')
    if change.kind == "renamed" and change.old_section_key:
        out.append(f'The section was called "{change.old_section_key}".')
    explained = dict(zip(change.patterns, change.explanations, strict=False))
    for name in change.patterns:
        told = explained.get(name, "")
        out.append(f"Practice pattern: {name}." + (f" {told}" if told else ""))
    return out


def heading(change: Change) -> str:
    """The section's heading path, "A › B"."""
    return " › ".join(change.heading_path)


def said_in_full(change: Change) -> str:
    """Every watched term lost and gained, when the statement names only some of them."""
    full = said(change.terms_removed, change.terms_added, None)
    short = said(change.terms_removed, change.terms_added, SAID_TERMS)
    if not full or full == short or what(change) != short:
        return ""
    return full[:1].upper() + full[1:] + "."

"""The digest's plain-text part, made to be read on a phone or a terminal.

Every item opens with its statement (the one true line), then the changed wording: short
lines (at most WIDTH), shallow indents, a command on a line of its own. A long digest shows
the FULL_ITEMS most significant changes in full, then one line per other change, grouped by
document, each with the command that shows it in full.
"""

from __future__ import annotations

import re
import textwrap

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
from alerts.notes import ChangeNote, Digest

CONTEXT_LIMIT = 3  # surviving sentences shown after the changed ones
WIDTH = 72  # plain-text line length
# kept on one line when wrapping: page numbers, a version, a command to copy
_UNBROKEN = re.compile(r"\(pages? [^)]*\)|→ version \d+|\(guidewatch [^)]*\)")


def wrap(text: str, first: str, rest: str | None = None) -> list[str]:
    """Wrap to WIDTH with a hanging indent; never breaks a word, a URL or "(page 3)"."""
    text = _UNBROKEN.sub(lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=" " * len(first) if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace("\0", " ") for line in lines] or [first.rstrip()]


def change_text(note: ChangeNote, *, titled: bool = False) -> list[str]:
    """One change in full; `titled` names its document too (a long digest's first items)."""
    change = note.change
    lines = wrap(f"{headline(note) if titled else place(change) + ': ' + what(change)}", "* ", "  ")
    for flag in flags(change):
        lines += wrap(flag, "  ! ")
    if said_in_full(change):
        lines += wrap(said_in_full(change), "  ")
    if change.lead_in:
        lines += wrap(f"In the list: {change.lead_in}", "  ")
    if change.old_sentences:
        lines.append("  Was:")
        for sentence in change.old_sentences:
            lines += wrap(sentence, "    - ")
    if change.new_sentences:
        lines.append("  Now:")
        for sentence in change.new_sentences:
            lines += wrap(sentence, "    + ")
    if change.surviving:
        lines.append("  Wording that stayed:")
        for sentence in change.surviving[:CONTEXT_LIMIT]:
            lines += wrap(sentence, "    = ")
    lines += wrap(f"Section: {heading(change)}{pages(change)}", "  ", "    ")
    if pdf_link(note):
        lines += wrap(f"PDF at that page: {pdf_link(note)}", "  ", "    ")
    if titled:
        lines += wrap(note.live_url, "  ")
    if note.also_topics:
        lines += wrap(f"Also on: {', '.join(note.also_topics)}", "  ", "    ")
    versions = versions_line(note)
    head, arrow, tail = versions.partition(" → ")
    lines += wrap(head, "  Versions: ", "    ")
    if arrow:
        lines += wrap("→ " + tail, "    ")
    lines.append(f"  Stored copy: {show_command(note)}")
    if note.archived_copy:
        lines += wrap(f"archived copy: {note.archived_copy}", "  ", "    ")
    return lines


def _summary(digest: Digest) -> list[str]:
    if len(digest.changes) + len(digest.events) < 2:
        return []
    count = len(digest.changes) + len(digest.events)
    noun = "items" if digest.events else "changes"
    lines = [f"{count} {noun} in this message, most important first:"]
    for note in most_important(digest):
        lines += wrap(headline(note), "- ", "  ")
    for event in digest.events:
        lines += wrap(event_line(event), "- ", "  ")
    return lines + [""]


def _by_topic(digest: Digest) -> list[str]:
    lines: list[str] = []
    topic = None
    document = None
    for note in ordered_changes(digest):
        if note.topic != topic:
            topic, document = note.topic, None
            lines += ["", f"== Topic: {topic} ==", ""]
        if note.document_id != document:
            document = note.document_id
            lines += wrap(note.document_title, "")
            lines += [note.live_url, ""]
        lines += change_text(note)
        lines.append("")
    return lines


def _long(digest: Digest) -> list[str]:
    full, rest = in_full_and_listed(digest)
    listed = sum(len(group) for group in rest)
    lines = [
        f"{len(digest.changes)} changes. The {len(full)} most significant first, in full;",
        f"then the other {listed}, one line each, by document.",
        "",
    ]
    for note in full:
        lines += change_text(note, titled=True)
        lines.append("")
    lines += ["", f"== The other {listed} changes ==", ""]
    for group in rest:
        lines += wrap(group[0].document_title, "")
        page = report_page(group[0])
        if page:
            lines += wrap(f"Report page: {page}", "")
        for note in group:
            entry = f"{place(note.change)}: {what(note.change)} ({full_command(note)})"
            lines += wrap(entry, "- ", "  ")
        lines.append("")
    return lines


def render_text(digest: Digest) -> str:
    """The plain-text part: statements first, then the changed wording, links and versions."""
    if is_long(digest):
        lines = _long(digest)
    else:
        lines = _summary(digest) + _by_topic(digest)
    if digest.events:
        lines += ["", "== Documents ==", ""]
        for event in digest.events:
            lines += wrap(f"{event_line(event)}: {event.detail}", "* ", "  ")
            lines.append(f"  {event.live_url} ({date(event.at)})")
    lines += ["", "-- ", "guidewatch: `guidewatch changes` lists every recorded change."]
    return "\n".join(lines).strip() + "\n"

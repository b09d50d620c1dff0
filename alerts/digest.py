"""Build the digest email (plain text + HTML) from change and event records; sends nothing.

Written for readers with little energy: the subject says what changed and where, quoting a
small edit; a digest of several changes opens with a list of them, most important first;
each change shows the changed wording before anything else, sentence by sentence (a small
edit marked inside its sentence, a rewritten sentence struck or added whole); the plain-text
part is wrapped for a terminal of 72 columns.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from compare.model import Change
from compare.redline import ADDED, REMOVED, ROW_LABELS, Run, rows
from compare.redline import word_diff as word_diff  # re-exported: it lives in compare.redline

SUBJECT_LIMIT = 160
SECTION_LIMIT = 48  # a section named in the subject is cut to this many characters
CONTEXT_LIMIT = 3  # surviving sentences shown after the changed ones
WIDTH = 72  # plain-text line length
QUOTE_WORDS = 6  # an edit is quoted in the subject when each side is at most this long
QUOTE_CONTEXT = 2  # words of unchanged context before a quoted edit (one after)
SAID_TERMS = 2  # watched terms named per side in "no longer says: …; now says: …"

_UNBROKEN = re.compile(r"\(pages? [^)]*\)|→ version \d+")  # kept on one line when wrapping
_RECOMMENDATION = re.compile(r"^(?:\d+(?:\.\d+)+|box-\d+)$", re.IGNORECASE)

STYLE_DEL = "background:#fde2e2;color:#8a1c1c;text-decoration:line-through;"
STYLE_INS = "background:#dff5e1;color:#14532d;text-decoration:none;font-weight:bold;"
STYLE_BODY = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222;"
STYLE_QUOTE = "margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid #bbb;"
STYLE_ROW = "margin:0 0 6px 0;"
STYLE_LABEL = "color:#555;font-size:13px;font-weight:bold;"
STYLE_MUTED = "color:#666;font-size:13px;"
STYLE_FLAG = "margin:2px 0;color:#8a1c1c;font-weight:bold;"
STYLE_H2 = "font-size:18px;margin:18px 0 6px 0;"
STYLE_H3 = "font-size:16px;margin:14px 0 4px 0;"

EVENT_WORDS = {
    "gone": "is gone",
    "moved": "has moved",
    "failing": "cannot be checked",
    "recovered": "can be checked again",
    "discovered": "was found on its index page",
    "compare-failed": "changed but guidewatch could not compare it",
    "backfill": "was imported from the Wayback Machine",
}


@dataclass(frozen=True)
class ChangeNote:
    """One change on one topic, with what a reader needs to find the document."""

    topic: str
    document_id: str
    document_title: str
    live_url: str
    change: Change
    new_version: int
    new_seen_at: datetime
    old_version: int | None = None
    old_seen_at: datetime | None = None
    also_topics: tuple[str, ...] = ()
    old_last_seen_at: datetime | None = None  # the old wording was still there on this date
    document_url: str = ""  # the stored version's own address: for a PDF, the file itself
    archived_copy: str = ""  # the Wayback Machine's capture of the new version (the witness)


@dataclass(frozen=True)
class EventNote:
    """One event about a document: gone, moved, failing, recovered, discovered, compare-failed."""

    kind: str
    document_id: str
    document_title: str
    live_url: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class Digest:
    """Everything one message tells."""

    changes: tuple[ChangeNote, ...] = ()
    events: tuple[EventNote, ...] = ()


# ---------------------------------------------------------------- quoting an edit


def _word_count(text: str) -> int:
    return len(text.split())


def _phrase(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:.")


def quoted_edit(change: Change) -> tuple[str, str] | None:
    """The one small edit in a change, with a little context ("as a treatment or cure" →
    "as a cure"), or None when the change is not one small edit in one sentence."""
    if len(change.old_sentences) != 1 or len(change.new_sentences) != 1:
        return None
    found = rows(change.old_sentences, change.new_sentences)
    if len(found) != 1:  # the sentence was rewritten, not edited
        return None
    runs = list(found[0].runs)
    changed = [k for k, (tag, _) in enumerate(runs) if tag != "="]
    if not changed or changed[-1] - changed[0] >= 2:  # more than one place edited
        return None
    removed = "".join(t for tag, t in runs if tag == "-")
    added = "".join(t for tag, t in runs if tag == "+")
    if max(_word_count(removed), _word_count(added)) > QUOTE_WORDS:
        return None
    first, last = changed[0], changed[-1]
    before = runs[first - 1][1] if first > 0 else ""
    after = runs[last + 1][1] if last + 1 < len(runs) else ""
    left = " ".join(before.split()[-QUOTE_CONTEXT:]) if before.strip() else ""
    # one word after the edit, more when there are fewer before it
    right_words = 1 + QUOTE_CONTEXT - len(left.split())
    right = " ".join(after.split()[:right_words]) if after.strip() else ""
    old = _phrase(" ".join(p for p in (left, removed.strip(), right) if p))
    new = _phrase(" ".join(p for p in (left, added.strip(), right) if p))
    return (old, new) if old != new else None


# ---------------------------------------------------------------- naming a change


def short_title(title: str) -> str:
    """The part of a title before its colon ("NICE NG206: Recommendations" → "NICE NG206")."""
    head, sep, _ = title.partition(":")
    return head.strip() if sep and head.strip() else title


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _pages(change: Change) -> str:
    if not change.pages:
        return ""
    label = "page" if len(change.pages) == 1 else "pages"
    return f" ({label} {', '.join(str(p) for p in change.pages)})"


def place(change: Change) -> str:
    """Where a change is inside its document: the recommendation number, else the section
    name (cut short), with the PDF page numbers when there are any."""
    key = change.section_key
    if _RECOMMENDATION.match(key):
        return key + _pages(change)
    return _cut(key, SECTION_LIMIT) + _pages(change)


def where(note: ChangeNote) -> str:
    """Name a change's place the way people cite it ("NICE NG206 1.11.14")."""
    if _RECOMMENDATION.match(note.change.section_key):
        return f"{short_title(note.document_title)} {place(note.change)}"
    return f"{note.document_title}, {place(note.change)}"


def said(change: Change, limit: int | None = None) -> str:
    """The watched terms the wording lost and gained ("no longer says: not curative, pacing
    …; now says: rehabilitation"), at most `limit` a side; "" when none came or went."""
    parts = []
    sides = (("no longer says", change.terms_removed), ("now says", change.terms_added))
    for label, found in sides:
        if found:
            shown = found[:limit] if limit else found
            more = " …" if len(shown) < len(found) else ""
            parts.append(f"{label}: {', '.join(shown)}{more}")
    return "; ".join(parts)


def _renamed_away(change: Change) -> str:
    """The term a term-renamed change lost (it leads the terms among equal reasons)."""
    lost = [t for t in change.terms if t in change.terms_removed]
    return (lost or [*change.terms, ""])[0]


def what(change: Change, limit: int = SAID_TERMS) -> str:
    """Say in a few words what happened to the wording (naming at most `limit` terms a side
    when a rewrite is told by the watched terms it lost and gained)."""
    term = change.terms[0] if change.terms else ""
    if change.polarity_flip:
        return f"wording on {term or 'a watched term'} reversed"
    if change.kind == "term-renamed":
        return f'"{_renamed_away(change)}" renamed away, the practice wording stays'
    about = f" on {term}" if term else ""
    if change.kind == "added":
        return f"new wording{about}"
    if change.kind == "removed":
        return f"wording{about} removed"
    if change.kind == "renamed":
        return "section renamed"
    if said(change) and quoted_edit(change) is None:
        return said(change, limit)
    return f"wording{about} changed"


def headline(note: ChangeNote, limit: int = SAID_TERMS) -> str:
    """Say in one line what changed and where."""
    return f"{where(note)}: {what(note.change, limit)}"


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
    ordered = ordered_changes(digest)
    return sorted(ordered, key=lambda n: -n.change.significance)


def subject(digest: Digest) -> str:
    """The subject: the most significant change (quoting a small edit when it fits) and how
    many more there are; a long subject names fewer terms, then loses its quote, then the end
    of its headline."""
    total = len(digest.changes) + len(digest.events)
    more = ""
    if total > 1:
        noun = "" if digest.events else (" change" if total == 2 else " changes")
        more = f" (and {total - 1} more{noun})"
    quote = ""
    if digest.changes:
        top = most_important(digest)[0]
        edit = quoted_edit(top.change)
        if edit is not None:
            quote = f': "{edit[0]}" → "{edit[1]}"'
        # page text may hold line breaks, which a header must not
        text = " ".join(headline(top).split())
        if len(text + more) > SUBJECT_LIMIT:
            text = " ".join(headline(top, limit=1).split())
    elif digest.events:
        text = " ".join(event_line(digest.events[0]).split())
    else:
        return "guidewatch: nothing to report"
    quote = " ".join(quote.split())
    if len(text + quote + more) <= SUBJECT_LIMIT:
        return text + quote + more
    if len(text + more) > SUBJECT_LIMIT:
        text = text[: SUBJECT_LIMIT - len(more) - 1].rstrip() + "…"
    return text + more


# ---------------------------------------------------------------- details


def _date(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    day = moment.astimezone(UTC)
    return f"{day.day} {day:%b %Y}"


def versions_line(note: ChangeNote) -> str:
    """Both versions and when each was first seen (and the old one last seen)."""
    new = f"version {note.new_version} (first seen {_date(note.new_seen_at)})"
    if note.old_version is None:
        return new
    last = f", last seen {_date(note.old_last_seen_at)}" if note.old_last_seen_at else ""
    return f"version {note.old_version} (first seen {_date(note.old_seen_at)}{last}) → {new}"


def show_command(note: ChangeNote) -> str:
    """The command that prints the stored copy of the new version."""
    return f"guidewatch show {note.document_id} --version {note.new_version}"


def pdf_link(note: ChangeNote) -> str:
    """The PDF itself, opened at the changed page, or "" for other documents."""
    if not note.change.pages or not note.document_url:
        return ""
    return f"{note.document_url}#page={note.change.pages[0]}"


def _flags(change: Change) -> list[str]:
    flags = []
    if change.polarity_flip:
        flags.append("Meaning reversed: the sentence flipped its negation (do not ⇄ do).")
    if change.kind == "term-renamed":
        gone = _renamed_away(change)
        flags.append(f'"{gone}" no longer appears, but the practice wording around it survives.')
    if change.kind == "renamed" and change.old_section_key:
        flags.append(f'The section was called "{change.old_section_key}".')
    return flags


def _heading(change: Change) -> str:
    return " › ".join(change.heading_path)


def _said_in_full(change: Change) -> str:
    """Every watched term lost and gained, when the headline could name only some of them."""
    full = said(change)
    if not full or what(change) != said(change, SAID_TERMS) or what(change) == full:
        return ""
    return full[:1].upper() + full[1:] + "."


# ---------------------------------------------------------------- plain text


def _wrap(text: str, first: str, rest: str | None = None) -> list[str]:
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


def _change_text(note: ChangeNote) -> list[str]:
    change = note.change
    lines = _wrap(f"{place(change)}: {what(change)}", "* ", "  ")
    for flag in _flags(change):
        lines += _wrap(flag, "  ! ")
    if _said_in_full(change):
        lines += _wrap(_said_in_full(change), "  ")
    edit = quoted_edit(change)
    if edit is not None:
        lines += _wrap(f'"{edit[0]}" → "{edit[1]}"', "  ")
    if change.lead_in:
        lines += _wrap(f"In the list: {change.lead_in}", "  ")
    if change.old_sentences:
        lines.append("  Was:")
        for sentence in change.old_sentences:
            lines += _wrap(sentence, "    - ")
    if change.new_sentences:
        lines.append("  Now:")
        for sentence in change.new_sentences:
            lines += _wrap(sentence, "    + ")
    if change.surviving:
        lines.append("  Wording that stayed:")
        for sentence in change.surviving[:CONTEXT_LIMIT]:
            lines += _wrap(sentence, "    = ")
    lines += _wrap(f"Section: {_heading(change)}{_pages(change)}", "  ", "    ")
    if pdf_link(note):
        lines += _wrap(f"PDF at that page: {pdf_link(note)}", "  ", "    ")
    if note.also_topics:
        lines += _wrap(f"Also on: {', '.join(note.also_topics)}", "  ", "    ")
    versions = versions_line(note)
    head, arrow, tail = versions.partition(" → ")
    lines += _wrap(head, "  Versions: ", "    ")
    if arrow:
        lines += _wrap("→ " + tail, "    ")
    lines.append(f"  Stored copy: {show_command(note)}")
    if note.archived_copy:
        lines += _wrap(f"archived copy: {note.archived_copy}", "  ", "    ")
    return lines


def _summary_text(digest: Digest) -> list[str]:
    if len(digest.changes) + len(digest.events) < 2:
        return []
    count = len(digest.changes) + len(digest.events)
    noun = "items" if digest.events else "changes"
    lines = [f"{count} {noun} in this message, most important first:"]
    for note in most_important(digest):
        lines += _wrap(headline(note), "- ", "  ")
    for event in digest.events:
        lines += _wrap(event_line(event), "- ", "  ")
    return lines + [""]


def render_text(digest: Digest) -> str:
    """The plain-text part: changed sentences first, then context, links and versions."""
    lines: list[str] = _summary_text(digest)
    topic = None
    document = None
    for note in ordered_changes(digest):
        if note.topic != topic:
            topic, document = note.topic, None
            lines += ["", f"== Topic: {topic} ==", ""]
        if note.document_id != document:
            document = note.document_id
            lines += _wrap(note.document_title, "")
            lines += [note.live_url, ""]
        lines += _change_text(note)
        lines.append("")
    if digest.events:
        lines += ["", "== Documents ==", ""]
        for event in digest.events:
            lines += _wrap(f"{event_line(event)}: {event.detail}", "* ", "  ")
            lines.append(f"  {event.live_url} ({_date(event.at)})")
    lines += ["", "-- ", "guidewatch: `guidewatch changes` lists every recorded change."]
    return "\n".join(lines).strip() + "\n"


# ---------------------------------------------------------------- HTML


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _runs_html(runs: Sequence[Run]) -> str:
    parts = []
    for tag, text in runs:
        if tag == REMOVED:
            parts.append(f'<del style="{STYLE_DEL}">{_e(text)}</del>')
        elif tag == ADDED:
            parts.append(f'<ins style="{STYLE_INS}">{_e(text)}</ins>')
        else:
            parts.append(_e(text))
    return "".join(parts)


def _rows_html(note: ChangeNote) -> str:
    change = note.change
    out = []
    if change.lead_in:
        out.append(f'<div style="{STYLE_ROW}color:#444;">{_e(change.lead_in)}</div>')
    for row in rows(change.old_sentences, change.new_sentences):
        body = _runs_html(row.shown())
        if row.whole:
            body = f'<span style="{STYLE_LABEL}">{ROW_LABELS[row.whole]}:</span> {body}'
        out.append(f'<div style="{STYLE_ROW}">{body}</div>')
    return f'<div style="{STYLE_QUOTE}">' + "".join(out) + "</div>"


def _change_html(note: ChangeNote) -> list[str]:
    change = note.change
    out = [f'<h3 style="{STYLE_H3}">{_e(place(change))}: {_e(what(change))}</h3>']
    for flag in _flags(change):
        out.append(f'<p style="{STYLE_FLAG}">{_e(flag)}</p>')
    if _said_in_full(change):
        out.append(f'<p style="{STYLE_ROW}">{_e(_said_in_full(change))}</p>')
    if change.old_sentences or change.new_sentences:
        out.append(_rows_html(note))
    if change.surviving:
        kept = " ".join(change.surviving[:CONTEXT_LIMIT])
        label = f'<span style="{STYLE_LABEL}">Wording that stayed:</span>'
        out.append(f'<p style="{STYLE_QUOTE}">{label} {_e(kept)}</p>')
    details = [_e(f"Section: {_heading(change)}{_pages(change)}")]
    link = pdf_link(note)
    if link:
        details.append(f'PDF at that page: <a href="{_e(link)}">{_e(link)}</a>')
    if note.also_topics:
        details.append(_e(f"Also on: {', '.join(note.also_topics)}"))
    details.append(_e(f"Versions: {versions_line(note)}"))
    details.append(f"Stored copy: <code>{_e(show_command(note))}</code>")
    if note.archived_copy:
        copy = _e(note.archived_copy)
        details.append(f'archived copy: <a href="{copy}">{copy}</a>')
    out.append(f'<p style="{STYLE_MUTED}">' + "<br>".join(details) + "</p>")
    return out


def _summary_html(digest: Digest) -> list[str]:
    if len(digest.changes) + len(digest.events) < 2:
        return []
    count = len(digest.changes) + len(digest.events)
    noun = "items" if digest.events else "changes"
    items = [f"<li>{_e(headline(n))}</li>" for n in most_important(digest)]
    items += [f"<li>{_e(event_line(e))}</li>" for e in digest.events]
    return [
        f'<p style="margin:0 0 4px 0;font-weight:bold;">{count} {noun} in this message, '
        "most important first:</p>",
        '<ul style="margin:0 0 12px 0;">' + "".join(items) + "</ul>",
    ]


def render_html(digest: Digest) -> str:
    """The HTML part: inline styles, removed words struck through, added words marked."""
    out = [f'<html lang="en"><body style="{STYLE_BODY}"><div style="max-width:720px;">']
    out += _summary_html(digest)
    topic = None
    document = None
    for note in ordered_changes(digest):
        if note.topic != topic:
            topic, document = note.topic, None
            out.append(f'<h2 style="{STYLE_H2}">Topic: {_e(note.topic)}</h2>')
        if note.document_id != document:
            document = note.document_id
            link = f'<a href="{_e(note.live_url)}">{_e(note.document_title)}</a>'
            url = f'<br><span style="{STYLE_MUTED}font-weight:normal;">{_e(note.live_url)}</span>'
            out.append(f'<p style="margin:8px 0 0 0;font-weight:bold;">{link}{url}</p>')
        out += _change_html(note)
    if digest.events:
        out.append(f'<h2 style="{STYLE_H2}">Documents</h2><ul>')
        for event in digest.events:
            link = f'<a href="{_e(event.live_url)}">{_e(event.live_url)}</a>'
            out.append(
                f"<li>{_e(event_line(event))}: {_e(event.detail)}<br>"
                f'<span style="{STYLE_MUTED}">{link} ({_e(_date(event.at))})</span></li>'
            )
        out.append("</ul>")
    out.append(
        f'<p style="{STYLE_MUTED}">guidewatch: <code>guidewatch changes</code> '
        "lists every recorded change.</p></div></body></html>"
    )
    return "\n".join(out)


def build_message(
    digest: Digest,
    *,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    date: datetime,
    subject_line: str | None = None,
) -> EmailMessage:
    """Return the multipart (text + HTML) message; the same inputs give the same message."""
    # Long lines (up to RFC 5322's 998) keep Python from folding the subject oddly.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["Subject"] = subject_line or subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(digest))
    message.add_alternative(render_html(digest), subtype="html")
    # A boundary derived from the Message-ID makes a resend byte-for-byte the same message.
    message.set_boundary("==guidewatch-" + hashlib.sha256(message_id.encode()).hexdigest()[:32])
    return message

"""Build the digest email (plain text + HTML) from change and event records; sends nothing."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from compare.model import Change

SUBJECT_LIMIT = 160
CONTEXT_LIMIT = 3  # surviving sentences shown after the changed ones

_TOKENS = re.compile(r"\s+|[^\s]+")
_RECOMMENDATION = re.compile(r"^(?:\d+(?:\.\d+)+|box-\d+)$", re.IGNORECASE)

STYLE_DEL = "background:#fde2e2;color:#8a1c1c;text-decoration:line-through;"
STYLE_INS = "background:#dff5e1;color:#14532d;text-decoration:none;font-weight:bold;"
STYLE_BODY = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222;"
STYLE_QUOTE = "margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid #bbb;"
STYLE_MUTED = "color:#666;font-size:13px;"

EVENT_WORDS = {
    "gone": "is gone",
    "moved": "has moved",
    "failing": "cannot be checked",
    "recovered": "can be checked again",
    "discovered": "was found on its index page",
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


@dataclass(frozen=True)
class EventNote:
    """One event about a document: gone, moved, failing, recovered or discovered."""

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


def short_title(title: str) -> str:
    """The part of a title before its colon ("NICE NG206: Recommendations" → "NICE NG206")."""
    head, sep, _ = title.partition(":")
    return head.strip() if sep and head.strip() else title


def where(note: ChangeNote) -> str:
    """Name a change's place the way people cite it ("NICE NG206 1.11.14")."""
    key = note.change.section_key
    if _RECOMMENDATION.match(key):
        return f"{short_title(note.document_title)} {key}"
    return f"{note.document_title}, {key}"


def headline(note: ChangeNote) -> str:
    """Say in one line what changed."""
    change = note.change
    term = change.terms[0] if change.terms else ""
    place = where(note)
    if change.polarity_flip:
        return f"{place}: wording on {term or 'a watched term'} reversed (negation flipped)"
    if change.kind == "term-renamed":
        return f'{place}: "{term}" renamed away, the practice wording stays'
    about = f" on {term}" if term else ""
    if change.kind == "added":
        return f"{place}: new wording{about}"
    if change.kind == "removed":
        return f"{place}: wording{about} removed"
    if change.kind == "renamed":
        return f"{place}: section renamed"
    return f"{place}: wording{about} changed"


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


def subject(digest: Digest) -> str:
    """The subject: the most significant change (or event) and how many more there are."""
    total = len(digest.changes) + len(digest.events)
    if digest.changes:
        top = max(digest.changes, key=lambda n: n.change.significance)
        text = headline(top)
    elif digest.events:
        text = event_line(digest.events[0])
    else:
        return "guidewatch: nothing to report"
    if total > 1:
        text += f" (and {total - 1} more)"
    if len(text) > SUBJECT_LIMIT:
        text = text[: SUBJECT_LIMIT - 1].rstrip() + "…"
    return text


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Split old → new into ("=", text), ("-", removed), ("+", added) runs, word by word.

    Spaces between two changed words join them, so a replaced phrase reads as one struck
    phrase and one added phrase, not as alternating single words.
    """
    a = _TOKENS.findall(old)
    b = _TOKENS.findall(new)
    runs: list[tuple[str, str]] = []
    removed, added = "", ""

    def flush() -> None:
        nonlocal removed, added
        if removed:
            runs.append(("-", removed))
        if added:
            runs.append(("+", added))
        removed, added = "", ""

    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = "".join(a[i1:i2])
            if (removed or added) and not same.strip() and index < len(opcodes) - 1:
                removed, added = removed + same, added + same
                continue
            flush()
            runs.append(("=", same))
            continue
        removed += "".join(a[i1:i2])
        added += "".join(b[j1:j2])
    flush()
    return runs


def _date(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y") if moment else "?"


def versions_line(note: ChangeNote) -> str:
    """Both versions and when each was first seen."""
    new = f"version {note.new_version} (first seen {_date(note.new_seen_at)})"
    if note.old_version is None:
        return new
    return f"version {note.old_version} (first seen {_date(note.old_seen_at)}) → {new}"


def show_command(note: ChangeNote) -> str:
    """The command that prints the stored copy of the new version."""
    return f"guidewatch show {note.document_id} --version {note.new_version}"


def _flags(change: Change) -> list[str]:
    flags = []
    if change.polarity_flip:
        flags.append("A sentence that keeps its terms flipped its negation (do not ⇄ do).")
    if change.kind == "term-renamed":
        gone = ", ".join(f'"{t}"' for t in change.terms[:1])
        flags.append(f"{gone} no longer appears, but the practice wording around it survives.")
    if change.kind == "renamed" and change.old_section_key:
        flags.append(f"Section key was {change.old_section_key}.")
    return flags


def _heading(change: Change) -> str:
    return " › ".join(change.heading_path)


def _pages(change: Change) -> str:
    if not change.pages:
        return ""
    label = "page" if len(change.pages) == 1 else "pages"
    return f" ({label} {', '.join(str(p) for p in change.pages)})"


def render_text(digest: Digest) -> str:
    """The plain-text part: changed sentences first, then context, links and versions."""
    lines: list[str] = []
    topic = None
    document = None
    for note in ordered_changes(digest):
        change = note.change
        if note.topic != topic:
            topic, document = note.topic, None
            lines += ["", f"== Topic: {topic} ==", ""]
        if note.document_id != document:
            document = note.document_id
            lines += [f"{note.document_title}", f"  {note.live_url}", ""]
        lines.append(f"* {headline(note)}")
        for flag in _flags(change):
            lines.append(f"  ! {flag}")
        if change.old_sentences:
            lines += ["  Was:"] + [f"    - {s}" for s in change.old_sentences]
        if change.new_sentences:
            lines += ["  Now:"] + [f"    + {s}" for s in change.new_sentences]
        if change.words_removed:
            lines.append(f"  Words removed: {' '.join(change.words_removed)}")
        if change.words_added:
            lines.append(f"  Words added: {' '.join(change.words_added)}")
        if change.surviving:
            lines += ["  Wording that stayed:"]
            lines += [f"    = {s}" for s in change.surviving[:CONTEXT_LIMIT]]
        lines.append(f"  Section: {_heading(change)}{_pages(change)}")
        if note.also_topics:
            lines.append(f"  Also on: {', '.join(note.also_topics)}")
        lines.append(f"  {versions_line(note)}")
        lines.append(f"  Stored copy: {show_command(note)}")
        lines.append("")
    if digest.events:
        lines += ["", "== Documents ==", ""]
        for event in digest.events:
            lines.append(f"* {event_line(event)}: {event.detail}")
            lines.append(f"  {event.live_url} ({_date(event.at)})")
    lines += ["", "-- ", "guidewatch: `guidewatch changes` lists every recorded change."]
    return "\n".join(lines).strip() + "\n"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _diff_html(old: Sequence[str], new: Sequence[str]) -> str:
    parts = []
    for tag, text in word_diff(" ".join(old), " ".join(new)):
        if tag == "-":
            parts.append(f'<del style="{STYLE_DEL}">{_e(text)}</del>')
        elif tag == "+":
            parts.append(f'<ins style="{STYLE_INS}">{_e(text)}</ins>')
        else:
            parts.append(_e(text))
    return "".join(parts)


def _change_html(note: ChangeNote) -> list[str]:
    change = note.change
    out = [f'<h3 style="font-size:16px;margin:14px 0 4px 0;">{_e(headline(note))}</h3>']
    for flag in _flags(change):
        out.append(f'<p style="margin:2px 0;color:#8a1c1c;font-weight:bold;">{_e(flag)}</p>')
    if change.old_sentences or change.new_sentences:
        body = _diff_html(change.old_sentences, change.new_sentences)
        out.append(f'<p style="{STYLE_QUOTE}">{body}</p>')
    if change.surviving:
        kept = " ".join(change.surviving[:CONTEXT_LIMIT])
        out.append(f'<p style="{STYLE_MUTED}">Wording that stayed: {_e(kept)}</p>')
    details = [f"Section: {_heading(change)}{_pages(change)}", versions_line(note)]
    if note.also_topics:
        details.append(f"Also on: {', '.join(note.also_topics)}")
    details.append(f"Stored copy: {show_command(note)}")
    out.append(f'<p style="{STYLE_MUTED}">' + "<br>".join(_e(d) for d in details) + "</p>")
    return out


def render_html(digest: Digest) -> str:
    """The HTML part: inline styles, removed words struck through, added words marked."""
    out = [f'<html><body style="{STYLE_BODY}">']
    topic = None
    document = None
    for note in ordered_changes(digest):
        if note.topic != topic:
            topic, document = note.topic, None
            out.append(
                f'<h2 style="font-size:18px;margin:18px 0 6px 0;">Topic: {_e(note.topic)}</h2>'
            )
        if note.document_id != document:
            document = note.document_id
            link = f'<a href="{_e(note.live_url)}">{_e(note.document_title)}</a>'
            out.append(f'<p style="margin:8px 0 0 0;font-weight:bold;">{link}</p>')
        out += _change_html(note)
    if digest.events:
        out.append('<h2 style="font-size:18px;margin:18px 0 6px 0;">Documents</h2><ul>')
        for event in digest.events:
            link = f'<a href="{_e(event.live_url)}">{_e(event.live_url)}</a>'
            out.append(
                f"<li>{_e(event_line(event))}: {_e(event.detail)}<br>"
                f'<span style="{STYLE_MUTED}">{link} ({_e(_date(event.at))})</span></li>'
            )
        out.append("</ul>")
    out.append(
        f'<p style="{STYLE_MUTED}">guidewatch: <code>guidewatch changes</code> '
        "lists every recorded change.</p></body></html>"
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

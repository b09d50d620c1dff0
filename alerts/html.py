"""The digest's HTML part: the same items as the text part, inline styles (mail clients drop
style sheets), every piece of page text escaped, removed words struck and added ones marked."""

from __future__ import annotations

import html
from collections.abc import Sequence

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
from alerts.text import CONTEXT_LIMIT
from compare.redline import ADDED, REMOVED, ROW_LABELS, Run, rows

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


def change_html(note: ChangeNote, *, titled: bool = False) -> list[str]:
    """One change in full; `titled` names its document too (a long digest's first items)."""
    change = note.change
    line = headline(note) if titled else f"{place(change)}: {what(change)}"
    out = [f'<h3 style="{STYLE_H3}">{_e(line)}</h3>']
    for flag in flags(change):
        out.append(f'<p style="{STYLE_FLAG}">{_e(flag)}</p>')
    if said_in_full(change):
        out.append(f'<p style="{STYLE_ROW}">{_e(said_in_full(change))}</p>')
    if change.old_sentences or change.new_sentences:
        out.append(_rows_html(note))
    if change.surviving:
        kept = " ".join(change.surviving[:CONTEXT_LIMIT])
        label = f'<span style="{STYLE_LABEL}">Wording that stayed:</span>'
        out.append(f'<p style="{STYLE_QUOTE}">{label} {_e(kept)}</p>')
    details = [_e(f"Section: {heading(change)}{pages(change)}")]
    link = pdf_link(note)
    if link:
        details.append(f'PDF at that page: <a href="{_e(link)}">{_e(link)}</a>')
    if titled:
        details.append(f'<a href="{_e(note.live_url)}">{_e(note.live_url)}</a>')
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


def _by_topic_html(digest: Digest) -> list[str]:
    out: list[str] = []
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
        out += change_html(note)
    return out


def _long_html(digest: Digest) -> list[str]:
    full, rest = in_full_and_listed(digest)
    listed = sum(len(group) for group in rest)
    out = [
        f'<p style="margin:0 0 4px 0;font-weight:bold;">{len(digest.changes)} changes. '
        f"The {len(full)} most significant first, in full; then the other {listed}, "
        "one line each, by document.</p>"
    ]
    for note in full:
        out += change_html(note, titled=True)
    out.append(f'<h2 style="{STYLE_H2}">The other {listed} changes</h2>')
    for group in rest:
        first = group[0]
        link = f'<a href="{_e(first.live_url)}">{_e(first.document_title)}</a>'
        page = report_page(first)
        extra = f'<br><span style="{STYLE_MUTED}">Report page: {_e(page)}</span>' if page else ""
        out.append(f'<p style="margin:8px 0 0 0;font-weight:bold;">{link}{extra}</p><ul>')
        for note in group:
            out.append(
                f"<li>{_e(place(note.change))}: {_e(what(note.change))}<br>"
                f'<code style="{STYLE_MUTED}">{_e(full_command(note))}</code></li>'
            )
        out.append("</ul>")
    return out


def render_html(digest: Digest) -> str:
    """The HTML part: inline styles, removed words struck through, added words marked."""
    out = [f'<html lang="en"><body style="{STYLE_BODY}"><div style="max-width:720px;">']
    if is_long(digest):
        out += _long_html(digest)
    else:
        out += _summary_html(digest) + _by_topic_html(digest)
    if digest.events:
        out.append(f'<h2 style="{STYLE_H2}">Documents</h2><ul>')
        for event in digest.events:
            link = f'<a href="{_e(event.live_url)}">{_e(event.live_url)}</a>'
            out.append(
                f"<li>{_e(event_line(event))}: {_e(event.detail)}<br>"
                f'<span style="{STYLE_MUTED}">{link} ({_e(date(event.at))})</span></li>'
            )
        out.append("</ul>")
    out.append(
        f'<p style="{STYLE_MUTED}">guidewatch: <code>guidewatch changes</code> '
        "lists every recorded change.</p></div></body></html>"
    )
    return "\n".join(out)

"""Build the digest email (plain text + HTML) from change and event records; sends nothing.

Written for readers with little energy: the subject is the most significant change's
one-line statement (what kind of change, the smallest changed phrase, quoted); a digest of
several changes opens with a list of them, most important first; a long one shows five in
full, then one line per other change. Naming lives in alerts.naming; alerts.view makes one
model of the digest, which alerts.text and alerts.html render with the Jinja2 templates in
alerts/templates/ (the HTML one escapes every value by default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.html import render_html
from alerts.naming import subject
from alerts.notes import Digest
from alerts.text import render_text


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

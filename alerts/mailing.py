"""What makes a digest behave like good list mail: List-Id, List-Unsubscribe and a footer.

`Auto-Submitted: auto-generated` is set by the digest itself; this adds, to a built message,
the RFC 2919 `List-Id`, an RFC 2369 `List-Unsubscribe` (a mailto: address with the
subscriber's name in the subject) and a footer in both parts saying why the reader gets it
and how to stop or change what arrives. The same inputs give the same bytes, so a resend is
still the same message.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import quote

from alerts.templating import esc

LIST_LABEL = "alerts.guidewatch"
WIDTH = 72  # the plain-text part's line length, as the digest's


@dataclass(frozen=True)
class ListInfo:
    """Who a message goes to and how they stop it."""

    unsubscribe: str  # the address that handles "unsubscribe" mail
    subscriber: str = ""  # the subscriber's name in the subscribers file, "" for MAIL_TO
    follows: str = ""  # what they follow and how often, in a few words


def bare_address(address: str) -> str:
    """The address part of "Name <a@b>" (or the text itself)."""
    match = re.search(r"<([^>]+)>", address)
    return (match.group(1) if match else address).strip()


def list_id(sender: str) -> str:
    """The List-Id: a label under the sender's domain (RFC 2919)."""
    domain = bare_address(sender).rpartition("@")[2] or "localhost"
    return f"guidewatch alerts <{LIST_LABEL}.{domain}>"


def unsubscribe_url(info: ListInfo) -> str:
    """The mailto: URL of List-Unsubscribe, naming the subscriber in the subject."""
    subject = f"unsubscribe {info.subscriber}".strip()
    return f"mailto:{bare_address(info.unsubscribe)}?subject={quote(subject)}"


def footer_lines(info: ListInfo) -> list[str]:
    """The footer: why this arrives, and how to stop or change it."""
    why = f"You get this as subscriber '{info.subscriber}'" if info.subscriber else "You get this"
    follows = f" ({info.follows})" if info.follows else ""
    address = bare_address(info.unsubscribe)
    subject = f"unsubscribe {info.subscriber}".strip()
    return [
        f"{why}{follows}.",
        f"To stop: write to {address} with the subject '{subject}'.",
        f"To change topics, documents or how often: write to {address} and say what you want.",
    ]


def _with_footer_text(text: str, lines: Sequence[str]) -> str:
    wrapped = [
        part
        for line in lines
        for part in textwrap.wrap(line, WIDTH, break_long_words=False, break_on_hyphens=False)
    ]
    return text.rstrip("\n") + "\n\n" + "\n".join(wrapped) + "\n"


def _with_footer_html(html: str, lines: Sequence[str]) -> str:
    block = (
        '<p style="color:#666;font-size:13px;border-top:1px solid #ddd;padding-top:6px;">'
        + "<br>".join(esc(line) for line in lines)
        + "</p>"
    )
    closing = html.rfind("</div></body>")
    if closing < 0:
        closing = html.rfind("</body>")
    if closing < 0:
        return html + block
    return html[:closing] + block + html[closing:]


def make_good_mail(message: EmailMessage, info: ListInfo) -> EmailMessage:
    """Add List-Id, List-Unsubscribe and the footer to a built digest (in place; returned)."""
    sender = str(message["From"] or info.unsubscribe)
    del message["List-Id"], message["List-Unsubscribe"]
    message["List-Id"] = list_id(sender)
    message["List-Unsubscribe"] = f"<{unsubscribe_url(info)}>"
    if "Auto-Submitted" not in message:
        message["Auto-Submitted"] = "auto-generated"
    lines = footer_lines(info)
    boundary = message.get_boundary()
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_attachment():
            continue
        assert isinstance(part, EmailMessage)
        body = str(part.get_content())
        subtype = part.get_content_subtype()
        if subtype == "plain":
            part.set_content(_with_footer_text(body, lines))
        elif subtype == "html":
            part.set_content(_with_footer_html(body, lines), subtype="html")
    if boundary:
        message.set_boundary(boundary)
    return message

"""Send a digest through Apprise: the one-line statements and a link, nothing else.

Chat channels and phones show a few lines well and long mail badly, so a message is its
subject as title and, per change, its statement and the document's address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from alerts.naming import event_line, most_important
from alerts.notes import Digest
from alerts.statement import statement

log = logging.getLogger("guidewatch.alerts")

BODY_LIMIT = 20  # changes listed one by one; past this, how many more
Notifier = Callable[[str, str, str], None]  # (url, title, body): raises ChannelError


class ChannelError(Exception):
    """A channel did not take the message; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def chat_body(digest: Digest) -> str:
    """One line per change (its statement) and its link; then the events."""
    lines: list[str] = []
    changes = most_important(digest)
    for note in changes[:BODY_LIMIT]:
        lines.append(f"• {statement(note)}")
        lines.append(f"  {note.live_url}")
    if len(changes) > BODY_LIMIT:
        lines.append(f"… and {len(changes) - BODY_LIMIT} more: `guidewatch changes` lists them")
    for event in digest.events:
        lines.append(f"• {' '.join(event_line(event).split())}")
        if event.live_url:
            lines.append(f"  {event.live_url}")
    return "\n".join(lines) or "guidewatch: nothing to report"


def send_apprise(url: str, title: str, body: str) -> None:
    """Hand one message to the Apprise service at `url`; raise ChannelError if it is not taken."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        raise ChannelError(
            "Apprise cannot use this URL (unknown service or bad form)", permanent=True
        )
    with apprise.LogCapture(level=logging.WARNING) as captured:
        taken = sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if not taken:
        said = " ".join(str(captured.getvalue()).split())[-300:]
        raise ChannelError(f"the channel did not take the message: {said or 'no reason given'}")

"""The digest's plain-text part, made to be read on a phone or a terminal.

Every item opens with its statement (the one true line), then the changed wording: short
lines (at most WIDTH), shallow indents, a command on a line of its own. A long digest shows
the FULL_ITEMS most significant changes in full, then one line per other change, grouped by
document, each with the command that shows it in full. The layout is templates/digest.txt.
"""

from __future__ import annotations

import re
import textwrap

from alerts.notes import Digest
from alerts.templating import render
from alerts.view import digest_view

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


def _wrapped(text: str, first: str, rest: str | None = None) -> str:
    return "\n".join(wrap(text, first, rest))


def render_text(digest: Digest) -> str:
    """The plain-text part: statements first, then the changed wording, links and versions."""
    text = render("digest.txt", view=digest_view(digest), wrap=_wrapped)
    return text.strip() + "\n"

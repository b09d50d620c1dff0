"""The digest's HTML part: the same items as the text part, inline styles (mail clients drop
style sheets), every piece of page text escaped, removed words struck and added ones marked.
The layout and styles are templates/digest.html, which escapes every value by default."""

from __future__ import annotations

from alerts.notes import Digest
from alerts.templating import render
from alerts.view import digest_view


def render_html(digest: Digest) -> str:
    """The HTML part: inline styles, removed words struck through, added words marked."""
    return render("digest.html", view=digest_view(digest)).strip()

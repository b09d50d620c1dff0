"""Say in plain words what a site served in place of the answer we expected: what kind of
body, how big, and its title ("an HTML page of 1.6 KB titled "Just a moment..."")."""

from __future__ import annotations

from scrapers.sniff import DESCRIPTIONS, sniff_kind

TITLE_CHARS = 80  # a served page's title, cut with "…"


def size_words(size: int) -> str:
    """A byte count as people read it: "512 bytes", "1.6 KB", "2.3 MB"."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _title(body: bytes) -> str:
    """How an HTML body names itself: 'titled "…"' (its <title> or first heading), else
    'saying "…"' (its first words); "" when it holds no text."""
    from bs4 import BeautifulSoup  # only for a body refused: not on every GOV.UK import

    soup = BeautifulSoup(body[:200_000], "html.parser")
    tag = soup.title or soup.find(["h1", "h2"])
    if tag is not None and tag.get_text().strip():
        return f'titled "{_cut(tag.get_text(" "))}"'
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    text = soup.get_text(" ")
    return f'saying "{_cut(text)}"' if text.strip() else ""


def what_was_served(body: bytes, content_type: str | None = None) -> str:
    """What a body is, in words: its kind, its size and, for a page, its title."""
    if not body.strip():
        return "an empty answer"
    kind = sniff_kind(body, content_type)
    if kind == "text" and body.lstrip().startswith((b"{", b"[")):
        return f"JSON that is cut off or broken ({size_words(len(body))})"
    said = f"{DESCRIPTIONS[kind]} of {size_words(len(body))}"
    title = _title(body) if kind == "html" else ""
    return f"{said} {title}" if title else said

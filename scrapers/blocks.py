"""The largest blocks of text on a page, each with a CSS selector that picks it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from scrapers.html import is_noise

_CONTAINERS = ("main", "article", "section", "div", "td")
_TEXT = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "td")
# Hashed CSS-module classes (NICE's "Chapter_body__x7Gq2") change with every site release.
_HASHED = re.compile(r"__[A-Za-z0-9_-]{4,}$|^css-[a-z0-9]+$|^sc-[A-Za-z]+$")


@dataclass(frozen=True)
class TextBlock:
    """One element holding a run of text, how much, and a selector that picks exactly it."""

    selector: str
    characters: int
    preview: str


def _step(element: Tag) -> str:
    if element.get("id"):
        return f"#{element['id']}"
    classes = [c for c in element.get("class") or [] if not _HASHED.search(c)]
    return element.name + "".join(f".{c}" for c in classes[:2])


def selector_for(soup: BeautifulSoup, element: Tag) -> str:
    """A short selector that picks this element alone: its own step, prefixed by ancestors."""
    steps = [_step(element)]
    for parent in element.parents:
        if soup.select(" ".join(steps)) == [element]:
            break
        if not isinstance(parent, Tag) or parent.name in ("[document]", "html"):
            break
        steps.insert(0, _step(parent))
    return " ".join(steps)


def largest_blocks(html: str, count: int = 3) -> list[TextBlock]:
    """The `count` elements whose own paragraphs, items and headings hold the most text.

    Each piece of text counts for its nearest enclosing main/article/section/div/td, so a
    page wrapper holding everything through nested blocks does not win over the block itself.
    """
    soup = BeautifulSoup(html, "html.parser")
    sizes: dict[int, int] = {}
    elements: dict[int, Tag] = {}
    for piece in soup.find_all(_TEXT):
        if not isinstance(piece, Tag) or piece.find_parent(_TEXT) is not None:
            continue
        if is_noise(piece) or any(is_noise(p) for p in piece.parents if isinstance(p, Tag)):
            continue
        holder = piece.find_parent(_CONTAINERS)
        if holder is None:
            continue
        sizes[id(holder)] = sizes.get(id(holder), 0) + len(" ".join(piece.get_text(" ").split()))
        elements[id(holder)] = holder
    ranked = sorted(sizes, key=lambda key: sizes[key], reverse=True)[:count]
    return [
        TextBlock(
            selector_for(soup, elements[key]),
            sizes[key],
            " ".join(elements[key].get_text(" ").split())[:80],
        )
        for key in ranked
    ]

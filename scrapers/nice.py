"""NICE guideline chapters: one section per numbered recommendation and per box.

A chapter is read (scrapers/nice_tree.py, with bs4) only when a body is extracted, so a run
whose NICE chapters all answer 304 does not load bs4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapers.base import SinglePage, register
from scrapers.html import require_page
from scrapers.model import Document, DocumentSpec, Fetched

if TYPE_CHECKING:  # at run time through __getattr__ below
    from scrapers.nice_tree import (  # noqa: F401
        chapter_document,
        recommendation_number,
        section_title,
    )

_FROM_TREE = frozenset({"chapter_document", "recommendation_number", "section_title"})


def __getattr__(name: str) -> Any:
    """The chapter-reading names, from scrapers.nice_tree (bs4) when first asked for."""
    if name in _FROM_TREE:
        from scrapers import nice_tree

        return getattr(nice_tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NiceChapterExtractor(SinglePage):
    """A chapter of a NICE guideline, read from the feed markup inside div.chapter."""

    kind = "nice-chapter"
    version = "nice-1"
    content_kinds = ("html",)

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Sections keyed by recommendation number and box; SuspectError without div.chapter."""
        require_page(fetched)
        from scrapers.nice_tree import extract_chapter

        return extract_chapter(spec, fetched)


EXTRACTOR = register(NiceChapterExtractor())

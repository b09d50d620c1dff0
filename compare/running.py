"""Documents cut into pages, not sections, are compared as running text: a new edition that
reflows the same words over other pages is no change."""

from __future__ import annotations

import re
from dataclasses import replace

from scrapers.model import Document, Section

_PAGE_KEY = re.compile(r"page \d+")
RUNNING_KEY = "text"  # the key of a paged document's running text


def paged(document: Document) -> bool:
    """True when every section is a page ("page 3"), as for a PDF without headings."""
    return bool(document.sections) and all(
        _PAGE_KEY.fullmatch(section.key) and not section.heading_path
        for section in document.sections
    )


def running_text(document: Document) -> Document:
    """The document as one section holding all its text, on all its pages."""
    text = "\n".join(section.text for section in document.sections if section.text)
    pages = tuple(sorted({page for section in document.sections for page in section.pages}))
    return replace(document, sections=(Section(RUNNING_KEY, (), text, pages),))


def comparable(old: Document, new: Document) -> tuple[Document, Document]:
    """Both documents as running text when either is cut into pages, else as they are."""
    if paged(old) or paged(new):
        return running_text(old), running_text(new)
    return old, new

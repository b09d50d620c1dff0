"""Documents cut into pages, not sections, are compared as running text: a new edition that
reflows the same words over other pages is no change."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from compare.model import Change
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


def on_pages(changes: Sequence[Change], old: Document, new: Document) -> list[Change]:
    """Running-text changes placed back on the pages that hold their wording ("page 3"), so
    that an alert still says where to look; other changes as they are."""
    return [_placed(c, old, new) if c.section_key == RUNNING_KEY else c for c in changes]


def _placed(change: Change, old: Document, new: Document) -> Change:
    sentences, document = change.new_sentences, new
    if not sentences:
        sentences, document = change.old_sentences, old
    pages = _pages_holding(sentences, document)
    if not pages:
        return change
    return replace(change, section_key=f"page {pages[0]}", old_section_key=None, pages=pages)


def _pages_holding(sentences: Sequence[str], document: Document) -> tuple[int, ...]:
    """The pages whose text holds one of the sentences; failing that, its start or its end
    (a sentence can run over a page break)."""
    texts = [(" ".join(s.text.split()), s.pages) for s in document.sections]
    wanted = [" ".join(sentence.split()) for sentence in sentences]
    for parts in (wanted, [w[:40] for w in wanted] + [w[-40:] for w in wanted]):
        found = {page for text, pages in texts for part in parts if part in text for page in pages}
        if found:
            return tuple(sorted(found))
    return ()

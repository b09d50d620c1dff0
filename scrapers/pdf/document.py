"""A whole PDF read into sections with pdfium (the extractor is scrapers/pdf/extractor.py)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from scrapers.model import Document, SuspectError
from scrapers.pdf.blocks import BIG, Block, Vocabulary, block_text, build_blocks
from scrapers.pdf.headings import (
    Style,
    apply_outline,
    classify,
    demote_titles_and_strays,
    left_edges,
    sections_from_blocks,
)
from scrapers.pdf.layout import drop_running_lines, mark_figures, merge_rows, reading_order
from scrapers.pdf.read import PDFIUM, Line, metadata, open_pdf, outline, read_pages

_TITLE_NOISE = re.compile(
    r"^microsoft (?:word|powerpoint) - |\.(?:docx?|pptx?|odt)$|^untitled$", re.IGNORECASE
)
_WORD = re.compile(r"[^\W_]{3,}")
# The metadata title agrees with the first page when this share of its words is there.
AGREES = 0.6


def body_style(lines: Iterable[Line]) -> Style:
    """The font, size and weight that most of the text is set in."""
    weights: Counter[Style] = Counter()
    for line in lines:
        weights[(line.font, line.size, line.bold)] += len(line.text)
    return weights.most_common(1)[0][0]


def extract_pdf(data: bytes) -> Document:
    """Read a PDF into sections by its headings, without running headers or page numbers."""
    with PDFIUM:
        pdf = open_pdf(data)
        try:
            pages = read_pages(pdf)
            meta = metadata(pdf)
            entries = outline(pdf)
        finally:
            pdf.close()
    page_count = len(pages)
    letters = sum(len(line.text) - line.text.count(" ") for page in pages for line in page.lines)
    if letters < 20 * max(page_count, 1):
        raise SuspectError(f"PDF has no extractable text (scanned?): {page_count} pages")
    body = body_style(line for page in pages for line in page.lines)
    for page in pages:
        mark_figures(page, body[1])
    kept = drop_running_lines([page.lines for page in pages], body[1])
    lines = [line for page in kept for line in merge_rows(reading_order(page))]
    vocabulary = Vocabulary(lines)
    blocks = build_blocks(lines, body[1])
    for block in blocks:
        block.text = block_text(block, vocabulary)
    blocks = [block for block in blocks if block.text]
    if not blocks:
        raise SuspectError("PDF has no extractable text (scanned?): only page furniture")
    # A lone bookmark (often the title) is no table of contents: read the styles then.
    outlined = len(entries) >= 2
    if outlined:
        blocks = apply_outline(blocks, entries)
    else:
        classify(blocks, body, left_edges(lines, body[1]))
        blocks = demote_titles_and_strays(blocks, body[1])
    info: dict[str, str | int] = {"page_count": page_count}
    info.update({k: v for k, v in meta.items() if k != "title"})
    info["headings_from"] = "outline" if outlined else "styles"
    title = choose_title(meta.get("title", ""), blocks, body[1])
    return Document(sections=sections_from_blocks(blocks), title=title, meta=info)


def choose_title(meta_title: str, blocks: Sequence[Block], body_size: float) -> str:
    """The metadata's title when the first page bears it out, else the first page's title
    (its biggest text), else the first heading."""
    stated = _TITLE_NOISE.sub("", meta_title).strip()
    first = [b for b in blocks if b.pages[0] == 1 and not b.figure]
    on_page = {w.casefold() for b in first for w in _WORD.findall(b.text)}
    words = [w.casefold() for w in _WORD.findall(stated)]
    if words and sum(w in on_page for w in words) >= AGREES * len(words):
        return stated
    biggest = max((b.size for b in first), default=0.0)
    if biggest >= body_size * BIG:
        return next(b.text for b in first if b.size == biggest)
    return stated or next((b.text for b in blocks if b.heading), "")


def text_lines(body: bytes) -> Iterator[str]:
    """The PDF's lines as pdfium orders them, for looking at a file (see scripts/show_pdf.py)."""
    with PDFIUM:
        pdf = open_pdf(body)
        try:
            pages = read_pages(pdf)
        finally:
            pdf.close()
    for page in pages:
        for line in page.lines:
            weight = " bold" if line.bold else ""
            yield (
                f"p{line.page} x{line.x0:.0f} y{line.base:.0f} s{line.size:g}{weight} "
                f"[{line.font}] {line.text}"
            )

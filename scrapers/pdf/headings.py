"""Headings: from the outline when the PDF has one, otherwise from the document's own
styles (size, weight, font), position, numbering and consistency; then sections."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from scrapers.html import unique_keys
from scrapers.model import Section
from scrapers.pdf.blocks import BIG, Block
from scrapers.pdf.read import Line, OutlineEntry

_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2})*)\.?\s+[\"'‘“(]?[A-Z]")
_CAPTION = re.compile(r"(?:figure|fig\.|table|chart|diagram|source)\b", re.IGNORECASE)
Style = tuple[str, float, bool]


def left_edges(lines: Sequence[Line], body_size: float) -> dict[int, list[float]]:
    """Where body-sized lines start, per page."""
    edges: dict[int, list[float]] = {}
    for line in lines:
        if abs(line.size - body_size) <= 1.5 and line.figure < 0:
            edges.setdefault(line.page, []).append(line.x0)
    return edges


def _aligned(line: Line, edges: Sequence[float]) -> bool:
    """True when a line starts where body text starts, left of it, or is centred on the page."""
    if abs((line.x0 + line.x1) / 2 - line.page_width / 2) <= 0.04 * line.page_width:
        return True
    # Up to two and a half of its own ems in: room for an icon or a number before it.
    if not edges or line.x0 <= min(edges) + 2.5 * line.size:
        return True
    return sum(1 for x in edges if abs(x - line.x0) <= 2.0) >= 2


def _shaped(block: Block) -> bool:
    """True when a block is shaped like a heading: short, not a list item or a figure,
    starting with a capital or a number, not ending mid-sentence."""
    text = block.text
    if block.bullet or block.figure or not text or len(block.lines) > 3:
        return False
    if len(text.split()) > 25 or text[-1] in ",;" or _CAPTION.match(text):
        return False
    return text[0].isupper() or text[0].isdigit() or text[0] in "\"'("


def _sentence(block: Block) -> bool:
    """True when a block reads as a sentence (a quotation, a note), not a title."""
    return block.text[-1:] in ".\"'”" and len(block.text.split()) > 3


def _heading_styles(blocks: Sequence[Block], body: Style) -> set[Style]:
    """Styles used only for short heading-shaped blocks, at least twice, that differ from
    the body text's style: the document's own heading styles."""
    short: Counter[Style] = Counter()
    long: Counter[Style] = Counter()
    for block in blocks:
        if block.figure:
            continue
        if _shaped(block) and not _sentence(block):
            short[block.style] += 1
        elif len(block.lines) > 3 or len(block.text.split()) > 25 or _sentence(block):
            long[block.style] += 1
    return {
        style
        for style, count in short.items()
        if count >= 2 and not long[style] and style != body and _stands_out(style, body)
    }


def _stands_out(style: Style, body: Style) -> bool:
    """True when a style is one font (not a mix), no smaller than the body text, and bold,
    bigger or another font than the body text's."""
    font, size, bold = style
    if not font or size < body[1] - 0.5:
        return False
    return bold or font != body[0] or size >= body[1] + 0.5


def classify(blocks: list[Block], body: Style, edges: dict[int, list[float]]) -> None:
    """Mark the blocks that are headings: numbered, bigger than the body, wholly bold, or set
    in a style the document uses only for headings."""
    body_size = body[1]
    styles = _heading_styles(blocks, body)
    for index, block in enumerate(blocks):
        if not _shaped(block) or not _aligned(block.lines[0], edges.get(block.pages[0], [])):
            continue
        text = block.text
        words = len(text.split())
        numbered = _NUMBERED.match(text)
        big = block.size >= body_size * BIG
        bold = block.bold and block.size >= body_size - 0.5
        styled = block.style in styles
        plain_number = (
            numbered is not None
            and len(block.lines) == 1
            and words <= 12
            and text[-1] not in ".,;:"
        )
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if bold and not big and following is not None and following.text[:1].islower():
            continue
        if big or bold or plain_number or styled:
            block.heading = True
            block.weak = not big and not numbered and not styled
            block.listed = plain_number and not (big or bold or styled)
            block.number = numbered.group(1) if numbered else None


def _encloses(outer: Block, inner: Block) -> bool:
    """True when `inner` is a sub-heading of `outer`: by outline level, by numbering, by
    placement (a centred heading heads the left-aligned ones after it, never the other way
    round) and by size; producers vary sizes by a point or two between peers."""
    if outer.level is not None and inner.level is not None:
        return inner.level > outer.level
    if outer.number and inner.number:
        return inner.number.startswith(outer.number + ".")
    outer_centred, inner_centred = _centred(outer), _centred(inner)
    if inner_centred and not outer_centred:
        return False
    if outer_centred and not inner_centred:
        return outer.size >= inner.size - 0.6
    if outer_centred:
        return outer.size >= inner.size * BIG
    if outer.size > inner.size + 0.6:
        return True
    return abs(outer.size - inner.size) <= 0.6 and outer.bold and not inner.bold


def _centred(block: Block) -> bool:
    """True when every line of the block is centred on the page, away from the margin."""
    lines = block.lines
    width = lines[0].page_width
    if not width or not any(line.x0 > 0.15 * width for line in lines):
        return False
    return all(abs((line.x0 + line.x1) / 2 - width / 2) <= 0.04 * width for line in lines)


def demote_titles_and_strays(blocks: list[Block], body_size: float) -> list[Block]:
    """Cover-page titles and bold lines followed by no text are text, not headings."""
    first_body = next(
        (i for i, b in enumerate(blocks)
         if not b.heading and not b.figure and b.size < body_size * BIG),
        len(blocks),
    )  # fmt: skip
    cover = [b for b in blocks[:first_body] if b.heading and b.pages == [1] and not b.number]
    others = [b for b in blocks if b.heading and b not in cover]
    # Without other headings, one big line above the text is the heading of a one-page note.
    if others or len(cover) > 1:
        limit = max([b.size for b in others], default=0.0) + 1.5
        for block in cover:
            if block.size >= max(limit, body_size * 1.3):
                block.heading = False
    _demote_numbered_lists(blocks)
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.heading and block.weak and (following is None or following.heading):
            if following is None or not _encloses(block, following):
                block.heading = False
    return blocks


def _demote_numbered_lists(blocks: list[Block]) -> None:
    """Numbered lines set like the body text, one after another, are a numbered list."""
    run: list[Block] = []
    for block in [*blocks, None]:
        if block is not None and block.heading and block.listed:
            run.append(block)
            continue
        if len(run) >= 2:
            for item in run:
                item.heading = False
        run = []


# Outline


def _plain(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def apply_outline(blocks: list[Block], entries: Sequence[OutlineEntry]) -> list[Block]:
    """Headings are the outline's entries: each marks the block on its page that reads as
    its title (the nearest to where it points), or a heading of its own where none does."""
    for block in blocks:
        block.heading = False
    result = list(blocks)
    start = 0
    for entry in entries:
        title = _plain(entry.title)
        found = _find_entry(result, entry, title, start)
        if found is not None and found < len(result):
            _split_heading(result, found, title)
        if found is not None and found < len(result) and _plain(result[found].text) == title:
            result[found].heading = True
            result[found].level = entry.level
            start = found + 1
            continue
        at = found if found is not None else len(result)
        anchor = result[at] if at < len(result) else result[-1]
        line = replace(anchor.lines[0], text=entry.title, figure=-1)
        result.insert(at, Block([line], heading=True, text=entry.title, level=entry.level))
        start = at + 1
    return result


def _split_heading(blocks: list[Block], index: int, title: str) -> None:
    """A heading set like the text under it was read as the start of that text: cut it off
    as a block of its own when whole lines of the block spell the title."""
    block = blocks[index]
    if block.figure or _plain(block.text) == title or not _plain(block.text).startswith(title):
        return
    for cut in range(1, len(block.lines)):
        if _plain(" ".join(line.text for line in block.lines[:cut])) == title:
            break
    else:
        return
    matched, at = 0, 0
    while at < len(block.text) and matched < len(title):
        matched += block.text[at].isalnum()
        at += 1
    heading = Block(block.lines[:cut], text=block.text[:at].strip())
    rest = Block(block.lines[cut:], bullet=block.bullet, text=block.text[at:].strip())
    blocks[index : index + 1] = [heading, rest]


def _find_entry(blocks: Sequence[Block], entry: OutlineEntry, title: str, start: int) -> int | None:
    """The index of the block an entry names, or where a heading for it belongs."""
    on_page = [
        i for i in range(start, len(blocks))
        if entry.page is None or entry.page in blocks[i].pages
    ]  # fmt: skip
    named = [i for i in on_page if _plain(blocks[i].text) == title and not blocks[i].figure]
    if named:
        y = entry.y
        return min(named, key=lambda i: abs(blocks[i].lines[0].top - y) if y is not None else i)
    if entry.page is None:
        return None
    below = [
        i
        for i in on_page
        if entry.y is None
        or blocks[i].lines[0].top <= entry.y + 1.0
        or blocks[i].pages[0] > entry.page
    ]
    if below:
        return below[0]
    later = [i for i in range(start, len(blocks)) if blocks[i].pages[0] > entry.page]
    return later[0] if later else None


# Sections


def sections_from_blocks(blocks: list[Block]) -> tuple[Section, ...]:
    """Cut blocks into sections at headings; fall back to one section per page without any."""
    if not any(block.heading for block in blocks):
        by_page: dict[int, list[Block]] = {}
        for block in blocks:
            by_page.setdefault(block.pages[0], []).append(block)
        return tuple(
            Section(f"page {page}", (), _joined(items), _pages(items))
            for page, items in sorted(by_page.items())
        )
    sections: list[Section] = []
    stack: list[Block] = []
    heading: Block | None = None
    body: list[Block] = []

    def close() -> None:
        if heading is None:
            if body:
                sections.append(Section("front matter", (), _joined(body), _pages(body)))
            return
        path = tuple(item.text for item in stack)
        pages = _pages(body) if body else tuple(heading.pages[:1])
        sections.append(Section(heading.text, path, _joined(body), pages))

    for block in blocks:
        if not block.heading:
            body.append(block)
            continue
        close()
        while stack and not _encloses(stack[-1], block):
            stack.pop()
        stack.append(block)
        heading, body = block, []
    close()
    return unique_keys(sections)


def _joined(blocks: Sequence[Block]) -> str:
    return "\n".join(block.text for block in blocks if block.text)


def _pages(blocks: Sequence[Block]) -> tuple[int, ...]:
    return tuple(sorted({page for block in blocks for page in block.pages}))

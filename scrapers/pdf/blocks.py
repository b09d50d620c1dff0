"""Blocks: lines in reading order grouped into paragraphs, bullet items, headings and
figure text; their text with line-end hyphens decided by words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from scrapers.pdf.read import Line
from scrapers.pdf.words import keeps_hyphen
from scrapers.text import normalise_block

# A heading is "bigger" when its font is this many times the body size.
BIG = 1.15
_BULLETS = "•●▪■◦○◆♦◊➢➤►▶✓✔❖∙·\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf0a8\uf06e\uf0de"
_DASH_BULLETS = "-–—*"
_HYPHENS = "-\x02\u00ad\u2010"
_TERMINAL = ".!?:"
FIGURE_SEPARATOR = " · "
_COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass
class Block:
    """Consecutive lines read as one paragraph, bullet item, heading or figure's labels."""

    lines: list[Line]
    bullet: bool = False
    heading: bool = False
    weak: bool = False  # a heading by weight alone
    listed: bool = False  # a heading by its number alone, set like the body text
    number: str | None = None
    text: str = ""
    level: int | None = None  # an outline entry's depth, when headings come from bookmarks

    @property
    def size(self) -> float:
        """The block's font size (its first line's)."""
        return self.lines[0].size

    @property
    def bold(self) -> bool:
        """True when every line is bold."""
        return all(line.bold for line in self.lines)

    @property
    def figure(self) -> bool:
        """True for the labels of a figure."""
        return self.lines[0].figure >= 0

    @property
    def pages(self) -> list[int]:
        """The pages the block's lines sit on, in order."""
        return sorted({line.page for line in self.lines})

    @property
    def style(self) -> tuple[str, float, bool]:
        """Font, size and weight of the block's first line."""
        first = self.lines[0]
        return (first.font, first.size, first.bold)


def _leadings(lines: Sequence[Line]) -> dict[float, float]:
    """The usual distance between baselines for each font size."""
    deltas: dict[float, Counter[float]] = {}
    for above, below in zip(lines, lines[1:], strict=False):
        if above.page != below.page or above.size != below.size:
            continue
        delta = above.base - below.base
        if 0.5 * above.size < delta <= 2.5 * above.size:
            deltas.setdefault(above.size, Counter())[round(delta * 2) / 2] += 1
    return {size: counter.most_common(1)[0][0] for size, counter in deltas.items()}


def _bullet_start(line: Line, previous: Line | None, gap: bool, in_list: bool) -> bool:
    text = line.text.lstrip()
    if not text or line.figure >= 0:
        return False
    if text[0] in _BULLETS:
        return True
    if text[0] in _DASH_BULLETS and text[1:2] == " ":
        return previous is None or gap or in_list or previous.text.rstrip()[-1:] in _TERMINAL
    return False


def build_blocks(lines: Sequence[Line], body_size: float) -> list[Block]:
    """Group lines in reading order into paragraphs, bullet items, heading candidates and
    figure text (a figure's labels make one block)."""
    leadings = _leadings([line for line in lines if line.figure < 0])
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        block = blocks[-1] if blocks else None
        if block is None or previous is None:
            blocks.append(Block([line], bullet=_bullet_start(line, None, True, False)))
            previous = line
            continue
        if line.figure >= 0 or previous.figure >= 0:
            if line.figure == previous.figure and line.page == previous.page:
                block.lines.append(line)
            else:
                blocks.append(Block([line], bullet=_bullet_start(line, None, True, False)))
            previous = line
            continue
        leading = leadings.get(previous.size, 1.2 * previous.size)
        jumped = line.page != previous.page or line.base > previous.base + 0.5 * line.size
        gap = jumped or previous.base - line.base > 1.3 * leading
        bullet = _bullet_start(line, previous, gap, block.bullet)
        if _breaks(block, previous, line, gap, jumped, bullet, body_size):
            blocks.append(Block([line], bullet=bullet))
        else:
            block.lines.append(line)
        previous = line
    return blocks


def _breaks(
    block: Block,
    previous: Line,
    line: Line,
    gap: bool,
    jumped: bool,
    bullet: bool,
    body_size: float,
) -> bool:
    """True when `line` starts a new block after `previous`."""
    if bullet or abs(line.size - previous.size) > 0.6:
        return True
    if jumped:
        # A paragraph goes on over a page or column break unless the sentence ended there.
        ended = previous.text.rstrip()[-1:] in _TERMINAL
        return ended or block.bold != line.bold or previous.size >= body_size * BIG
    if gap:
        return True
    if block.bullet:
        # Continuation lines sit under the item's text, right of the glyph: a line further
        # left is the text after the list.
        later = [item.x0 for item in block.lines[1:]]
        indent = min(later) if later else block.lines[0].x0 + line.size
        return line.x0 < indent - 0.5 * line.size
    starts_lower = line.text.lstrip()[:1].islower()
    if starts_lower:
        return False
    # A line in another font after a finished sentence starts something new (a heading set
    # without space above it), and the text under a short bold or other-font heading
    # starts after it.
    ended = previous.text.rstrip()[-1:] in _TERMINAL
    if (line.bold and not block.bold) or _other_font(line, previous):
        if ended and len(line.text.split()) <= 25:
            return True
    first = block.lines[0]
    if line.bold or line.font == first.font:
        return False
    if block.bold:
        return len(block.lines) <= 3
    # A heading in a font of its own is short; a quotation in italics is not.
    short = len(block.lines) <= 2 and all(len(item.text.split()) <= 10 for item in block.lines)
    return short and _other_font(line, first)


def _other_font(line: Line, other: Line) -> bool:
    """True when two lines are each set in one font, and not the same."""
    return bool(line.font and other.font and line.font != other.font)


# Dehyphenation and block text


class Vocabulary:
    """What the document itself writes: hyphenated pairs inside lines, and its words."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = lines

    @cached_property
    def text(self) -> str:
        """All the document's text, lower case, its hyphens plain."""
        text = "\n".join(line.text for line in self.lines).lower()
        return text.replace("\u2010", "-").replace("\u2011", "-")

    @cached_property
    def pairs(self) -> set[str]:
        """Every "word-word" pair the document writes with a hyphen inside a line."""
        pairs: set[str] = set()
        hyphenated = "\n".join(line for line in self.text.split("\n") if "-" in line)
        for token in _COMPOUND.findall(hyphenated):
            parts = token.split("-")
            pairs.update(f"{a}-{b}" for a, b in zip(parts, parts[1:], strict=False))
        return pairs

    @cached_property
    def words(self) -> set[str]:
        """Every word the document writes."""
        return set(_WORD.findall(self.text))

    def keeps_hyphen(self, first: str, second: str) -> bool:
        """True when a hyphen between `first` (at a line end) and `second` stays: the
        document's own usage first, then the word list."""
        first, second = first.lower(), second.lower()
        if f"{first}-{second}" in self.pairs:
            return True
        if first + second in self.words:
            return False
        return keeps_hyphen(first, second)


def join_lines(texts: Sequence[str], vocabulary: Vocabulary) -> str:
    """Join a paragraph's lines, undoing line-break hyphenation but keeping real compounds."""
    out = ""
    for raw in texts:
        text = raw.strip()
        if not out:
            out = text
            continue
        end = out[-1]
        # Only the end matters: searching the whole paragraph on every line is quadratic.
        word = re.search(r"([^\W\d_]+)[-\x02\u00ad\u2010]$", out[-64:]) if end in _HYPHENS else None
        if end in _HYPHENS and word and text[:1].isalpha():
            suffix = re.match(r"[^\W\d_]+", text)
            second = suffix.group(0) if suffix else ""
            join = end == "\u00ad" or (
                text[0].islower() and not vocabulary.keeps_hyphen(word.group(1), second)
            )
            out = out[:-1] + ("" if join else "-") + text
        elif end in "-\x02\u2010\u2013\u2014" and len(out) > 1 and not out[-2].isspace():
            out += text
        else:
            out += " " + text
    return out.replace("\x02", "-")


def block_text(block: Block, vocabulary: Vocabulary) -> str:
    """The block's text on one line, normalised; bullet items start with "- ", a figure's
    labels are joined with " · "."""
    texts = [line.text for line in block.lines]
    if block.figure:
        return FIGURE_SEPARATOR.join(normalise_block(t) for t in texts if normalise_block(t))
    if block.bullet:
        first = texts[0].lstrip()
        texts[0] = first[1:].lstrip()
    text = normalise_block(join_lines(texts, vocabulary))
    return f"- {text}" if block.bullet else text

"""PDF documents: faithful text in sections, read with pdfium; and PDFs found on index pages."""

from __future__ import annotations

import ctypes
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from scrapers.base import SinglePage, register
from scrapers.html import unique_keys
from scrapers.model import Document, DocumentSpec, Fetched, Section, SuspectError
from scrapers.text import normalise, normalise_block

# A running header or footer sits in this share of the page height at the top or bottom.
BAND = 0.12
# A heading is "bigger" when its font is this many times the body size.
BIG = 1.15
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold", re.IGNORECASE)
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})  # fmt: skip
_BULLETS = "•●▪■◦○◆♦◊➢➤►▶✓✔❖∙·\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf0a8\uf06e\uf0de"
_DASH_BULLETS = "-–—*"
_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|[ivx]{1,5}",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2})*)\.?\s+[\"'‘“(]?[A-Z]")
_HYPHENS = "-\x02\u00ad"
_TERMINAL = ".!?:"
_TITLE_NOISE = re.compile(
    r"^microsoft (?:word|powerpoint) - |\.(?:docx?|pptx?|odt)$|^untitled$", re.IGNORECASE
)


@dataclass
class Line:
    """One run of text on a baseline, with the geometry and font needed to read it in order."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    base: float
    size: float
    bold: bool
    page_width: float = 0.0
    page_height: float = 0.0


@dataclass
class Block:
    """Consecutive lines read as one paragraph, bullet item or heading."""

    lines: list[Line]
    bullet: bool = False
    heading: bool = False
    weak: bool = False
    number: str | None = None
    text: str = ""

    @property
    def size(self) -> float:
        """The block's font size (its first line's)."""
        return self.lines[0].size

    @property
    def bold(self) -> bool:
        """True when every line is bold."""
        return all(line.bold for line in self.lines)

    @property
    def pages(self) -> list[int]:
        """The pages the block's lines sit on, in order."""
        return sorted({line.page for line in self.lines})


@dataclass
class _Raw:
    """A line being built from characters."""

    chars: list[str] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    sizes: list[float] = field(default_factory=list)
    bolds: list[bool] = field(default_factory=list)
    base: float = 0.0
    space: bool = False


# Opening and reading pages


def _open(body: bytes) -> pdfium.PdfDocument:
    """Open a PDF from bytes or raise SuspectError saying why it cannot be read."""
    head = body[:1024]
    if b"%PDF-" not in head:
        start = head.lstrip()[:15]
        raise SuspectError(f"PDF is corrupt: no %PDF- header (starts {start!r})")
    if b"%%EOF" not in body[-2048:]:
        raise SuspectError("PDF is corrupt: truncated (no %%EOF at the end)")
    try:
        return pdfium.PdfDocument(body)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise SuspectError("PDF is encrypted (password required)") from None
        if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise SuspectError("PDF is encrypted (unsupported security handler)") from None
        raise SuspectError(f"PDF is corrupt: {error}") from None


def _is_bold(textpage: ctypes.c_void_p, index: int, name: ctypes.Array[ctypes.c_char]) -> bool:
    """True when pdfium reports a bold weight or the font's name says bold."""
    # Some producers report nonsense weights (3912): only a CSS-like weight counts.
    if 600 <= pdfium_c.FPDFText_GetFontWeight(textpage, index) <= 1000:
        return True
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
    if flags.value & (1 << 18):  # ForceBold
        return True
    return bool(_BOLD_NAME.search(name.value.decode("utf-8", "replace")))


def page_lines(page: pdfium.PdfPage, number: int) -> list[Line]:
    """Read a page's characters into lines: one per baseline run, split at wide gaps."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        name = ctypes.create_string_buffer(256)
        x, y = ctypes.c_double(), ctypes.c_double()
        lines: list[Line] = []
        current: _Raw | None = None
        for index in range(pdfium_c.FPDFText_CountChars(raw)):
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            char = chr(code) if code else ""
            if char in ("", "\r", "\n") or (char < " " and char != "\x02"):
                continue
            if char.isspace():
                if current is not None:
                    current.space = True
                continue
            # Rotated text (margin notes, watermarks) cannot be put in reading order.
            angle = pdfium_c.FPDFText_GetCharAngle(raw, index)  # -1 when pdfium cannot tell
            if angle >= 0 and abs(math.sin(angle)) > 0.5:
                continue
            size = pdfium_c.FPDFText_GetFontSize(raw, index) or 1.0
            box = textpage.get_charbox(index)
            pdfium_c.FPDFText_GetCharOrigin(raw, index, ctypes.byref(x), ctypes.byref(y))
            if current is not None and not _continues(current, box, y.value, size):
                lines.append(_finish(current, number, width, height))
                current = None
            if current is None:
                current = _Raw(base=y.value)
            elif current.space:
                current.chars.append(" ")
                current.boxes.append(current.boxes[-1])
                current.sizes.append(0.0)
                current.bolds.append(False)
            current.space = False
            current.chars.append(char)
            current.boxes.append(box)
            current.sizes.append(size)
            current.bolds.append(_is_bold(raw, index, name))
        if current is not None:
            lines.append(_finish(current, number, width, height))
        return lines
    finally:
        textpage.close()


def _continues(
    line: _Raw, box: tuple[float, float, float, float], base: float, size: float
) -> bool:
    """True when a character sits on the line's baseline just after its last character."""
    last_size = max(s for s in line.sizes if s) if any(line.sizes) else size
    tall = max(size, last_size)
    if abs(base - line.base) > 0.45 * tall:
        return False
    left, last_right = box[0], line.boxes[-1][2]
    return last_right - 0.5 * tall <= left <= last_right + 1.5 * tall


def _finish(raw: _Raw, page: int, width: float, height: float) -> Line:
    """Turn collected characters into a Line with its extent and dominant font."""
    sizes = [s for s in raw.sizes if s]
    visible = [b for b, c in zip(raw.boxes, raw.chars, strict=True) if c != " "]
    bolds = [b for b, c in zip(raw.bolds, raw.chars, strict=True) if c != " "]
    size = Counter(round(s * 2) / 2 for s in sizes).most_common(1)[0][0]
    return Line(
        page=page,
        text="".join(raw.chars).translate(_LIGATURES),
        x0=min(b[0] for b in visible),
        x1=max(b[2] for b in visible),
        top=max(b[3] for b in visible),
        bottom=min(b[1] for b in visible),
        base=raw.base,
        size=size,
        bold=sum(bolds) >= 0.8 * len(bolds),
        page_width=width,
        page_height=height,
    )


# Running headers, footers and page numbers


def _band_key(line: Line) -> str:
    return re.sub(r"\d+", "#", normalise_block(line.text).lower())


def _in_band(line: Line) -> bool:
    return line.bottom > line.page_height * (1 - BAND) or line.top < line.page_height * BAND


def drop_running_lines(pages: list[list[Line]], body_size: float) -> list[list[Line]]:
    """Remove page numbers and lines repeated (digits aside) at the top or bottom of most pages.

    In a short document a heading that happens to open every page is not a running header:
    there only lines no bigger than the body text count.
    """
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_band_key(line) for line in lines if _in_band(line)})
    needed = max(2, math.ceil(0.5 * len(pages)))

    def running(line: Line) -> bool:
        if not _in_band(line):
            return False
        if _PAGE_NUMBER.fullmatch(normalise_block(line.text)):
            return True
        repeated = len(pages) > 1 and seen[_band_key(line)] >= needed
        return repeated and (len(pages) >= 4 or line.size <= body_size)

    return [[line for line in lines if not running(line)] for lines in pages]


# Reading order


def reading_order(lines: list[Line]) -> list[Line]:
    """Order a page's lines top to bottom, reading side-by-side columns one after the other."""
    ordered = sorted(lines, key=lambda line: (-round(line.base, 0), line.x0))
    gutter = _gutter(ordered)
    if gutter is None:
        return ordered
    result: list[Line] = []
    run: list[Line] = []
    for line in ordered:
        if line.x0 < gutter < line.x1:
            result.extend(_columns(run, gutter))
            run = []
            result.append(line)
        else:
            run.append(line)
    result.extend(_columns(run, gutter))
    return result


def _columns(run: list[Line], gutter: float) -> list[Line]:
    """A run of lines clear of the gutter: left column then right, if the left is a text column."""
    left = [line for line in run if line.x1 <= gutter]
    right = [line for line in run if line.x0 >= gutter]
    if len(left) < 2 or len(right) < 2:
        return run
    # Text columns are wide, close together and filled to near the gutter; a table's
    # first column (names, labels) is narrow and stops short.
    x0, x1 = min(line.x0 for line in left), max(line.x1 for line in left)
    right_x0, right_x1 = min(line.x0 for line in right), max(line.x1 for line in right)
    narrow = min(x1 - x0, right_x1 - right_x0)
    if narrow < 0.25 * run[0].page_width or right_x0 - x1 > 0.5 * narrow:
        return run
    if median(line.x1 for line in left) < x1 - 0.2 * (x1 - x0):
        return run
    return left + right


def merge_rows(lines: list[Line]) -> list[Line]:
    """Join consecutive pieces of one baseline (table cells, tab stops) into one line."""
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        same_row = (
            last is not None
            and last.page == line.page
            and abs(last.base - line.base) <= 0.3 * max(last.size, line.size)
            and line.x0 >= last.x1
        )
        if last is None or not same_row:
            merged.append(line)
            continue
        merged[-1] = Line(
            page=last.page,
            text=f"{last.text} {line.text}",
            x0=last.x0,
            x1=line.x1,
            top=max(last.top, line.top),
            bottom=min(last.bottom, line.bottom),
            base=last.base,
            size=last.size if len(last.text) >= len(line.text) else line.size,
            bold=last.bold and line.bold,
            page_width=last.page_width,
            page_height=last.page_height,
        )
    return merged


def _gutter(lines: list[Line]) -> float | None:
    """The x that most lines keep clear of, with text on both sides; None for one column."""
    if len(lines) < 4:
        return None
    width = lines[0].page_width
    rights = sorted(line.x1 for line in lines)
    lefts = sorted(line.x0 for line in lines)
    best: tuple[int, int, float, float] | None = None
    for step in range(int(width * 0.25), int(width * 0.75)):
        x = float(step)
        left = bisect_right(rights, x)
        right = len(lefts) - bisect_left(lefts, x)
        crossing = len(lines) - left - right
        # Columns need more lines beside each other than lines across them.
        if min(left, right) < 2 or crossing >= min(left, right):
            continue
        score = (crossing, -min(left, right), abs(x - width / 2), x)
        if best is None or score < best:
            best = score
    return None if best is None else best[3]


# Blocks: paragraphs, bullet items and headings


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
    if not text:
        return False
    if text[0] in _BULLETS:
        return True
    if text[0] in _DASH_BULLETS and text[1:2] == " ":
        return previous is None or gap or in_list or previous.text.rstrip()[-1:] in _TERMINAL
    return False


def build_blocks(lines: Sequence[Line], body_size: float) -> list[Block]:
    """Group lines in reading order into paragraphs, bullet items and heading candidates."""
    leadings = _leadings(lines)
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        block = blocks[-1] if blocks else None
        if block is None or previous is None:
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
    # A bold heading set directly above its text, without extra space.
    return block.bold and len(block.lines) <= 3 and not line.bold and not starts_lower


# Dehyphenation and block text


def _hyphen_pairs(lines: Iterable[Line]) -> set[str]:
    """Every "word-word" pair the document itself writes with a hyphen inside a line."""
    pairs: set[str] = set()
    for line in lines:
        for token in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)+", normalise(line.text).lower()):
            parts = token.split("-")
            pairs.update(f"{a}-{b}" for a, b in zip(parts, parts[1:], strict=False))
    return pairs


def join_lines(texts: Sequence[str], hyphenated: set[str]) -> str:
    """Join a paragraph's lines, undoing line-break hyphenation but keeping real compounds."""
    out = ""
    for raw in texts:
        text = raw.strip()
        if not out:
            out = text
            continue
        end = out[-1]
        word = re.search(r"([^\W\d_]+)[-\x02\u00ad]$", out)
        if end in _HYPHENS and word and text[:1].isalpha():
            suffix = re.match(r"[^\W\d_]+", text)
            pair = f"{word.group(1)}-{suffix.group(0) if suffix else ''}".lower()
            if end == "\u00ad" or (text[0].islower() and pair not in hyphenated):
                out = out[:-1] + text
            else:
                out = out[:-1] + "-" + text
        elif end in "-\x02\u2010\u2013\u2014" and len(out) > 1 and not out[-2].isspace():
            out += text
        else:
            out += " " + text
    return out.replace("\x02", "-")


def block_text(block: Block, hyphenated: set[str]) -> str:
    """The block's text on one line, normalised; bullet items start with "- "."""
    texts = [line.text for line in block.lines]
    if block.bullet:
        first = texts[0].lstrip()
        texts[0] = first[1:].lstrip()
    text = normalise_block(join_lines(texts, hyphenated))
    return f"- {text}" if block.bullet else text


# Headings and sections


def _left_edges(lines: Sequence[Line], body_size: float) -> dict[int, list[float]]:
    edges: dict[int, list[float]] = {}
    for line in lines:
        if abs(line.size - body_size) <= 1.5:
            edges.setdefault(line.page, []).append(line.x0)
    return edges


def _aligned(line: Line, edges: Sequence[float]) -> bool:
    """True when a line starts where body text starts, left of it, or is centred on the page."""
    if abs((line.x0 + line.x1) / 2 - line.page_width / 2) <= 0.04 * line.page_width:
        return True
    if not edges or line.x0 <= min(edges) + 0.6 * line.size:
        return True
    return sum(1 for x in edges if abs(x - line.x0) <= 2.0) >= 2


def classify(blocks: list[Block], body_size: float, edges: dict[int, list[float]]) -> None:
    """Mark the blocks that are headings: numbered, bigger than the body, or wholly bold."""
    for index, block in enumerate(blocks):
        text = block.text
        words = len(text.split())
        if block.bullet or not text or len(block.lines) > 3 or words > 25:
            continue
        if text[-1] in ",;" or not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'("):
            continue
        if not _aligned(block.lines[0], edges.get(block.lines[0].page, [])):
            continue
        numbered = _NUMBERED.match(text)
        big = block.size >= body_size * BIG
        bold = block.bold and block.size >= body_size - 0.5
        plain_number = (
            numbered is not None
            and len(block.lines) == 1
            and words <= 12
            and text[-1] not in ".,;:"
        )
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if bold and not big and following is not None and following.text[:1].islower():
            continue
        if big or bold or plain_number:
            block.heading = True
            block.weak = not big and not numbered
            block.number = numbered.group(1) if numbered else None


def _encloses(outer: Block, inner: Block) -> bool:
    """True when `inner` is a sub-heading of `outer`."""
    if outer.number and inner.number:
        return inner.number.startswith(outer.number + ".")
    if outer.size > inner.size + 0.6:
        return True
    return abs(outer.size - inner.size) <= 0.6 and outer.bold and not inner.bold


def _demote_titles_and_strays(blocks: list[Block], body_size: float) -> list[Block]:
    """Cover-page titles and bold lines followed by no text are text, not headings."""
    first_body = next(
        (i for i, b in enumerate(blocks) if not b.heading and b.size < body_size * BIG),
        len(blocks),
    )
    cover = [b for b in blocks[:first_body] if b.heading and b.pages == [1] and not b.number]
    others = [b for b in blocks if b.heading and b not in cover]
    # Without other headings, one big line above the text is the heading of a one-page note.
    if others or len(cover) > 1:
        limit = max([b.size for b in others], default=0.0) + 1.5
        for block in cover:
            if block.size >= max(limit, body_size * 1.3):
                block.heading = False
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.heading and block.weak and (following is None or following.heading):
            if following is None or not _encloses(block, following):
                block.heading = False
    return blocks


def _title_blocks(blocks: list[Block], body_size: float) -> list[Block]:
    return [b for b in blocks if not b.heading and b.pages == [1] and b.size >= body_size * 1.3]


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


# The whole document


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    try:
        raw = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return {}
    names = {"Producer": "producer", "Creator": "creator", "CreationDate": "created",
             "ModDate": "modified", "Title": "title", "Author": "author"}  # fmt: skip
    return {names[key]: normalise_block(value) for key, value in raw.items() if key in names}


def read_lines(body: bytes) -> tuple[list[list[Line]], dict[str, str]]:
    """All pages' lines in pdfium's order, and the PDF's metadata; SuspectError if unreadable."""
    pdf = _open(body)
    try:
        pages: list[list[Line]] = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                pages.append(page_lines(page, index + 1))
            finally:
                page.close()
        return pages, _metadata(pdf)
    except pdfium.PdfiumError as error:
        raise SuspectError(f"PDF is corrupt: {error}") from None
    finally:
        pdf.close()


def _body_size(lines: Iterable[Line]) -> float:
    """The font size that most of the text is set in."""
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0]


def extract_pdf(body: bytes) -> Document:
    """Read a PDF into sections by its headings, without running headers or page numbers."""
    pages, meta = read_lines(body)
    page_count = len(pages)
    letters = sum(ch.isalnum() for page in pages for line in page for ch in line.text)
    if letters < 20 * max(page_count, 1):
        raise SuspectError(f"PDF has no extractable text (scanned?): {page_count} pages")
    body_size = _body_size(line for page in pages for line in page)
    pages = drop_running_lines(pages, body_size)
    lines = [line for page in pages for line in merge_rows(reading_order(page))]
    hyphenated = _hyphen_pairs(lines)
    blocks = build_blocks(lines, body_size)
    for block in blocks:
        block.text = block_text(block, hyphenated)
    blocks = [block for block in blocks if block.text]
    if not blocks:
        raise SuspectError("PDF has no extractable text (scanned?): only page furniture")
    classify(blocks, body_size, _left_edges(lines, body_size))
    blocks = _demote_titles_and_strays(blocks, body_size)
    first_heading = next((b.text for b in blocks if b.heading), "")
    cover = _title_blocks(blocks, body_size)
    title = _TITLE_NOISE.sub("", meta.get("title", "")).strip()
    title = title or (cover[0].text if cover else first_heading)
    info: dict[str, str | int] = {"page_count": page_count}
    info.update({k: v for k, v in meta.items() if k != "title"})
    return Document(sections=sections_from_blocks(blocks), title=title, meta=info)


def text_lines(body: bytes) -> Iterator[str]:
    """The PDF's lines as pdfium orders them, for looking at a file (see scripts/show_pdf.py)."""
    pages, _ = read_lines(body)
    for lines in pages:
        for line in lines:
            yield f"p{line.page} x{line.x0:.0f} y{line.base:.0f} s{line.size:g} {line.text}"


# Extractors


def _require_pdf(fetched: Fetched) -> None:
    if fetched.content_kind != "pdf":
        kind = (
            "an HTML page" if fetched.content_kind == "html" else f"a {fetched.content_kind} body"
        )
        raise SuspectError(f"expected a PDF at {fetched.final_url}, got {kind}", fetched=fetched)


class PdfExtractor(SinglePage):
    """A PDF at a fixed URL."""

    kind = "pdf"
    version = "pdf-1"

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Sections of the PDF; SuspectError when the body is not a readable PDF with text."""
        _require_pdf(fetched)
        try:
            return extract_pdf(fetched.body)
        except SuspectError as error:
            raise SuspectError(str(error), fetched=fetched) from None


PDF = register(PdfExtractor())

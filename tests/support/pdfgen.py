"""Realistic test PDFs drawn with reportlab: headings, wrapped paragraphs, bullets, columns.

The layout is done here, line by line, so that tests control exactly what the PDF holds:
where words break with a hyphen (a soft hyphen "\\u00ad" in a paragraph marks a place a word
may break), in which order the content stream draws the columns, and what the producer says.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is the largest. Level 0 is a cover title. A `plain` heading is set
    like body text; `bookmark` puts it in the outline when the PDF has one; `band` draws a
    shaded band behind it."""

    level: int
    text: str
    plain: bool = False
    bookmark: bool = True
    band: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph wrapped to the column; a soft hyphen marks where a word may break (drawn
    as "-" at the line end) and a newline forces a line break."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bullet list; each item wraps with its continuation lines under the item's text."""

    items: tuple[str, ...]
    glyph: str = "\u2022"


@dataclass(frozen=True)
class Chart:
    """A diagram: drawn bars, a curve and circles, with short labels scattered over it in
    `label_size` (heading-sized by default), three to a row."""

    labels: tuple[str, ...]
    label_size: float = 16.0
    height: float = 200.0


Block = Heading | Para | Bullets | Chart


@dataclass(frozen=True)
class Layout:
    """How the text is set: page, fonts, sizes, columns and the drawing order."""

    page_size: tuple[float, float] = A4
    margin: float = 72.0
    font: str = "Helvetica"
    bold_font: str = "Helvetica-Bold"
    body_size: float = 11.0
    # Sizes for heading levels 0 (cover title), 1, 2, 3; level 3 is bold at the body size.
    heading_sizes: tuple[float, ...] = (24.0, 16.0, 13.0, 11.0)
    leading: float = 1.3
    column_gap: float = 24.0
    # Draw the lines of all columns row by row (left, right, left, ...) instead of column
    # by column, as some producers do: the content stream order is then not reading order.
    interleave_columns: bool = False
    # The font headings of levels 1-3 are set in (bold_font when None), and the space above
    # a heading and below it, in multiples of its size.
    heading_font: str | None = None
    space_above: float = 0.9
    space_below: float = 0.3


@dataclass(frozen=True)
class Meta:
    """What the PDF says about itself."""

    producer: str = "guidewatch test PDF generator"
    creator: str = "Microsoft Word"
    author: str = "BACME"
    created: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    compress: bool = True


# A "re-saved" copy: same words, different producer, dates, fonts, page size and margins.
RESAVED_LAYOUT = Layout(
    page_size=LETTER, margin=60.0, font="Times-Roman", bold_font="Times-Bold", body_size=11.5
)
RESAVED_META = Meta(
    producer="Adobe PDF Library 23.1",
    creator="Adobe InDesign 19.0",
    author="BACME office",
    created=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
    compress=False,
)


@dataclass
class _Op:
    x: float
    y: float
    font: str
    size: float
    text: str


@dataclass
class _Shape:
    kind: str  # "rect", "line", "circle" or "curve"
    points: tuple[float, ...]


@dataclass
class _Page:
    ops: list[_Op] = field(default_factory=list)
    shapes: list[_Shape] = field(default_factory=list)
    bookmarks: list[tuple[str, int, float]] = field(default_factory=list)


class _Flow:
    """Places lines top to bottom in columns, starting new columns and pages as they fill."""

    def __init__(self, layout: Layout, columns: int, top_reserve: float, bottom_reserve: float):
        self.layout = layout
        self.columns = columns
        width, height = layout.page_size
        self.top = height - layout.margin - top_reserve
        self.bottom = layout.margin + bottom_reserve
        usable = width - 2 * layout.margin - layout.column_gap * (columns - 1)
        self.column_width = usable / columns
        self.pages: list[_Page] = []
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.column = 0
        self.y = self.top

    def next_column(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
            self.y = self.top
        else:
            self.new_page()

    @property
    def x(self) -> float:
        return self.layout.margin + self.column * (self.column_width + self.layout.column_gap)

    def room(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.next_column()

    def line(self, indent: float, font: str, size: float, text: str) -> None:
        step = size * self.layout.leading
        self.room(step)
        self.y -= step
        self.pages[-1].ops.append(_Op(self.x + indent, self.y, font, size, text))

    def space(self, height: float) -> None:
        if self.y != self.top:
            self.y -= height


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines that fit `width`, breaking words only at soft hyphens (with "-")."""
    if "\n" in text:
        # A newline in the text forces a line break there.
        return [line for part in text.split("\n") for line in wrap(part, font, size, width)]
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if stringWidth(trial.replace(SOFT_HYPHEN, ""), font, size) <= width:
            current = trial
            continue
        parts = word.split(SOFT_HYPHEN)
        head = ""
        for cut in range(len(parts) - 1, 0, -1):
            candidate = "".join(parts[:cut])
            candidate += "" if candidate.endswith("-") else "-"
            trial = f"{current} {candidate}" if current else candidate
            if stringWidth(trial, font, size) <= width:
                head, word = trial.replace(SOFT_HYPHEN, ""), SOFT_HYPHEN.join(parts[cut:])
                break
        if head:
            lines.append(head)
        elif current:
            lines.append(current.replace(SOFT_HYPHEN, ""))
        current = word
    if current:
        lines.append(current.replace(SOFT_HYPHEN, ""))
    return lines


def soft_hyphenate(text: str, every: int = 4) -> str:
    """Mark a soft hyphen every few letters inside long words, so that lines break mid-word."""

    def mark(match: re.Match[str]) -> str:
        word = match.group(0)
        cuts = range(3, len(word) - 3, every)
        pieces = [word[a:b] for a, b in zip((0, *cuts), (*cuts, len(word)), strict=True)]
        return SOFT_HYPHEN.join(pieces)

    return re.sub(r"(?<![\w-])[^\W\d_]{9,}(?![\w-])", mark, text)


def _heading(flow: _Flow, block: Heading) -> None:
    layout = flow.layout
    body = layout.body_size
    size = layout.heading_sizes[min(block.level, len(layout.heading_sizes) - 1)]
    font = layout.bold_font if block.level == 0 else (layout.heading_font or layout.bold_font)
    if block.plain:
        size, font = body, layout.font
    lines = wrap(block.text, font, size, flow.column_width)
    flow.space(size * layout.space_above)
    # Keep a heading with the first lines that follow it.
    flow.room(len(lines) * size * layout.leading + 3 * body * layout.leading)
    top = flow.y
    for number, line in enumerate(lines):
        flow.line(0, font, size, line)
        if number == 0:
            top = flow.y + size * layout.leading
            if block.bookmark and block.level > 0:
                flow.pages[-1].bookmarks.append((block.text, block.level, top))
    if block.band:
        band = (flow.x - 4, flow.y - size * 0.4, flow.column_width + 8, top - flow.y + size * 0.2)
        flow.pages[-1].shapes.insert(0, _Shape("band", band))
    flow.y -= size * layout.space_below


def _chart(flow: _Flow, chart: Chart) -> None:
    """Bars, a curve and circles with labels over them, the labels three to a row."""
    layout = flow.layout
    flow.space(layout.body_size)
    flow.room(chart.height)
    top, left, width = flow.y, flow.x, flow.column_width
    bottom = top - chart.height
    page = flow.pages[-1]
    for index in range(5):
        x = left + 20 + index * (width - 40) / 5
        page.shapes.append(_Shape("rect", (x, bottom + 10, 25, 30 + 25 * (index % 3))))
    curve = (left, bottom + 20, left + width / 3, top, left + 2 * width / 3, bottom)
    page.shapes.append(_Shape("curve", (*curve, left + width, top - 20)))
    page.shapes.append(_Shape("circle", (left + width / 2, bottom + chart.height / 2, 30)))
    page.shapes.append(_Shape("line", (left, bottom, left + width, bottom)))
    rows = (len(chart.labels) + 2) // 3
    for index, label in enumerate(chart.labels):
        row, column = divmod(index, 3)
        x = left + 10 + column * width / 3 + (row % 2) * 15
        y = top - 25 - row * (chart.height - 40) / max(rows, 1)
        page.ops.append(_Op(x, y, layout.bold_font, chart.label_size, label))
    flow.y = bottom - layout.body_size


def _place(flow: _Flow, block: Block) -> None:
    layout = flow.layout
    body = layout.body_size
    if isinstance(block, Heading):
        _heading(flow, block)
    elif isinstance(block, Chart):
        _chart(flow, block)
    elif isinstance(block, Para):
        for line in wrap(block.text, layout.font, body, flow.column_width):
            flow.line(0, layout.font, body, line)
        flow.y -= body * 0.6
    else:
        indent = body * 1.6
        for item in block.items:
            lines = wrap(item, layout.font, body, flow.column_width - indent)
            for number, line in enumerate(lines):
                if number == 0:
                    flow.line(0, layout.font, body, f"{block.glyph}")
                    flow.pages[-1].ops[-1].x += body * 0.4
                    flow.pages[-1].ops.append(_Op(flow.x + indent, flow.y, layout.font, body, line))
                else:
                    flow.line(indent, layout.font, body, line)
        flow.y -= body * 0.6


def make_pdf(
    pages: Sequence[Sequence[Block]],
    *,
    title: str = "",
    running_header: str | None = None,
    footer_page_numbers: bool = True,
    columns: int = 1,
    encrypt_password: str | None = None,
    layout: Layout | None = None,
    meta: Meta | None = None,
    outline: bool = False,
) -> bytes:
    """Draw the blocks, each inner sequence starting a new page, and return the PDF's bytes.

    Text that does not fit flows on to further pages. The running header repeats at the top
    of every page, "Page N of M" sits at the bottom, and `title` goes in the metadata only.
    With `outline`, the headings (level 1 and below, unless `bookmark=False`) are bookmarks.
    """
    layout = layout or Layout()
    meta = meta or Meta()
    flow = _Flow(
        layout,
        columns,
        top_reserve=20.0 if running_header else 0.0,
        bottom_reserve=10.0 if footer_page_numbers else 0.0,
    )
    for number, blocks in enumerate(pages):
        if number:
            flow.new_page()
        for block in blocks:
            _place(flow, block)
    return _draw(flow.pages, layout, meta, title, running_header, footer_page_numbers,
                 encrypt_password, outline)  # fmt: skip


def _draw(
    pages: list[_Page],
    layout: Layout,
    meta: Meta,
    title: str,
    running_header: str | None,
    footer_page_numbers: bool,
    encrypt_password: str | None,
    outline: bool = False,
) -> bytes:
    buffer = io.BytesIO()
    encrypt = None
    if encrypt_password is not None:
        encrypt = StandardEncryption(encrypt_password, ownerPassword=encrypt_password + "-owner")
    canvas = Canvas(
        buffer,
        pagesize=layout.page_size,
        pageCompression=1 if meta.compress else 0,
        invariant=1,
        encrypt=encrypt,
    )
    canvas.setTitle(title)
    canvas.setAuthor(meta.author)
    canvas.setCreator(meta.creator)
    canvas.setProducer(meta.producer)
    stamp = meta.created.strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: stamp)
    width, height = layout.page_size
    for number, page in enumerate(pages, start=1):
        if running_header:
            canvas.setFont(layout.font, 9)
            canvas.drawString(layout.margin, height - layout.margin * 0.55, running_header)
        ops = page.ops
        if layout.interleave_columns:
            ops = sorted(ops, key=lambda op: (-round(op.y, 1), op.x))
        _shapes(canvas, page.shapes)
        for op in ops:
            canvas.setFont(op.font, op.size)
            canvas.drawString(op.x, op.y, op.text)
        if outline:
            _bookmarks(canvas, page.bookmarks, number)
        if footer_page_numbers:
            canvas.setFont(layout.font, 9)
            canvas.drawCentredString(
                width / 2, layout.margin * 0.45, f"Page {number} of {len(pages)}"
            )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _shapes(canvas: Canvas, shapes: list[_Shape]) -> None:
    for shape in shapes:
        p = shape.points
        if shape.kind == "band":
            canvas.setFillGray(0.85)
            canvas.rect(p[0], p[1], p[2], p[3], stroke=0, fill=1)
        elif shape.kind == "rect":
            canvas.setFillGray(0.7)
            canvas.rect(p[0], p[1], p[2], p[3], stroke=1, fill=1)
        elif shape.kind == "circle":
            canvas.circle(p[0], p[1], p[2], stroke=1, fill=0)
        elif shape.kind == "curve":
            canvas.bezier(*p)
        else:
            canvas.line(*p)
    canvas.setFillGray(0)


def _bookmarks(canvas: Canvas, marks: list[tuple[str, int, float]], page: int) -> None:
    for index, (text, level, top) in enumerate(marks):
        key = f"p{page}-{index}"
        canvas.bookmarkPage(key, fit="XYZ", top=top)
        canvas.addOutlineEntry(text, key, level=level - 1)


def make_resaved_pdf(pages: Sequence[Sequence[Block]], **kwargs: object) -> bytes:
    """The same text as make_pdf, as another program would save it: new producer and layout."""
    layout = kwargs.pop("layout", None) or Layout()
    assert isinstance(layout, Layout)
    resaved = replace(
        RESAVED_LAYOUT,
        interleave_columns=layout.interleave_columns,
        column_gap=layout.column_gap,
    )
    return make_pdf(pages, layout=resaved, meta=RESAVED_META, **kwargs)  # type: ignore[arg-type]

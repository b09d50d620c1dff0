"""Reading a PDF with pdfium: its metadata, outline, and each page's text runs and graphics."""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from scrapers.model import SuspectError
from scrapers.text import normalise_block

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold", re.IGNORECASE)
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st", "\ufffe": "\x02",
                            "\r": None, "\n": None, "\x00": None})  # fmt: skip
_SPECIAL = re.compile("[\ufb00-\ufb06\ufffe\r\n\x00]")
_TEXT, _PATH, _IMAGE, _SHADING, _FORM = 1, 2, 3, 4, 5
_FORCE_BOLD = 1 << 18
# (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f
Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # left, bottom, right, top
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


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
    font: str = ""
    figure: int = -1  # the index of the figure region the line is a label of, or -1


@dataclass
class Page:
    """A page's lines in content order and the boxes of what is drawn on it."""

    number: int
    width: float
    height: float
    lines: list[Line]
    graphics: list[Box] = field(default_factory=list)
    images: list[Box] = field(default_factory=list)


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark: its title, depth (0 = top) and where it points."""

    title: str
    level: int
    page: int | None  # 1-based
    y: float | None


@dataclass
class _Run:
    """One text object: its text, box, baseline and font."""

    text: str
    box: Box
    base: float
    size: float
    bold: bool
    font: str
    broken: bool = False  # pdfium put a line break before it


def open_pdf(body: bytes) -> pdfium.PdfDocument:
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


def metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    """The document information the history keeps (producer, dates, title, author)."""
    try:
        raw = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return {}
    names = {"Producer": "producer", "Creator": "creator", "CreationDate": "created",
             "ModDate": "modified", "Title": "title", "Author": "author"}  # fmt: skip
    return {names[key]: normalise_block(value) for key, value in raw.items() if key in names}


def outline(pdf: pdfium.PdfDocument) -> list[OutlineEntry]:
    """The PDF's bookmarks in order; empty when it has none or they cannot be read."""
    entries: list[OutlineEntry] = []
    try:
        for item in pdf.get_toc(max_depth=6):
            title = normalise_block(item.get_title() or "")
            if title:
                entries.append(_entry(item, title))
    except (pdfium.PdfiumError, ValueError):
        return []
    return entries


def _entry(item: pdfium.PdfBookmark, title: str) -> OutlineEntry:
    dest = item.get_dest()
    if dest is None:
        return OutlineEntry(title, item.level, None, None)
    index = dest.get_index()
    mode, pos = dest.get_view()
    y = pos[1] if mode == pdfium_c.PDFDEST_VIEW_XYZ and len(pos) >= 2 else None
    return OutlineEntry(title, item.level, None if index is None else index + 1, y)


def read_pages(pdf: pdfium.PdfDocument) -> list[Page]:
    """Every page's lines and graphics; SuspectError if pdfium cannot read a page."""
    pages: list[Page] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                pages.append(read_page(page, index + 1))
            finally:
                page.close()
    except pdfium.PdfiumError as error:
        raise SuspectError(f"PDF is corrupt: {error}") from None
    return pages


def read_page(page: pdfium.PdfPage, number: int) -> Page:
    """Read a page's text into lines, and note where paths and images are drawn."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        runs = _text_runs(textpage.raw)
    finally:
        textpage.close()
    graphics: list[Box] = []
    images: list[Box] = []
    for obj, matrix in _objects(page.raw):
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind in (_PATH, _IMAGE, _SHADING):
            box = _bounds(obj, matrix)
            if box is not None:
                graphics.append(box)
                if kind == _IMAGE:
                    images.append(box)
    return Page(number, width, height, _lines(runs, number, width, height), graphics, images)


# The text object of a character as a plain address: finding where each object's characters
# end compares addresses a few times per object.
_OBJECT_AT = ctypes.cast(
    pdfium_c.FPDFText_GetTextObject,
    ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int),
)


def _page_text(textpage: ctypes.c_void_p, count: int) -> str:
    """The page's characters, one per index (pdfium's text in one call)."""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    got = pdfium_c.FPDFText_GetText(
        textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    text = ctypes.string_at(buffer, 2 * max(0, got - 1)).decode("utf-16-le", "replace")
    if len(text) != count:  # characters beyond the BMP: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(count))
    return text


def _run_end(textpage: int | None, start: int, count: int, target: int) -> int:
    """Where the characters of the object at `start` end: a galloping then binary search,
    so an object costs a few calls rather than one per character."""
    low, step = start, 1
    high = min(count, start + 1)
    while high < count and _OBJECT_AT(textpage, high) == target:
        low, step = high, step * 2
        high = min(count, low + step)
    while high - low > 1:
        middle = (low + high) // 2
        if _OBJECT_AT(textpage, middle) == target:
            low = middle
        else:
            high = middle
    return high


def _text_runs(textpage: ctypes.c_void_p) -> list[_Run]:
    """The page's text as runs, one per text object, in pdfium's order; a space pdfium
    generates between objects is kept at the end of the run before it."""
    count = pdfium_c.FPDFText_CountChars(textpage)
    text = _page_text(textpage, count)
    reader = _RunReader(textpage)
    address = ctypes.cast(textpage, ctypes.c_void_p).value
    runs: list[_Run] = []
    index = 0
    broken = False
    while index < count:
        target = _OBJECT_AT(address, index)
        if not target:  # a generated space or line break
            if runs and text[index] == " " and not runs[-1].text.endswith(" "):
                runs[-1].text += " "
            broken = broken or text[index] in "\r\n"
            index += 1
            continue
        end = _run_end(address, index, count, target)
        run = reader.run(index, end, text[index:end])
        if run is not None:
            run.broken = broken
            runs.append(run)
            broken = False
        index = end
    return runs


class _RunReader:
    """Reads one text object's run: box, baseline, size and font (each font looked up once)."""

    def __init__(self, textpage: ctypes.c_void_p) -> None:
        self.textpage = textpage
        self.fonts: dict[int | None, tuple[bool, str]] = {}
        self.values = tuple(ctypes.c_double() for _ in range(4))
        self.refs = tuple(ctypes.byref(value) for value in self.values)

    def run(self, start: int, end: int, raw: str) -> _Run | None:
        """The run of characters start..end, or None for rotated or empty text."""
        text = raw.translate(_LIGATURES) if _SPECIAL.search(raw) else raw
        if not text.strip():
            return None
        # Rotated text (margin notes, watermarks) cannot be put in reading order.
        angle = pdfium_c.FPDFText_GetCharAngle(self.textpage, start)  # -1 when unknown
        if angle >= 0 and abs(math.sin(angle)) > 0.5:
            return None
        obj = pdfium_c.FPDFText_GetTextObject(self.textpage, start)
        left, bottom, right, top = self._char_box(start)
        last = start + len(raw.rstrip()) - 1
        if last > start:
            _, bottom_last, right, top_last = self._char_box(last)
            bottom, top = min(bottom, bottom_last), max(top, top_last)
        pdfium_c.FPDFText_GetCharOrigin(self.textpage, start, self.refs[0], self.refs[1])
        base = self.values[1].value
        size = _font_size(obj)
        # No lower than the descenders and no shorter than capitals, whatever the first and
        # last characters are.
        box = (left, min(bottom, base - 0.2 * size), max(right, left), max(top, base + 0.7 * size))
        bold, font = self._font(obj)
        return _Run(text, box, base, size, bold, font)

    def _char_box(self, index: int) -> Box:
        left, right, bottom, top = self.values
        pdfium_c.FPDFText_GetCharBox(self.textpage, index, *self.refs)
        return (left.value, bottom.value, right.value, top.value)

    def _font(self, obj: ctypes.c_void_p) -> tuple[bool, str]:
        """(bold, name without subset prefix) of a text object's font."""
        handle = pdfium_c.FPDFTextObj_GetFont(obj)
        key = ctypes.cast(handle, ctypes.c_void_p).value
        known = self.fonts.get(key)
        if known is not None:
            return known
        name = ""
        if handle:
            buffer = ctypes.create_string_buffer(256)
            pdfium_c.FPDFFont_GetBaseFontName(handle, buffer, len(buffer))
            name = _SUBSET.sub("", buffer.value.decode("utf-8", "replace"))
        weight = pdfium_c.FPDFFont_GetWeight(handle) if handle else -1
        flags = pdfium_c.FPDFFont_GetFlags(handle) if handle else 0
        # Some producers report nonsense weights (3912): only a CSS-like weight counts.
        bold = 600 <= weight <= 1000 or bool(flags & _FORCE_BOLD) or bool(_BOLD_NAME.search(name))
        self.fonts[key] = (bold, name)
        return bold, name


def _font_size(obj: ctypes.c_void_p) -> float:
    """The object's font size as drawn: the size it sets, scaled by its text matrix."""
    size = ctypes.c_float()
    if not obj or not pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(size)):
        return 1.0
    a, b, c, d, _, _ = _matrix(obj)
    return round(size.value * math.sqrt(abs(a * d - b * c)) * 2) / 2 or 1.0


def _objects(page: ctypes.c_void_p) -> Iterator[tuple[ctypes.c_void_p, Matrix]]:
    """The page's objects in drawing order, with the matrix of the form each sits in."""
    for index in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, index)
        yield obj, _IDENTITY
        if pdfium_c.FPDFPageObj_GetType(obj) == _FORM:
            yield from _form_objects(obj, _IDENTITY, 1)


def _form_objects(
    form: ctypes.c_void_p, outer: Matrix, depth: int
) -> Iterator[tuple[ctypes.c_void_p, Matrix]]:
    if depth > 8:
        return
    matrix = _compose(_matrix(form), outer)
    for index in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, index)
        yield obj, matrix
        if pdfium_c.FPDFPageObj_GetType(obj) == _FORM:
            yield from _form_objects(obj, matrix, depth + 1)


def _matrix(obj: ctypes.c_void_p) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner` then `outer`."""
    a, b, c, d, e, f = inner
    p, q, r, s, t, u = outer
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def _bounds(obj: ctypes.c_void_p, matrix: Matrix) -> Box | None:
    """The object's box on the page (forms' contents are mapped through their matrix)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
        return None
    box = (left.value, bottom.value, right.value, top.value)
    if matrix is _IDENTITY:
        return box
    a, b, c, d, e, f = matrix
    xs = [a * x + c * y + e for x in (box[0], box[2]) for y in (box[1], box[3])]
    ys = [b * x + d * y + f for x in (box[0], box[2]) for y in (box[1], box[3])]
    return (min(xs), min(ys), max(xs), max(ys))


def _lines(runs: list[_Run], number: int, width: float, height: float) -> list[Line]:
    """Join runs that follow each other on one baseline into lines, in content order."""
    lines: list[Line] = []
    current: list[_Run] = []
    for run in runs:
        if current and not _continues(current, run):
            lines.append(_finish(current, number, width, height))
            current = []
        current.append(run)
    if current:
        lines.append(_finish(current, number, width, height))
    return lines


def _continues(line: list[_Run], run: _Run) -> bool:
    """True when a run sits on the line's baseline just after its last run."""
    last = line[-1]
    tall = max(run.size, last.size)
    if abs(run.base - line[0].base) > 0.45 * tall:
        return False
    return last.box[2] - 0.5 * tall <= run.box[0] <= last.box[2] + 1.5 * tall


def _finish(runs: list[_Run], page: int, width: float, height: float) -> Line:
    """Turn a line's runs into a Line with its extent and dominant font."""
    if len(runs) == 1:
        run = runs[0]
        return Line(page, " ".join(run.text.split()), run.box[0], run.box[2], run.box[3],
                    run.box[1], run.base, run.size, run.bold, width, height, run.font)  # fmt: skip
    parts: list[str] = []
    weights: Counter[float] = Counter()
    fonts: Counter[str] = Counter()
    bold = 0
    for index, run in enumerate(runs):
        text = run.text
        if index and parts:
            # pdfium puts spaces between words; runs it saw on separate lines, or far
            # apart, are separate words too.
            gap = run.box[0] - runs[index - 1].box[2]
            spaced = parts[-1][-1:].isspace() or text[:1].isspace()
            if not spaced and (run.broken or gap > 0.5 * run.size):
                parts.append(" ")
        parts.append(text)
        count = len(text.strip())
        weights[run.size] += count
        fonts[run.font] += count
        bold += count if run.bold else 0
    text = " ".join("".join(parts).split())
    boxes = [run.box for run in runs]
    font, in_font = fonts.most_common(1)[0]
    total = sum(weights.values())
    return Line(
        page=page,
        text=text,
        x0=min(b[0] for b in boxes),
        x1=max(b[2] for b in boxes),
        top=max(b[3] for b in boxes),
        bottom=min(b[1] for b in boxes),
        base=runs[0].base,
        size=weights.most_common(1)[0][0],
        bold=bold >= 0.8 * total,
        page_width=width,
        page_height=height,
        font=font if in_font >= 0.8 * total else "",  # "" for a line of mixed fonts
    )

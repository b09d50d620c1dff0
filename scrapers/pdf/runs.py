"""A page's text as pdfium sees it, one run per text object, joined into lines.

Speed matters here (every character of every page passes through): pdfium is asked for the
page's text in one call and for each text object's font, size and box once, never for each
character. Objects are compared as plain addresses through prototypes taking `void *`.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c

from scrapers.pdf.geometry import Box

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold", re.IGNORECASE)
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st", "\ufffe": "\x02",
                            "\r": None, "\n": None, "\x00": None})  # fmt: skip
_SPECIAL = re.compile("[\ufb00-\ufb06\ufffe\r\n\x00]")
_FORCE_BOLD = 1 << 18
_VOID, _INT, _FLOAT = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
_FLOATS = ctypes.POINTER(_FLOAT)


def _prototype(function: object, result: object, *arguments: object) -> Any:
    """pdfium's function with plain `void *` handles: addresses go in and come out as ints."""
    return ctypes.cast(function, ctypes.CFUNCTYPE(result, *arguments))  # type: ignore[arg-type]


_OBJECT_AT = _prototype(pdfium_c.FPDFText_GetTextObject, _VOID, _VOID, _INT)
_MATRIX = _prototype(
    pdfium_c.FPDFPageObj_GetMatrix, _INT, _VOID, ctypes.POINTER(pdfium_c.FS_MATRIX)
)
_BOUNDS = _prototype(
    pdfium_c.FPDFPageObj_GetBounds, _INT, _VOID, _FLOATS, _FLOATS, _FLOATS, _FLOATS
)
_FONT_SIZE = _prototype(pdfium_c.FPDFTextObj_GetFontSize, _INT, _VOID, _FLOATS)
_FONT = _prototype(pdfium_c.FPDFTextObj_GetFont, _VOID, _VOID)
_FONT_NAME = _prototype(
    pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_size_t, _VOID, ctypes.c_char_p, ctypes.c_size_t
)
_FONT_WEIGHT = _prototype(pdfium_c.FPDFFont_GetWeight, _INT, _VOID)
_FONT_FLAGS = _prototype(pdfium_c.FPDFFont_GetFlags, _INT, _VOID)
_CHAR_BOX = _prototype(
    pdfium_c.FPDFText_GetCharBox, _INT, _VOID, _INT, *[ctypes.POINTER(ctypes.c_double)] * 4
)
_DOUBLES = ctypes.POINTER(ctypes.c_double)
_CHAR_ORIGIN = _prototype(pdfium_c.FPDFText_GetCharOrigin, _INT, _VOID, _INT, _DOUBLES, _DOUBLES)


@dataclass(slots=True)
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
    font: str = ""  # "" when the line mixes fonts
    figure: int = -1  # the index of the figure region the line is a label of, or -1


@dataclass(slots=True)
class Run:
    """One text object's characters: text, box, baseline and font."""

    text: str
    box: Box
    base: float
    size: float
    bold: bool
    font: str
    broken: bool = False  # pdfium put a line break before it


def page_text(textpage: int, count: int) -> str:
    """The page's characters, one per index (pdfium's text in one call)."""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    got = pdfium_c.FPDFText_GetText(
        ctypes.cast(textpage, pdfium_c.FPDF_TEXTPAGE), 0, count,
        ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
    )  # fmt: skip
    text = ctypes.string_at(buffer, 2 * max(0, got - 1)).decode("utf-16-le", "replace")
    if len(text) != count:  # characters beyond the BMP: read them one by one
        raw = ctypes.cast(textpage, pdfium_c.FPDF_TEXTPAGE)
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(count))
    return text


def _run_end(textpage: int, start: int, limit: int, target: int) -> int:
    """Where the characters of the object at `start` end, at most at `limit`: often the end
    of the line; else a galloping then binary search, a few calls rather than one a character."""
    if _OBJECT_AT(textpage, limit - 1) == target:
        return limit
    low, step = start, 1
    high = min(limit, start + 1)
    while high < limit and _OBJECT_AT(textpage, high) == target:
        low, step = high, step * 2
        high = min(limit, low + step)
    while high - low > 1:
        middle = (low + high) // 2
        if _OBJECT_AT(textpage, middle) == target:
            low = middle
        else:
            high = middle
    return high


def text_runs(textpage: int, in_forms: bool) -> list[Run]:
    """The page's text as runs, one per text object, in pdfium's order; a space pdfium
    generates between objects is kept at the end of the run before it. `in_forms` says
    some objects sit in forms, whose boxes are not in page space."""
    count = pdfium_c.FPDFText_CountChars(ctypes.cast(textpage, pdfium_c.FPDF_TEXTPAGE))
    text = page_text(textpage, count)
    reader = _RunReader(textpage, in_forms)
    runs: list[Run] = []
    index = 0
    broken = False
    while index < count:
        if text[index] in "\r\n":  # pdfium's line break, never a character of the PDF
            broken = True
            index += 1
            continue
        target = _OBJECT_AT(textpage, index)
        if not target:  # a generated space
            if runs and text[index] == " " and not runs[-1].text.endswith(" "):
                runs[-1].text += " "
            broken = broken or text[index] in "\r\n"
            index += 1
            continue
        # pdfium ends each line it sees with a generated line break: no object runs past one.
        line_end = text.find("\r\n", index)
        end = _run_end(textpage, index, count if line_end < 0 else line_end, target)
        run = reader.run(target, index, text[index:end])
        if run is not None:
            run.broken = broken
            runs.append(run)
            broken = False
        index = end
    return runs


class _RunReader:
    """Reads one text object's run: box, baseline, size and font (each font looked up once)."""

    def __init__(self, textpage: int, in_forms: bool) -> None:
        self.textpage = textpage
        self.in_forms = in_forms
        self.fonts: dict[int | None, tuple[bool, str]] = {}
        self.matrix = pdfium_c.FS_MATRIX()
        self.floats = tuple(_FLOAT() for _ in range(4))
        self.float_refs = tuple(ctypes.pointer(value) for value in self.floats)
        self.doubles = tuple(ctypes.c_double() for _ in range(4))
        self.double_refs = tuple(ctypes.pointer(value) for value in self.doubles)

    def run(self, obj: int, start: int, raw: str) -> Run | None:
        """The run of the object `obj` from character `start`, or None for rotated or
        empty text."""
        text = raw.translate(_LIGATURES) if _SPECIAL.search(raw) else raw
        if not text.strip() or not _MATRIX(obj, self.matrix):
            return None
        m = self.matrix
        # Rotated text (margin notes, watermarks) cannot be put in reading order.
        if abs(m.b) > abs(m.a) or abs(m.c) > abs(m.d):
            return None
        size = 1.0
        if _FONT_SIZE(obj, self.float_refs[0]):
            scaled = self.floats[0].value * math.sqrt(abs(m.a * m.d - m.b * m.c))
            size = round(scaled * 2) / 2 or 1.0
        box, base = self._box(obj, start, len(raw.rstrip()), m.f)
        # No lower than the descenders and no shorter than capitals, whatever the glyphs.
        box = (box[0], min(box[1], base - 0.2 * size), box[2], max(box[3], base + 0.7 * size))
        bold, font = self._font(obj)
        return Run(text, box, base, size, bold, font)

    def _box(self, obj: int, start: int, length: int, base: float) -> tuple[Box, float]:
        """The run's box and baseline: the object's own when it is drawn on the page itself,
        else from its first and last characters (a form maps them elsewhere)."""
        if not self.in_forms and _BOUNDS(obj, *self.float_refs):
            left, bottom, right, top = (value.value for value in self.floats)
            return (left, bottom, right, top), base
        x, y = self.double_refs[0], self.double_refs[1]
        _CHAR_ORIGIN(self.textpage, start, x, y)
        base = self.doubles[1].value
        left, bottom, right, top = self._char_box(start)
        if length > 1:
            _, bottom_last, right, top_last = self._char_box(start + length - 1)
            bottom, top = min(bottom, bottom_last), max(top, top_last)
        return (left, bottom, max(left, right), top), base

    def _char_box(self, index: int) -> Box:
        _CHAR_BOX(self.textpage, index, *self.double_refs)
        left, right, bottom, top = (value.value for value in self.doubles)
        return (left, bottom, right, top)

    def _font(self, obj: int) -> tuple[bool, str]:
        """(bold, name without subset prefix) of a text object's font."""
        handle = _FONT(obj)
        known = self.fonts.get(handle)
        if known is not None:
            return known
        name = ""
        if handle:
            buffer = ctypes.create_string_buffer(256)
            _FONT_NAME(handle, buffer, len(buffer))
            name = _SUBSET.sub("", buffer.value.decode("utf-8", "replace"))
        weight = _FONT_WEIGHT(handle) if handle else -1
        flags = _FONT_FLAGS(handle) if handle else 0
        # Some producers report nonsense weights (3912): only a CSS-like weight counts.
        bold = 600 <= weight <= 1000 or bool(flags & _FORCE_BOLD) or bool(_BOLD_NAME.search(name))
        self.fonts[handle] = (bold, name)
        return bold, name


def lines(runs: list[Run], number: int, width: float, height: float) -> list[Line]:
    """Join runs that follow each other on one baseline into lines, in content order."""
    result: list[Line] = []
    current: list[Run] = []
    for run in runs:
        if current and not _continues(current, run):
            result.append(_finish(current, number, width, height))
            current = []
        current.append(run)
    if current:
        result.append(_finish(current, number, width, height))
    return result


def _continues(line: list[Run], run: Run) -> bool:
    """True when a run sits on the line's baseline just after its last run."""
    last = line[-1]
    tall = max(run.size, last.size)
    if abs(run.base - line[0].base) > 0.45 * tall:
        return False
    return last.box[2] - 0.5 * tall <= run.box[0] <= last.box[2] + 1.5 * tall


def _finish(runs: list[Run], page: int, width: float, height: float) -> Line:
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

"""Reading a PDF with pdfium: its metadata, outline, and each page's lines and graphics."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from scrapers.model import SuspectError
from scrapers.pdf.geometry import IDENTITY, Box, Matrix, bounds, compose, matrix
from scrapers.pdf.runs import Line, lines, text_runs
from scrapers.text import normalise_block

_TEXT, _PATH, _IMAGE, _SHADING, _FORM = 1, 2, 3, 4, 5

__all__ = [
    "PDFIUM",
    "Box",
    "Line",
    "OutlineEntry",
    "Page",
    "metadata",
    "open_pdf",
    "outline",
    "read_pages",
]

# pdfium is not thread-safe, not even for different documents (pypdfium2's documentation:
# calls from two threads at once may crash or corrupt the process), and the Prefect flow
# checks sources side by side in threads. Hold this from opening a PDF to closing it.
PDFIUM = threading.Lock()


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
    graphics: list[Box] = []
    images: list[Box] = []
    in_forms = False
    for obj, outer in _objects(page.raw):
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        in_forms = in_forms or outer is not IDENTITY
        if kind in (_PATH, _IMAGE, _SHADING):
            box = bounds(obj, outer)
            if box is not None:
                graphics.append(box)
                if kind == _IMAGE:
                    images.append(box)
    textpage = page.get_textpage()
    try:
        runs = text_runs(ctypes.cast(textpage.raw, ctypes.c_void_p).value or 0, in_forms)
    finally:
        textpage.close()
    return Page(number, width, height, lines(runs, number, width, height), graphics, images)


def _objects(page: ctypes.c_void_p) -> Iterator[tuple[ctypes.c_void_p, Matrix]]:
    """The page's objects in drawing order, with the matrix of the form each sits in."""
    for index in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, index)
        yield obj, IDENTITY
        if pdfium_c.FPDFPageObj_GetType(obj) == _FORM:
            yield from _form_objects(obj, IDENTITY, 1)


def _form_objects(
    form: ctypes.c_void_p, outer: Matrix, depth: int
) -> Iterator[tuple[ctypes.c_void_p, Matrix]]:
    if depth > 8:
        return
    inner = compose(matrix(form), outer)
    for index in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, index)
        yield obj, inner
        if pdfium_c.FPDFPageObj_GetType(obj) == _FORM:
            yield from _form_objects(obj, inner, depth + 1)

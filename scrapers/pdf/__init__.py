"""PDF documents: faithful text in sections, read with pdfium (pdf-link: scrapers/discover).

read (pdfium: pages, lines, graphics, outline) -> layout (running lines, figures, reading
order) -> blocks (paragraphs, items, hyphens) -> headings (outline or styles; sections)
-> document (the whole document, title) -> extractor (the registered extractor).
extract_pdf and text_lines load pdfium on first use: registering the extractor does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapers.pdf.extractor import PDF, PdfExtractor

if TYPE_CHECKING:
    from scrapers.pdf.document import extract_pdf, text_lines

__all__ = ["PDF", "PdfExtractor", "extract_pdf", "text_lines"]


def __getattr__(name: str) -> Any:
    """extract_pdf and text_lines, from scrapers.pdf.document (pdfium) when first asked for."""
    if name in ("extract_pdf", "text_lines"):
        from scrapers.pdf import document

        return getattr(document, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""PDF documents: faithful text in sections, read with pdfium (pdf-link: scrapers/discover).

read (pdfium: pages, lines, graphics, outline) -> layout (running lines, figures, reading
order) -> blocks (paragraphs, items, hyphens) -> headings (outline or styles; sections)
-> extractor (the whole document, title, the registered extractors).
"""

from scrapers.pdf.blocks import Block, block_text, build_blocks, join_lines
from scrapers.pdf.extractor import (
    PDF,
    PdfExtractor,
    body_style,
    extract_pdf,
    text_lines,
)
from scrapers.pdf.headings import classify, sections_from_blocks
from scrapers.pdf.layout import drop_running_lines, merge_rows, reading_order
from scrapers.pdf.read import Line, Page, open_pdf, read_pages

__all__ = [
    "PDF",
    "Block",
    "Line",
    "Page",
    "PdfExtractor",
    "block_text",
    "body_style",
    "build_blocks",
    "classify",
    "drop_running_lines",
    "extract_pdf",
    "join_lines",
    "merge_rows",
    "open_pdf",
    "read_pages",
    "reading_order",
    "sections_from_blocks",
    "text_lines",
]

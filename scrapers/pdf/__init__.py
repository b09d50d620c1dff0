"""PDF documents: faithful text in sections, read with pdfium (pdf-link: scrapers/discover).

read (pdfium: pages, lines, graphics, outline) -> layout (running lines, figures, reading
order) -> blocks (paragraphs, items, hyphens) -> headings (outline or styles; sections)
-> extractor (the whole document, title, the registered extractors).
"""

from scrapers.pdf.extractor import PDF, PdfExtractor, extract_pdf, text_lines

__all__ = ["PDF", "PdfExtractor", "extract_pdf", "text_lines"]

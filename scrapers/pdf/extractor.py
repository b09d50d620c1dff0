"""The PDF extractor: a whole PDF read into sections (index-page PDFs: scrapers/discover).

The reading itself (scrapers/pdf/document.py, with pdfium) is imported only when a body is
read: a run whose PDFs all answer 304 does not load pypdfium2.
"""

from __future__ import annotations

from scrapers.base import SinglePage, register
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError


def _require_pdf(fetched: Fetched) -> None:
    if fetched.content_kind != "pdf":
        kind = (
            "an HTML page" if fetched.content_kind == "html" else f"a {fetched.content_kind} body"
        )
        raise SuspectError(f"expected a PDF at {fetched.final_url}, got {kind}", fetched=fetched)


class PdfExtractor(SinglePage):
    """A PDF at a fixed URL."""

    kind = "pdf"
    # pdf-2: text objects, outline headings, style consistency, figures, word-list hyphens,
    # first-page titles.
    version = "pdf-2"

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Sections of the PDF; SuspectError when the body is not a readable PDF with text."""
        from scrapers.pdf.document import extract_pdf

        _require_pdf(fetched)
        try:
            return extract_pdf(fetched.body)
        except SuspectError as error:
            raise SuspectError(str(error), fetched=fetched) from None


PDF = register(PdfExtractor())

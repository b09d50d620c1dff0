"""Kind pdf-link: a PDF found afresh on every run by the document's discovery methods."""

from __future__ import annotations

from scrapers.base import Getter, register
from scrapers.discover.finder import discover
from scrapers.model import DocumentSpec
from scrapers.pdf import PdfExtractor


class PdfLinkExtractor(PdfExtractor):
    """The PDF the site offers under a title matching `spec.link_text`, wherever it now is."""

    kind = "pdf-link"  # the version is PdfExtractor's: the same extraction

    def discover(self, spec: DocumentSpec, get: Getter) -> str:
        """Try the document's methods in order (default: its index page) and rank the matches."""
        return discover(spec, get)


PDF_LINK = register(PdfLinkExtractor())

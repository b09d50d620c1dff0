"""The extractor contract and the registry of extractors by kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from typing import Protocol

from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from scrapers.sniff import describe

Getter = Callable[[str], Fetched]


class Extractor(Protocol):
    """Turns a document spec into a URL and served bytes into sections."""

    kind: str
    version: str

    def discover(self, spec: DocumentSpec, get: Getter) -> str:
        """Return the URL to fetch now (may fetch an index page through `get`)."""
        ...

    def related(self, spec: DocumentSpec, fetched: Fetched) -> list[str]:
        """Return extra URLs whose bodies `extract` needs (fetched into `fetched.related`)."""
        ...

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Pure: bytes in, sections out; raise SuspectError when the body is not the document."""
        ...


class SinglePage:
    """The common case: a document is its own URL and needs no other body."""

    def discover(self, spec: DocumentSpec, get: Getter) -> str:
        """The document is its own URL."""
        return spec.url

    def related(self, spec: DocumentSpec, fetched: Fetched) -> list[str]:
        """Nothing else is needed."""
        return []


EXTRACTORS: dict[str, Extractor] = {}
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TAG = re.compile(rb"<[a-zA-Z!/]")


def _markup(body: bytes) -> bool:
    """Text without control bytes that holds at least one tag: markup without an <html> start."""
    return not _CONTROL.search(body) and bool(_TAG.search(body))


_KIND_NAMES = {"html": "an HTML page", "json": "JSON", "pdf": "a PDF", "text": "text"}


def check_content_kind(extractor: object, fetched: Fetched) -> None:
    """Refuse a body whose sniffed kind the extractor cannot read, before it tries to.

    An extractor lists what it reads in `content_kinds` ("html", "json", "pdf"...); one that
    lists nothing reads anything. An HTML extractor also takes text that is markup without an
    <html> start; random bytes served as text/html are never read as a page.
    """
    accepts: tuple[str, ...] = tuple(getattr(extractor, "content_kinds", ()) or ())
    kind = fetched.content_kind
    if not accepts or kind in accepts or not fetched.body and fetched.status == 304:
        return
    if kind == "text" and "html" in accepts and _markup(fetched.body):
        return
    wanted = " or ".join(_KIND_NAMES.get(kind, kind) for kind in accepts)
    sent = (
        "an empty body" if not fetched.body else describe(kind, fetched.headers.get("content-type"))
    )
    raise SuspectError(
        f"expected {wanted} at {fetched.final_url} but the server sent {sent}: not stored",
        status=fetched.status,
        fetched=fetched,
    )


def register(extractor: Extractor) -> Extractor:
    """Add an extractor to the registry under its kind."""
    EXTRACTORS[extractor.kind] = extractor
    return extractor


# The module that registers each built-in kind: a run imports only those of its documents'
# kinds (scrapers.kinds, all of them, for a kind not here), and each reads bodies with bs4 or
# pdfium only when a body must be read.
BUILT_IN = {
    "html": "scrapers.html",
    "pdf": "scrapers.pdf",
    "govuk": "scrapers.govuk",
    "nice-chapter": "scrapers.nice",
    "pdf-link": "scrapers.discover.kind",
}


def get_extractor(kind: str) -> Extractor:
    """Return the extractor for a kind, loading the built-in module that registers it first."""
    if kind not in EXTRACTORS:
        if kind in BUILT_IN:
            import_module(BUILT_IN[kind])
        if kind not in EXTRACTORS:
            import scrapers.kinds  # noqa: F401  (registers every built-in extractor)
    try:
        return EXTRACTORS[kind]
    except KeyError:
        known = ", ".join(sorted(EXTRACTORS))
        raise KeyError(f"unknown document kind {kind!r} (known: {known})") from None

"""The extractor contract and the registry of extractors by kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scrapers.model import Document, DocumentSpec, Fetched

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


def register(extractor: Extractor) -> Extractor:
    """Add an extractor to the registry under its kind."""
    EXTRACTORS[extractor.kind] = extractor
    return extractor


def get_extractor(kind: str) -> Extractor:
    """Return the extractor for a kind, loading the built-in ones first."""
    import scrapers.kinds  # noqa: F401  (registers the built-in extractors)

    try:
        return EXTRACTORS[kind]
    except KeyError:
        known = ", ".join(sorted(EXTRACTORS))
        raise KeyError(f"unknown document kind {kind!r} (known: {known})") from None

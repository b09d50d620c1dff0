"""Plain values that flow out of the fetch + extract stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocumentSpec:
    """One watched document as declared in the sources file."""

    id: str
    source: str
    title: str
    kind: str
    url: str
    selector: str | None = None
    link_text: str | None = None
    live_url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetched:
    """One HTTP response as served, with its history."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    content_kind: str
    redirects: tuple[str, ...] = ()
    duration_ms: int = 0
    related: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """One stable, citable piece of a document's text."""

    key: str
    heading_path: tuple[str, ...]
    text: str
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Document:
    """The text a publisher served, in ordered sections."""

    sections: tuple[Section, ...]
    title: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All section texts joined, for hashing and size checks."""
        return "\n\n".join(s.text for s in self.sections)


class ScrapeError(Exception):
    """A document could not be fetched or extracted; outcome says how it is recorded."""

    outcome = "failed"

    def __init__(self, message: str, *, status: int | None = None, fetched: Fetched | None = None):
        super().__init__(message)
        self.status = status
        self.fetched = fetched


class StoppedError(ScrapeError):
    """The run stopped (its fetcher closed) before this request was made: not the site's fault."""

    outcome = "cancelled"


class GoneError(ScrapeError):
    """The publisher says the document no longer exists (404/410)."""

    outcome = "gone"


class SuspectError(ScrapeError):
    """A body was served but it is not the document (captcha, error page, empty text)."""

    outcome = "suspect"

"""What discovery finds, what it tried, and the options a sources file gives it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from scrapers.model import DocumentSpec, ScrapeError

METHODS = ("wp-media", "sitemap", "index-page", "redirect")
SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml")


@dataclass(frozen=True)
class Candidate:
    """One file that a method found and whose title, link text or file name was read."""

    url: str
    title: str
    method: str
    found_on: str
    date: str = ""  # ISO-like: "2025-03-14", "2025-03" or "2025"; "" when nothing says
    exact: bool = False  # the title equals the document's exact_title


@dataclass(frozen=True)
class Attempt:
    """One method tried, where, and what came of it."""

    method: str
    where: str
    result: str


@dataclass(frozen=True)
class Record:
    """Everything one discovery did: kept as JSON in the fetch log."""

    method: str | None
    chosen: str | None
    reason: str
    attempts: tuple[Attempt, ...] = ()
    candidates: tuple[Candidate, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return asdict(self)

    def summary(self) -> str:
        """One line for the run output: what was chosen, how, and among how many."""
        if self.chosen is None:
            return self.reason
        title = next((c.title for c in self.candidates if c.url == self.chosen), "")
        named = f" {title!r}" if title else ""
        return f"found by {self.method}:{named} ({self.reason})"


class Found(str):
    """The URL discovery chose, carrying the record of how (a str, so callers need not care)."""

    record: Record

    def __new__(cls, url: str, record: Record) -> Found:
        """Make the URL string and attach its record."""
        found = super().__new__(cls, url)
        found.record = record
        return found


class DiscoveryError(ScrapeError):
    """No file could be chosen: nothing matched, or the match is ambiguous."""

    def __init__(self, message: str, record: Record) -> None:
        super().__init__(message)
        self.record = record


@dataclass(frozen=True)
class Options:
    """How to look for a document's file (the sources file's `discover` table)."""

    pattern: str
    methods: tuple[str, ...] = ("index-page",)
    site: str = ""
    search: str = ""
    index_pages: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = SITEMAPS
    pages: str = ""
    max_pages: int = 10
    redirect: str = ""
    exact_title: str = ""

    @classmethod
    def of(cls, spec: DocumentSpec) -> Options:
        """Read the options of a spec, with defaults taken from its url and link_text."""
        raw: Mapping[str, Any] = spec.options.get("discover", {}) or {}
        pattern = spec.link_text or ""
        from scrapers.robots import origin_url  # httpx: not for commands that only read options

        site = str(raw.get("site") or origin_url(spec.url)).rstrip("/")
        words = " ".join(re.findall(r"[A-Za-z0-9]+", pattern))
        return cls(
            pattern=pattern,
            methods=tuple(raw.get("methods", ("index-page",))),
            site=site,
            search=str(raw.get("search") or words),
            index_pages=tuple(raw.get("index_pages", (spec.url,))),
            sitemaps=tuple(raw.get("sitemaps", SITEMAPS)),
            pages=str(raw.get("pages", "")),
            max_pages=int(raw.get("max_pages", 10)),
            redirect=str(raw.get("redirect", "")),
            exact_title=str(raw.get("exact_title", "")),
        )

    def absolute(self, path_or_url: str) -> str:
        """A sitemap or API path made absolute on the site."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.site + "/" + path_or_url.lstrip("/")

"""Which archive captures stand for a document: its own URL's, or for pdf-link the linked files'.

For a pdf-link document the index page's captures tell which file it linked to when; a
prefix search over the folders those files sit in (the site's upload folders) adds earlier
editions whose file name matches one of them once digits are set aside. A capture of a file
counts only while the index page linked to that file (or, for files only the prefix search
found, before the first capture of the index page).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from scrapers.base import get_extractor
from scrapers.decode import decode_text
from scrapers.links import file_name, find_pdf_link
from scrapers.model import DocumentSpec, Fetched, ScrapeError
from scrapers.wayback import Capture, WaybackClient

log = logging.getLogger("guidewatch.backfill")
UPLOADS = re.compile(r"/wp-content/uploads/|/sites/[^/]+/files/", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """The part of the archive's history a backfill asks for (14-digit prefixes or None)."""

    start: str | None = None
    end: str | None = None


def stem(url: str) -> str:
    """A file name with its digits, version marks and extension set aside ("guide")."""
    name = re.sub(r"\.pdf$", "", file_name(url).lower())
    words = [w for w in re.split(r"[^a-z]+", name) if w and w not in {"v", "final", "rev"}]
    return "-".join(words)


def folder(url: str) -> str:
    """The upload folder a file sits in (WordPress, Drupal), else its directory: a CDX prefix."""
    found = UPLOADS.search(url)
    return url[: found.end()] if found else url.rsplit("/", 1)[0] + "/"


class _NoNetwork(Exception):
    """Discovery wanted to fetch something: the document is not at a fixed address."""


def _refuse(url: str) -> Fetched:
    raise _NoNetwork(url)


def fetch_url(spec: DocumentSpec) -> str:
    """The address a live fetch asks for (GOV.UK: the Content API), found without fetching."""
    try:
        return get_extractor(spec.kind).discover(spec, _refuse)
    except (_NoNetwork, ScrapeError, KeyError):
        return spec.url


def page_captures(client: WaybackClient, spec: DocumentSpec, window: Window) -> list[Capture]:
    """Every capture of the document's own URL.

    Not collapsed by digest: a repeat costs no memento (its bytes are read from the first
    capture with that digest) and becomes a fetch row that confirms the version on its date.
    """
    url = fetch_url(spec)
    return client.search(url, start=window.start, end=window.end, collapse_digest=False)


def linked_file(client: WaybackClient, spec: DocumentSpec, capture: Capture) -> str | None:
    """The PDF an archived index page linked to under the document's link text."""
    if capture.statuscode not in (None, 200) or not spec.link_text:
        return None
    try:
        page = client.cached_memento(capture).fetched
        html = decode_text(page.body, page.headers.get("content-type"))
        return find_pdf_link(html, capture.original, spec.link_text)
    except (ScrapeError, ValueError) as error:
        log.warning("%s: index capture %s unreadable: %s", spec.id, capture.timestamp, error)
        return None


def pdf_link_captures(client: WaybackClient, spec: DocumentSpec, window: Window) -> list[Capture]:
    """Captures of the files an index page linked to, each while it was the linked one."""
    links: list[tuple[str, str]] = []  # (index capture timestamp, linked file)
    for capture in client.search(spec.url, start=window.start, end=window.end):
        found = linked_file(client, spec, capture)
        if found and (not links or links[-1][1] != found):
            links.append((capture.timestamp, found))
    files = list(dict.fromkeys(url for _, url in links))
    stems = {stem(url) for url in files}
    earlier: list[str] = []
    for prefix in dict.fromkeys(folder(url) for url in files):
        for hit in client.search(
            prefix, prefix=True, mimetype="application/pdf", start=window.start, end=window.end
        ):
            if hit.original not in files and stem(hit.original) in stems:
                earlier.append(hit.original)
    first_index = links[0][0] if links else None
    chosen: list[Capture] = []
    for url in files + list(dict.fromkeys(earlier)):
        for capture in client.search(
            url, start=window.start, end=window.end, collapse_digest=False
        ):
            if _linked_then(links, first_index, url, capture.timestamp):
                chosen.append(capture)
    return sorted(chosen, key=lambda c: c.timestamp)


def _linked_then(
    links: list[tuple[str, str]], first_index: str | None, url: str, timestamp: str
) -> bool:
    """Was this file the linked one at that moment (or, before the index was captured, any)?"""
    if first_index is None or timestamp < first_index:
        return True
    current = None
    for since, linked in links:
        if since <= timestamp:
            current = linked
    return current == url


def captures_for(client: WaybackClient, spec: DocumentSpec, window: Window) -> list[Capture]:
    """The captures whose bodies stand for the document, oldest first."""
    if spec.kind == "pdf-link":
        return pdf_link_captures(client, spec, window)
    return page_captures(client, spec, window)

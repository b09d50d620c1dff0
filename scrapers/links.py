"""Find the PDF links on an index page, and the one a document's title pattern names."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.text import normalise_block

# WordPress and Drupal upload folders: links there are files even without a .pdf ending.
_UPLOADS = re.compile(r"/wp-content/uploads/|/sites/[^/]+/files/", re.IGNORECASE)
# mod_pagespeed rewrites "<file>.pdf" to "<file>.pdf.pagespeed.ce.<hash>.pdf".
_PAGESPEED = re.compile(r"(\.pdf)\.pagespeed\.[a-z]{2}\.[^/]*\.pdf$", re.IGNORECASE)


def looks_like_pdf(url: str) -> bool:
    """True when a URL's path ends in .pdf, or sits in a CMS upload folder with no other type."""
    path = urlsplit(url).path
    if path.lower().endswith(".pdf"):
        return True
    other_type = re.search(r"\.[A-Za-z0-9]{1,5}$", path.rsplit("/", 1)[-1])
    return bool(_UPLOADS.search(path)) and not other_type


def file_name(url: str) -> str:
    """The decoded file name of a URL, with any pagespeed rewrite undone."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return _PAGESPEED.sub(r"\1", name)


def _link_text(anchor: Tag) -> str:
    text = normalise_block(anchor.get_text(" "))
    if not text:
        image = anchor.find("img")
        if isinstance(image, Tag) and image.get("alt"):
            text = normalise_block(str(image["alt"]))
    return text


def _anchors(html: str, base_url: str) -> list[tuple[Tag, str]]:
    soup = BeautifulSoup(html, "html.parser")
    found: list[tuple[Tag, str]] = []
    for anchor in soup.find_all("a", href=True):
        if not isinstance(anchor, Tag):
            continue
        href = str(anchor["href"]).strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urljoin(base_url, href)
        if looks_like_pdf(url):
            found.append((anchor, url))
    return found


def pdf_anchors(html: str, base_url: str) -> list[tuple[tuple[str, str], str]]:
    """Every PDF link as ((link text or file name, title attribute), absolute URL), in order."""
    return [
        ((_link_text(a) or file_name(url), normalise_block(str(a.get("title", "")))), url)
        for a, url in _anchors(html, base_url)
    ]


def find_pdf_link(html: str, base_url: str, pattern: str) -> str | None:
    """The absolute URL of the first PDF link whose text, title or file name matches `pattern`.

    `pattern` is a case-insensitive regular expression, searched (not anchored). The file name
    is tried as written and with "-" and "_" read as spaces.
    """
    try:
        wanted = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"invalid link pattern {pattern!r}: {error}") from None
    for anchor, url in _anchors(html, base_url):
        name = file_name(url)
        candidates = (
            _link_text(anchor),
            normalise_block(str(anchor.get("title", ""))),
            name,
            re.sub(r"[-_]+", " ", name),
        )
        if any(text and wanted.search(text) for text in candidates):
            return url
    return None

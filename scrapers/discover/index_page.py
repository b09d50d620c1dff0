"""Candidates from a page's PDF links whose text, title or file name matches the pattern."""

from __future__ import annotations

import re

from scrapers.base import Getter
from scrapers.decode import decode_text
from scrapers.discover.model import Candidate, DiscoveryError, Record
from scrapers.discover.rank import link_date, matches, same_file
from scrapers.links import pdf_anchors
from scrapers.model import Fetched


def page_candidates(
    page: Fetched, pattern: re.Pattern[str], method: str, *, present: list[str] | None = None
) -> list[Candidate]:
    """The PDF links on a fetched page that match; every PDF link's text goes into `present`."""
    base = page.final_url or page.url
    html = decode_text(page.body, page.headers.get("content-type"))
    found: dict[str, Candidate] = {}
    for texts, url in pdf_anchors(html, base):
        if present is not None:
            present.append(texts[0])
        if not any(matches(pattern, t, url) for t in texts):
            continue
        named = next((t for t in texts if t and pattern.search(t)), None)
        title = named or texts[0]
        key = same_file(url)
        # One file linked twice ("Download" beside its title): keep the link that names it.
        if key not in found or (named and not pattern.search(found[key].title)):
            found[key] = Candidate(url, title, method, base, link_date(title, url))
    return list(found.values())


def fetch_page(get: Getter, url: str, spec_id: str) -> Fetched:
    """Fetch an index page; a PDF in its place is a mistake in the sources file."""
    page = get(url)
    if page.content_kind == "pdf":
        where = page.final_url or url
        record = Record(None, None, f"{where} is a PDF, not an index page")
        raise DiscoveryError(
            f"{spec_id}: {where} is a PDF, not an index page: declare it with kind 'pdf'", record
        )
    return page

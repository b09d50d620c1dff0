"""WordPress REST media search: files by title, with their upload dates, from /wp-json."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

from scrapers.base import Getter
from scrapers.discover.model import Candidate, Options
from scrapers.discover.rank import matches
from scrapers.model import ScrapeError
from scrapers.served import what_was_served

PER_PAGE = 100
MAX_PAGES = 3
_TAGS = re.compile(r"<[^>]+>")


class Unavailable(Exception):
    """The site answered in a way that means: no REST API here (switched off, refused, absent)."""


def search_url(options: Options, page: int = 1) -> str:
    """The media search address for the document's words (PDFs only, newest first)."""
    query = {
        "search": options.search,
        "mime_type": "application/pdf",
        "per_page": str(PER_PAGE),
        "orderby": "date",
    }
    if page > 1:
        query["page"] = str(page)
    return options.absolute("/wp-json/wp/v2/media") + "?" + urlencode(query)


def _items(body: bytes, page: int) -> list[dict[str, object]]:
    # the attempt names the search's address: the message says only which page answered what
    which = "the media search" if page == 1 else f"page {page} of the media search"
    try:
        data = json.loads(body)
    except ValueError:
        raise Unavailable(f"{which} answered {what_was_served(body)}, not JSON") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise Unavailable(f"{which} answered JSON that is not a list of media items")
    return data


def title_of(item: dict[str, object]) -> str:
    """The media item's title as a person reads it (tags dropped, entities decoded)."""
    title = item.get("title")
    rendered = title.get("rendered", "") if isinstance(title, dict) else title
    return html.unescape(_TAGS.sub("", str(rendered or ""))).strip()


def media_candidates(
    options: Options, pattern: re.Pattern[str], get: Getter
) -> tuple[list[Candidate], str]:
    """Matching PDFs from the media search, and a line saying what the search answered."""
    found: list[Candidate] = []
    seen = 0
    for page in range(1, MAX_PAGES + 1):
        where = search_url(options, page)
        try:
            items = _items(get(where).body, page)
        except ScrapeError as error:
            if page > 1 and error.status == 400:
                break  # WordPress answers 400 past the last page
            if error.status in (401, 403, 404, 410):
                raise Unavailable(f"REST API unavailable (HTTP {error.status})") from None
            raise Unavailable(f"REST API did not answer: {error}") from None
        seen += len(items)
        for item in items:
            url = str(item.get("source_url") or "")
            if not url or str(item.get("mime_type", "application/pdf")) != "application/pdf":
                continue
            title = title_of(item)
            if matches(pattern, title, url) or matches(pattern, str(item.get("slug", "")), url):
                date = str(item.get("date") or item.get("modified") or "")[:10]
                found.append(Candidate(url, title, "wp-media", where, date))
        if len(items) < PER_PAGE:
            break
    return found, f"{seen} result(s) for {options.search!r}, {len(found)} matching"

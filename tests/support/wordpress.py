"""A WordPress site on the test server: REST media search answered from a JSON fixture, sitemaps.

The media search follows WordPress's documented behaviour: every word of `search` must appear
in an item's title or slug; `mime_type`, `per_page` and `page` filter and page the list, and a
page past the last answers 400 (`rest_post_invalid_page_number`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapers.model import Fetched
from tests.support.site import FixtureSite, RecordedRequest, Reply

FIXTURES = Path(__file__).parent.parent / "fixtures"
MEDIA_PATH = "/wp-json/wp/v2/media"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data).encode("utf-8")
    extra = headers or {}
    return Reply(status=status, body=body, headers={"Content-Type": "application/json", **extra})


def media_search(items: list[dict[str, Any]]) -> Callable[[RecordedRequest], Reply]:
    """A responder for /wp-json/wp/v2/media that searches, filters and pages `items`."""

    def answer(request: RecordedRequest) -> Reply:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        words = re.findall(r"\w+", query.get("search", "").lower())
        found = [
            item
            for item in items
            if all(
                w in (str(item["title"]["rendered"]) + " " + str(item["slug"])).lower()
                for w in words
            )
            and query.get("mime_type", item["mime_type"]) == item["mime_type"]
        ]
        per_page = int(query.get("per_page", "10"))
        page = int(query.get("page", "1"))
        pages = max(1, -(-len(found) // per_page))
        if page > pages:
            message = "The page number requested is larger than the number of pages available."
            return _json({"code": "rest_post_invalid_page_number", "message": message}, 400)
        chunk = found[(page - 1) * per_page : page * per_page]
        return _json(chunk, 200, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)})

    return answer


def rest_switched_off(status: int = 401) -> Reply:
    """What a site answers when a security plugin switches the REST API off for visitors."""
    code = {401: "rest_cannot_access", 403: "rest_forbidden", 404: "rest_no_route"}[status]
    return _json(
        {"code": code, "message": "REST API restricted", "data": {"status": status}}, status
    )


def xml(name: str) -> Reply:
    """A sitemap fixture served as XML."""
    body = (FIXTURES / "wordpress" / name).read_bytes()
    return Reply(body=body, headers={"Content-Type": "application/xml; charset=UTF-8"})


def page(name: str) -> Reply:
    """An HTML fixture page."""
    body = (FIXTURES / name).read_bytes()
    return Reply(body=body, headers={"Content-Type": "text/html; charset=UTF-8"})


def media_items(name: str = "bacme-media.json") -> list[dict[str, Any]]:
    """The media library of a fixture site."""
    items: list[dict[str, Any]] = json.loads((FIXTURES / "wordpress" / name).read_text("utf-8"))
    return items


def serve_bacme(site: FixtureSite, prefix: str = "/bacme", *, rest: int | None = None) -> None:
    """BACME on WordPress: media search (or `rest`, its refusal status), sitemaps, pages."""
    if rest is None:
        site.set(prefix + MEDIA_PATH, media_search(media_items()))
    else:
        site.set(prefix + MEDIA_PATH, rest_switched_off(rest))
    site.set(prefix + "/wp-sitemap.xml", xml("bacme-wp-sitemap.xml"))
    for part in ("posts-page-1", "posts-post-1"):
        site.set(f"{prefix}/wp-sitemap-{part}.xml", xml(f"bacme-wp-sitemap-{part}.xml"))
    site.set(prefix + "/clinical-resources/", page("bacme/clinical-resources.html"))


def serve_bhc_sitemaps(site: FixtureSite, prefix: str = "/bhc") -> None:
    """The Bateman Horne Center's Yoast sitemaps (no core /wp-sitemap.xml)."""
    site.set(prefix + "/sitemap_index.xml", xml("bhc-sitemap_index.xml"))
    site.set(prefix + "/page-sitemap.xml", xml("bhc-page-sitemap.xml"))
    site.set(prefix + "/post-sitemap.xml", xml("bhc-post-sitemap.xml"))


def _swap(url: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        if url.startswith(old):
            return new + url[len(old) :]
    return url


class MirrorGetter:
    """Fetch live URLs from the test site through a real fetcher, reporting the live URLs.

    A plain (LIVE, MIRROR) prefix swap of its own, so discovery is tested apart from the
    project's mirror mode.
    """

    def __init__(self, get: Callable[[str], Fetched], rewrites: tuple[tuple[str, str], ...]):
        self._get = get
        self.rewrites = rewrites
        self.asked: list[str] = []

    def __call__(self, url: str) -> Fetched:
        """Fetch the mirror's copy of a live URL."""
        from dataclasses import replace

        self.asked.append(url)
        fetched = self._get(_swap(url, self.rewrites))
        back = tuple((mirror, live) for live, mirror in self.rewrites)
        return replace(fetched, url=url, final_url=_swap(fetched.final_url, back))

"""Site maps (WordPress core /wp-sitemap.xml, Yoast /sitemap_index.xml): the pages worth reading."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from scrapers.base import Getter
from scrapers.discover.model import Options
from scrapers.model import ScrapeError

MAX_CHILD_SITEMAPS = 6
# Child sitemaps that list people and taxonomies, never pages with documents on them.
_SKIP_CHILD = re.compile(r"users|author|taxonom|categor|post_tag|-tags?-", re.IGNORECASE)
# Page addresses where publishers usually list their documents.
DEFAULT_PAGES = r"resource|publication|download|document|guid|information|professional"


@dataclass(frozen=True)
class Page:
    """One page a sitemap lists."""

    url: str
    lastmod: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, where: str) -> tuple[list[str], list[Page]]:
    """The child sitemaps of an index, and the pages of a urlset; ValueError if neither."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise ValueError(f"{where} is not XML: {error}") from None
    children: list[str] = []
    pages: list[Page] = []
    for entry in root:
        fields = {_local(child.tag): (child.text or "").strip() for child in entry}
        if not fields.get("loc"):
            continue
        if _local(root.tag) == "sitemapindex":
            children.append(fields["loc"])
        elif _local(root.tag) == "urlset":
            pages.append(Page(fields["loc"], fields.get("lastmod", "")))
    if _local(root.tag) not in ("sitemapindex", "urlset"):
        raise ValueError(f"{where} is XML but not a sitemap (root <{_local(root.tag)}>)")
    return children, pages


def _why(error: Exception) -> str:
    status = getattr(error, "status", None)
    return f"not answered (HTTP {status})" if status else str(error)


def site_pages(options: Options, get: Getter) -> tuple[list[Page], list[str]]:
    """The pages the site's sitemaps list (first sitemap that answers), and notes on each tried."""
    notes: list[str] = []
    for sitemap in options.sitemaps:
        where = options.absolute(sitemap)
        try:
            children, pages = parse(get(where).body, where)
        except (ScrapeError, ValueError) as error:
            notes.append(f"{where}: {_why(error)}")
            continue
        kept = [c for c in children if not _SKIP_CHILD.search(c)]
        kept.sort(key=lambda c: "page" not in c.rsplit("/", 1)[-1])  # pages first, then posts
        for child in kept[:MAX_CHILD_SITEMAPS]:
            try:
                _, listed = parse(get(child).body, child)
            except (ScrapeError, ValueError) as error:
                notes.append(f"{child}: {_why(error)}")
                continue
            pages += listed
        notes.append(f"{where}: {len(pages)} page(s) listed")
        if pages:
            return pages, notes
    return [], notes


def pages_to_read(pages: list[Page], options: Options) -> list[Page]:
    """The listed pages whose address looks like a document list, newest first, capped."""
    words = re.findall(r"[a-z0-9]{4,}", options.search.lower())
    wanted = re.compile(options.pages or "|".join([DEFAULT_PAGES, *words]), re.IGNORECASE)
    chosen = [p for p in pages if wanted.search(p.url.rstrip("/").rsplit("/", 1)[-1] or p.url)]
    chosen.sort(key=lambda p: p.lastmod, reverse=True)
    return chosen[: options.max_pages]

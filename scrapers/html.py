"""Generic HTML pages: pick the content with a CSS selector and split it by headings.

Reading a page (scrapers/html_tree.py, with bs4) is imported when a page is read, so a run
whose pages all answer 304 does not load bs4; its names are still importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapers.base import SinglePage, register
from scrapers.decode import decode_text
from scrapers.model import Document, DocumentSpec, Fetched, Section, SuspectError
from scrapers.sniff import describe

if TYPE_CHECKING:  # at run time through __getattr__ below
    from scrapers.html_tree import (  # noqa: F401
        block_lines,
        inline_text,
        is_noise,
        page_title,
        parse_content,
        sections_from_html,
        select_content,
    )

DROP_TAGS = frozenset(
    {
        "script", "style", "nav", "header", "footer", "aside", "form", "noscript",
        "button", "svg", "iframe", "template", "link", "meta", "head", "title",
    }
)  # fmt: skip
NOISE_MARKS = ("cookie", "consent", "banner", "skip-link", "breadcrumb", "share")
NOISE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "dialog"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "hr", "li", "main", "p",
        "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "ul", "ol", "html",
    }
)  # fmt: skip
# Ids and classes of these carry the text itself (GOV.UK heading ids are slugs of the heading),
# so a heading titled "Share schemes" must not be taken for a share widget.
_NOT_WIDGETS = frozenset({*HEADINGS, "p", "li", "td", "th", "tr", "table", "dt", "dd"})
DEFAULT_SELECTORS = ("main", "article", "body")


def page_text(fetched: Fetched) -> str:
    """Decode a fetched body to text using its Content-Type and the body's own declarations."""
    content_type = next(
        (value for name, value in fetched.headers.items() if name.lower() == "content-type"),
        None,
    )
    return decode_text(fetched.body, content_type)


def require_page(fetched: Fetched) -> None:
    """SuspectError naming what was served when a page's body is an image, a PDF or JSON."""
    if fetched.content_kind in ("html", "text"):
        return
    served = describe(fetched.content_kind, fetched.headers.get("content-type"))
    raise SuspectError(
        f"expected an HTML page at {fetched.final_url or fetched.url} but the server sent {served}",
        fetched=fetched,
    )


def unique_keys(sections: Iterable[Section]) -> tuple[Section, ...]:
    """Give repeated keys a " (2)", " (3)" suffix so every key is unique, in order."""
    seen: set[str] = set()
    result: list[Section] = []
    for section in sections:
        key = section.key
        count = 1
        while key in seen:
            count += 1
            key = f"{section.key} ({count})"
        seen.add(key)
        result.append(Section(key, section.heading_path, section.text, section.pages))
    return tuple(result)


# Read from scrapers.html_tree (bs4) when first asked for.
_FROM_TREE = frozenset(
    {
        "block_lines", "inline_text", "is_noise", "page_title", "parse_content",
        "sections_from_html", "select_content",
    }
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """The page-reading names, from scrapers.html_tree (bs4) when first asked for."""
    if name in _FROM_TREE:
        from scrapers import html_tree

        return getattr(html_tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class HtmlExtractor(SinglePage):
    """A generic page: the content a CSS selector picks, split into sections by headings."""

    kind = "html"
    version = "html-1"
    content_kinds = ("html",)

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Sections of the selected content; SuspectError when it is missing or empty."""
        from scrapers.html_tree import extract_page

        return extract_page(spec, fetched)


EXTRACTOR = register(HtmlExtractor())

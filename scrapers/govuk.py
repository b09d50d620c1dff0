"""GOV.UK pages read through the public Content API (the JSON twin of every page).

The item's HTML parts are read (scrapers/govuk_tree.py, with bs4) only when a body is
extracted, so a run whose GOV.UK documents all answer 304 does not load bs4.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scrapers.base import Getter, register
from scrapers.html import page_text
from scrapers.model import Document, DocumentSpec, Fetched, SuspectError
from scrapers.served import what_was_served
from scrapers.text import normalise_block

if TYPE_CHECKING:  # at run time through __getattr__ below
    from scrapers.govuk_tree import attachment_lines, item_sections  # noqa: F401

API_PREFIX = "/api/content"
# details fields of consultations and publications that hold content besides the body:
# (field, section key, is a list of attachment snippets)
DETAIL_PARTS: tuple[tuple[str, str, bool], ...] = (
    ("documents", "documents", True),
    ("final_outcome_detail", "outcome", False),
    ("final_outcome_documents", "outcome documents", True),
    ("public_feedback_detail", "feedback", False),
    ("public_feedback_documents", "feedback documents", True),
)


def api_url(page_url: str) -> str:
    """The Content API URL of a GOV.UK page, on the page's own scheme and host."""
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/") or "/"
    if not path.startswith(API_PREFIX + "/"):
        path = API_PREFIX + path
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def rebase(url_or_path: str, onto: str) -> str:
    """Put a URL's path (or a bare path) on the scheme and host of another URL."""
    target = urlsplit(onto)
    path = urlsplit(url_or_path).path
    return urlunsplit((target.scheme, target.netloc, path, "", ""))


def load_item(body: str, where: str, fetched: Fetched | None = None) -> dict[str, Any]:
    """Parse Content API JSON; SuspectError when it is not a content item."""
    try:
        item = json.loads(body)
    except ValueError:
        served = fetched.body if fetched is not None else body.encode("utf-8")
        headers = fetched.headers if fetched is not None else {}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        kind = what_was_served(served, content_type)
        raise SuspectError(
            f"{where}: GOV.UK served {kind} instead of the Content API's JSON (a captcha or an "
            "error page?); no version was stored",
            fetched=fetched,
        ) from None
    if not isinstance(item, dict):
        raise SuspectError(
            f"{where}: JSON is not an object: not a Content API content item", fetched=fetched
        )
    missing = [
        name
        for name, kind in (("title", str), ("details", dict), ("base_path", str))
        if not isinstance(item.get(name), kind)
    ]
    if missing:
        raise SuspectError(
            f"{where}: JSON has no {', '.join(missing)}: "
            "not a Content API content item (error page?)",
            fetched=fetched,
        )
    return item


def parent_api_url(item: Mapping[str, Any], fetched_url: str) -> str | None:
    """The Content API URL of an item's parent, rebased onto the given page's host."""
    parents = (item.get("links") or {}).get("parent") or []
    if not parents or not isinstance(parents[0], dict):
        return None
    parent = parents[0]
    for field in ("api_url", "api_path"):
        if isinstance(parent.get(field), str) and parent[field]:
            return rebase(parent[field], fetched_url)
    if isinstance(parent.get("base_path"), str) and parent["base_path"]:
        return rebase(API_PREFIX + parent["base_path"], fetched_url)
    return None


def change_history(details: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The publisher's change notes, as [{"public_timestamp", "note"}], or None if absent."""
    history = details.get("change_history")
    if not isinstance(history, list):
        return None
    return [
        {
            "public_timestamp": str(entry.get("public_timestamp") or ""),
            "note": normalise_block(str(entry.get("note") or "")),
        }
        for entry in history
        if isinstance(entry, dict)
    ]


def html_body(body: Any) -> str:
    """The HTML of a body given as a string or as a list of {content_type, content} parts."""
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        for part in body:
            if isinstance(part, dict) and part.get("content_type") == "text/html":
                return str(part.get("content") or "")
    return ""


def item_meta(item: Mapping[str, Any], history: list[dict[str, str]] | None) -> dict[str, Any]:
    """The dates, type and change history of a content item."""
    details = item["details"]
    return {
        "public_updated_at": item.get("public_updated_at"),
        "first_published_at": item.get("first_published_at") or details.get("first_public_at"),
        "document_type": item.get("document_type"),
        "schema_name": item.get("schema_name"),
        "change_history": history or [],
        "base_path": item.get("base_path"),
    }


def __getattr__(name: str) -> Any:
    """The HTML-reading names, from scrapers.govuk_tree (bs4) when first asked for."""
    if name in ("attachment_lines", "item_sections"):
        from scrapers import govuk_tree

        return getattr(govuk_tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class GovukExtractor:
    """A GOV.UK page through the Content API; child HTML documents borrow the parent's history."""

    kind = "govuk"
    version = "govuk-1"
    content_kinds = ("json", "text")  # load_item says why a non-JSON body is refused

    def discover(self, spec: DocumentSpec, get: Getter) -> str:
        """The Content API URL for the page (spec.options["api_url"] overrides it)."""
        override = spec.options.get("api_url")
        return str(override) if override else api_url(spec.url)

    def related(self, spec: DocumentSpec, fetched: Fetched) -> list[str]:
        """The parent's Content API URL when the item has no change history of its own."""
        try:
            item = load_item(page_text(fetched), fetched.final_url)
        except SuspectError:
            return []  # extract reports it
        if change_history(item["details"]) is not None:
            return []
        # On the live host: the cycle's mirror rewrite, if any, applies to it like any URL.
        parent = parent_api_url(item, spec.url)
        return [parent] if parent else []

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Sections from the item's HTML parts; meta with dates and the change history."""
        where = fetched.final_url or fetched.url
        item = load_item(page_text(fetched), where, fetched)
        history = change_history(item["details"])
        if history is None:
            history = self._parent_history(item, fetched, spec.url)
        from scrapers.govuk_tree import item_sections

        sections = item_sections(item)
        if not sections:
            raise SuspectError(
                f"{where}: content item has no body, documents or summary text", fetched=fetched
            )
        return Document(
            sections=sections,
            title=normalise_block(item["title"]),
            meta=item_meta(item, history),
        )

    def _parent_history(
        self, item: Mapping[str, Any], fetched: Fetched, page_url: str
    ) -> list[dict[str, str]]:
        parent = parent_api_url(item, page_url)
        body = fetched.related.get(parent) if parent else None
        if body is None:
            return []
        try:
            parent_item = json.loads(body)
        except ValueError:
            return []
        if not isinstance(parent_item, dict) or not isinstance(parent_item.get("details"), dict):
            return []
        return change_history(parent_item["details"]) or []


EXTRACTOR = register(GovukExtractor())

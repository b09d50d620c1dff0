"""What a fetch's answer means: a result, or gone, failed or suspect; and what to keep of it."""

from __future__ import annotations

import httpx

from scrapers.model import Fetched, GoneError, ScrapeError, SuspectError
from scrapers.sniff import DESCRIPTIONS, describe

KEY_HEADERS = (
    "content-type",
    "content-length",
    "etag",
    "last-modified",
    "date",
    "server",
    "cache-control",
    "content-encoding",
    "retry-after",
    "location",
    "content-disposition",
    "memento-datetime",  # archive captures (scrapers/wayback.py)
    "link",
    "content-location",
)


def key_headers(headers: httpx.Headers) -> dict[str, str]:
    """Return the response headers worth keeping, with lower-cased names."""
    return {name: headers[name] for name in KEY_HEADERS if name in headers}


def judge(fetched: Fetched, reason: str, expect: str | None) -> Fetched:
    """Turn an answer's status (and, when asked, its kind) into a result or an error."""
    status, url = fetched.status, fetched.final_url
    if status == 304:
        return fetched
    if status in (404, 410):
        raise GoneError(
            f"{url} is gone: the server answered {status} {reason}".rstrip(),
            status=status,
            fetched=fetched,
        )
    if 400 <= status < 500:
        raise ScrapeError(
            f"client error {status} {reason} from {url}".rstrip(),
            status=status,
            fetched=fetched,
        )
    if not 200 <= status < 300:
        raise ScrapeError(f"unexpected status {status} from {url}", status=status)
    if expect is not None and fetched.content_kind != expect:
        content_type = fetched.headers.get("content-type")
        sent = "an empty body" if not fetched.body else describe(fetched.content_kind, content_type)
        raise SuspectError(
            f"expected {DESCRIPTIONS[expect]} at {url} but the server sent {sent}",
            status=status,
            fetched=fetched,
        )
    return fetched

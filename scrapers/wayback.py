"""A small Wayback Machine client (CDX search, `id_` mementos, Save Page Now) over our fetcher.

Every request goes through the caller's getter (scrapers.fetch.HttpFetcher.get, possibly
wrapped by the mirror rewrite), so the User-Agent, retries that honour Retry-After, the size
cap and robots.txt apply as for any other site. On top of that the archive asks for at most
about 0.8 searches and 8 memento requests a second: each kind has its own pacing here.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from scrapers.base import Getter
from scrapers.model import Fetched, ScrapeError
from scrapers.rewrite import Rewriter

DEFAULT_ARCHIVE_URL = "https://web.archive.org"
SEARCH_FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest", "length")
# EDGI's `wayback` library uses 80% of the archive's hard limits (60 searches, 600 mementos
# a minute): 0.8 and 8 a second.
SEARCH_RATE = 0.8
MEMENTO_RATE = 8.0
_CAPTURE_PATH = re.compile(r"/web/(\d{14})[a-z_]*/(.+)$")


class ArchiveError(ScrapeError):
    """The archive could not answer (bad CDX output, unreachable, refused)."""


@dataclass(frozen=True)
class Capture:
    """One row of a CDX search: a capture of a URL at a moment."""

    timestamp: str
    original: str
    mimetype: str = ""
    statuscode: int | None = None
    digest: str = ""
    length: int | None = None

    @property
    def when(self) -> datetime:
        """The capture's moment, in UTC."""
        return parse_timestamp(self.timestamp)

    @property
    def key(self) -> str:
        """What identifies this capture in our fetch log."""
        return f"{self.timestamp}/{self.original}"


def parse_timestamp(value: str) -> datetime:
    """Parse a Wayback timestamp (14 digits, or a shorter prefix such as 2019) as UTC."""
    digits = value + "00000101000000"[len(value) :]
    return datetime.strptime(digits[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def to_timestamp(moment: datetime) -> str:
    """Format a moment as a 14-digit Wayback timestamp (UTC)."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _capture(row: dict[str, str]) -> Capture:
    return Capture(
        timestamp=row.get("timestamp", ""),
        original=row.get("original", ""),
        mimetype=row.get("mimetype", ""),
        statuscode=_int(row.get("statuscode", "")),
        digest=row.get("digest", ""),
        length=_int(row.get("length", "")),
    )


def parse_cdx(body: bytes, fields: tuple[str, ...] = SEARCH_FIELDS) -> list[Capture]:
    """Parse CDX output: JSON (its first row names the columns) or space-separated text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            rows = json.loads(text)
        except ValueError as error:
            raise ArchiveError(f"the archive's CDX answer is not valid JSON: {error}") from None
        if not rows:
            return []
        names = [str(n) for n in rows[0]]
        return [_capture(dict(zip(names, map(str, row), strict=False))) for row in rows[1:]]
    captures = []
    for line in text.splitlines():
        values = line.split(" ")
        if len(values) != len(fields):
            raise ArchiveError(
                f"the archive's CDX line {line[:120]!r} does not have {len(fields)} fields"
            )
        captures.append(_capture(dict(zip(fields, values, strict=True))))
    return captures


@dataclass
class Pace:
    """At most `rate` requests a second, one after the other."""

    rate: float
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        """Sleep until the next request may go."""
        with self._lock:
            now = time.monotonic()
            if self._last is not None and self.rate > 0:
                remaining = self._last + 1 / self.rate - now
                if remaining > 0:
                    self.sleep(remaining)
            self._last = time.monotonic()


@dataclass(frozen=True)
class Memento:
    """A capture's original bytes as the archive returned them."""

    capture: Capture
    fetched: Fetched
    memento_datetime: datetime | None
    original: str | None


def _link_original(link: str | None) -> str | None:
    if not link:
        return None
    for part in link.split(","):
        if re.search(r'rel="?[^"]*\boriginal\b', part):
            found = re.search(r"<([^>]+)>", part)
            if found:
                return found.group(1)
    return None


class WaybackClient:
    """Searches the archive, reads mementos and asks for captures, politely."""

    def __init__(
        self,
        get: Getter,
        *,
        base_url: str = DEFAULT_ARCHIVE_URL,
        search_rate: float = SEARCH_RATE,
        memento_rate: float = MEMENTO_RATE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._get = get
        self.base_url = base_url.rstrip("/")
        self.search_pace = Pace(search_rate, sleep)
        self.memento_pace = Pace(memento_rate, sleep)
        self.searches = 0
        self.mementos = 0
        self._pages: dict[str, Memento] = {}

    def search_url(
        self,
        url: str,
        *,
        prefix: bool = False,
        start: str | None = None,
        end: str | None = None,
        collapse_digest: bool = True,
        mimetype: str | None = None,
        output: str = "json",
    ) -> str:
        """The CDX query for a URL (or, with prefix, everything under it)."""
        params: list[tuple[str, str]] = [("url", url), ("fl", ",".join(SEARCH_FIELDS))]
        if output == "json":
            params.append(("output", "json"))
        if prefix:
            params.append(("matchType", "prefix"))
        if collapse_digest:
            params.append(("collapse", "digest"))
        if start:
            params.append(("from", start))
        if end:
            params.append(("to", end))
        if mimetype:
            params.append(("filter", f"mimetype:{mimetype}"))
        return f"{self.base_url}/cdx/search/cdx?{urlencode(params)}"

    def search(self, url: str, **options: object) -> list[Capture]:
        """List a URL's captures, oldest first (identical consecutive ones collapsed)."""
        query = self.search_url(url, **options)  # type: ignore[arg-type]
        self.search_pace.wait()
        self.searches += 1
        try:
            answer = self._get(query)
        except ScrapeError as error:
            raise ArchiveError(f"archive search for {url} failed: {error}") from None
        captures = parse_cdx(answer.body)
        return sorted(captures, key=lambda c: c.timestamp)

    def memento_url(self, capture: Capture, mode: str = "id_") -> str:
        """The address of a capture's bytes (`id_`: as served, no banner) or its replay page."""
        return f"{self.base_url}/web/{capture.timestamp}{mode}/{capture.original}"

    def capture_address(self, capture: Capture) -> str:
        """The address people open to see a capture."""
        return self.memento_url(capture, mode="")

    def memento(self, capture: Capture, url: str | None = None) -> Memento:
        """Fetch a capture's original bytes; a captured error or redirect raises ScrapeError.

        `url` fetches another URL as the archive had it at the capture's moment (the archive
        answers with its nearest capture).
        """
        self.memento_pace.wait()
        self.mementos += 1
        target = self.memento_url(capture if url is None else Capture(capture.timestamp, url))
        fetched = self._get(target)
        stamp = fetched.headers.get("memento-datetime")
        when = None
        if stamp:
            try:
                when = parsedate_to_datetime(stamp).astimezone(UTC)
            except (TypeError, ValueError):
                when = None
        return Memento(capture, fetched, when, _link_original(fetched.headers.get("link")))

    def cached_memento(self, capture: Capture) -> Memento:
        """A capture's bytes, read once per client (index pages shared by several documents)."""
        if capture.key not in self._pages:
            self._pages[capture.key] = self.memento(capture)
        return self._pages[capture.key]

    def save(self, url: str) -> str:
        """Ask Save Page Now to capture a URL; return the capture's address."""
        self.memento_pace.wait()
        fetched = self._get(f"{self.base_url}/save/{url}")
        for candidate in (fetched.final_url, fetched.headers.get("content-location", "")):
            found = _CAPTURE_PATH.search(candidate or "")
            if found:
                return f"{self.base_url}/web/{found.group(1)}/{found.group(2)}"
        raise ArchiveError(
            f"Save Page Now answered {fetched.status} for {url} without a capture address"
        )


class KeyedSaver:
    """Save Page Now with an archive.org key pair (the SPN2 API: a POST, then status polls).

    Our fetcher only GETs, so this one exchange uses its own httpx client, with the same
    User-Agent and timeouts and the same mirror rewrite (an uncovered address is refused);
    the client's memento pace still applies to every request.
    """

    def __init__(
        self,
        client: WaybackClient,
        *,
        access_key: str,
        secret_key: str,
        user_agent: str,
        rewriter: Rewriter | None = None,
        timeout: float = 30.0,
        polls: int = 12,
        poll_seconds: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.rewriter = rewriter or Rewriter()
        self.headers = {
            "Authorization": f"LOW {access_key}:{secret_key}",
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        self.timeout, self.polls, self.poll_seconds, self._sleep = (
            timeout,
            polls,
            poll_seconds,
            sleep,
        )

    def _json(self, method: str, url: str, **options: object) -> dict[str, object]:
        import httpx

        sent = self.rewriter.to_mirror(url, why="Save Page Now")
        self.client.memento_pace.wait()
        try:
            with httpx.Client(headers=self.headers, timeout=self.timeout) as http:
                answer = http.request(method, sent, **options)  # type: ignore[arg-type]
        except httpx.HTTPError as error:
            raise ArchiveError(f"Save Page Now unreachable: {error}") from None
        if answer.status_code != 200:
            raise ArchiveError(
                f"Save Page Now answered {answer.status_code}", status=answer.status_code
            )
        try:
            data = answer.json()
        except ValueError:
            raise ArchiveError("Save Page Now answered without JSON") from None
        return data if isinstance(data, dict) else {}

    def save(self, url: str) -> str:
        """Ask for a capture and wait for it; return its address."""
        base = self.client.base_url
        job = self._json("POST", f"{base}/save", data={"url": url})
        job_id = job.get("job_id")
        if not job_id:
            raise ArchiveError(f"Save Page Now refused {url}: {job.get('message') or job}")
        for _ in range(self.polls):
            state = self._json("GET", f"{base}/save/status/{job_id}")
            if state.get("status") == "success":
                original = state.get("original_url") or url
                return f"{base}/web/{state.get('timestamp')}/{original}"
            if state.get("status") == "error":
                raise ArchiveError(f"Save Page Now failed for {url}: {state.get('message')}")
            self._sleep(self.poll_seconds)
        raise ArchiveError(f"Save Page Now still working on {url}; asked again on the next run")

"""A polite HTTP fetcher: one request at a time per host, pauses, robots.txt, retries, caps."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import httpx

from scrapers.model import Fetched, GoneError, ScrapeError, SuspectError
from scrapers.sniff import DESCRIPTIONS, KINDS, describe, sniff_kind

log = logging.getLogger("guidewatch.fetch")

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
)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 section 2.3.1.2


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch."""

    user_agent: str
    pause_seconds: float = 5.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    backoff_seconds: float = 2.0
    max_retry_after: float = 300.0
    max_redirects: int = 10
    respect_robots: bool = True


@dataclass
class _Host:
    """Per-host state: the request lock, when the last request ended, and robots rules."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float | None = None
    robots: RobotFileParser | None = None
    robots_error: ScrapeError | None = None


@dataclass(frozen=True)
class _Answer:
    """One HTTP exchange as received."""

    status: int
    reason: str
    headers: httpx.Headers
    body: bytes
    duration: float


class _Retryable(Exception):
    """An attempt failed in a way worth trying again."""

    def __init__(self, message: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(message)
        self.status = status
        self.wait = wait


def origin(url: str | httpx.URL) -> str:
    """Return scheme://host:port for a URL: the unit of politeness and robots.txt."""
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 0)
    return f"{parsed.scheme}://{parsed.host}:{port}"


def _host_port(url: httpx.URL) -> str:
    """Return host:port as a person would write it for a URL."""
    return f"{url.host}:{url.port}" if url.port else url.host


def key_headers(headers: httpx.Headers) -> dict[str, str]:
    """Return the response headers worth keeping, with lower-cased names."""
    return {name: headers[name] for name in KEY_HEADERS if name in headers}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks to wait (delta or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _root_cause(error: BaseException) -> BaseException:
    """Follow an exception's causes down to the OS-level error."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        nxt = error.__cause__ or error.__context__
        if nxt is None:
            break
        error = nxt
    return error


def _connection_message(error: httpx.HTTPError, url: httpx.URL, policy: FetchPolicy) -> str:
    """Say in one line why a connection failed."""
    where = _host_port(url)
    if isinstance(error, httpx.ConnectTimeout):
        return f"could not connect to {where}: timed out after {policy.connect_timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"timed out after {policy.read_timeout:g} s waiting for {url}"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out talking to {where} for {url}"
    root = _root_cause(error)
    if isinstance(root, socket.gaierror):
        return f"could not resolve host {url.host}: {root.strerror or root}"
    if isinstance(root, ConnectionRefusedError):
        return f"could not connect to {where}: connection refused"
    if isinstance(error, httpx.ConnectError):
        reason = getattr(root, "strerror", None) or str(root) or type(root).__name__
        return f"could not connect to {where}: {reason}"
    reason = str(root) or type(root).__name__
    return f"connection to {where} failed while fetching {url}: {reason}"


def _is_permanent(error: httpx.HTTPError) -> bool:
    """True for failures no retry can fix (a name that does not exist)."""
    root = _root_cause(error)
    return isinstance(root, socket.gaierror) and root.errno in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
    )


class HttpFetcher:
    """Fetches URLs politely and reports every outcome as a Fetched or a ScrapeError."""

    def __init__(self, policy: FetchPolicy, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self._sleep = sleep
        self._client = httpx.Client(
            headers={"User-Agent": policy.user_agent},
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=None,
            ),
            follow_redirects=False,
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: str | None = None,
    ) -> Fetched:
        """Fetch a URL, following redirects; raise GoneError, SuspectError or ScrapeError."""
        if expect is not None and expect not in KINDS:
            raise ValueError(f"expect must be one of {', '.join(KINDS)}, not {expect!r}")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        redirects: list[str] = []
        duration = 0.0
        current = url
        while True:
            if self.policy.respect_robots:
                self._check_robots(current)
            answer = self._exchange(current, headers)
            duration += answer.duration
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                break
            redirects.append(current)
            current = urljoin(current, location.strip())
            if len(redirects) > self.policy.max_redirects:
                loop = current in redirects
                what = "redirect loop" if loop else "too many redirects"
                raise ScrapeError(
                    f"{what} fetching {url}: gave up after {self.policy.max_redirects} redirects"
                    f" (last went to {current})",
                    status=answer.status,
                )
        kind = sniff_kind(answer.body, answer.headers.get("content-type"))
        if answer.status == 304:
            # Nothing to sniff: the server says it is the same document the caller expects.
            kind = expect or kind
        fetched = Fetched(
            url=url,
            final_url=current,
            status=answer.status,
            headers=key_headers(answer.headers),
            body=answer.body if answer.status != 304 else b"",
            content_kind=kind,
            redirects=tuple(redirects),
            duration_ms=round(duration * 1000),
        )
        return self._judge(fetched, answer, expect)

    def _judge(self, fetched: Fetched, answer: _Answer, expect: str | None) -> Fetched:
        """Turn an answer's status (and, when asked, its kind) into a result or an error."""
        status, url = fetched.status, fetched.final_url
        if status == 304:
            return fetched
        if status in (404, 410):
            raise GoneError(
                f"{url} is gone: the server answered {status} {answer.reason}".rstrip(),
                status=status,
                fetched=fetched,
            )
        if 400 <= status < 500:
            raise ScrapeError(
                f"client error {status} {answer.reason} from {url}".rstrip(),
                status=status,
                fetched=fetched,
            )
        if not 200 <= status < 300:
            raise ScrapeError(f"unexpected status {status} from {url}", status=status)
        if expect is not None and fetched.content_kind != expect:
            content_type = fetched.headers.get("content-type")
            sent = (
                "an empty body"
                if not fetched.body
                else describe(fetched.content_kind, content_type)
            )
            raise SuspectError(
                f"expected {DESCRIPTIONS[expect]} at {url} but the server sent {sent}",
                status=status,
                fetched=fetched,
            )
        return fetched

    def _host(self, url: str) -> _Host:
        """Return the state kept for a URL's host."""
        key = origin(url)
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host())

    def _check_robots(self, url: str) -> None:
        """Raise ScrapeError unless the host's robots.txt allows the policy's agent to fetch url."""
        host = self._host(url)
        with host.robots_lock:
            if host.robots is None and host.robots_error is None:
                try:
                    host.robots = self._load_robots(url)
                except ScrapeError as error:
                    host.robots_error = error
        if host.robots_error is not None:
            raise ScrapeError(str(host.robots_error), status=host.robots_error.status)
        assert host.robots is not None
        if not host.robots.can_fetch(self.policy.user_agent, url):
            raise ScrapeError(
                f"robots.txt at {origin_url(url)}/robots.txt disallows {url}"
                f" for user agent {self.policy.user_agent!r}"
            )

    def _load_robots(self, url: str) -> RobotFileParser:
        """Fetch and parse a host's robots.txt (RFC 9309 rules for errors)."""
        robots_url = origin_url(url) + "/robots.txt"
        parser = RobotFileParser(robots_url)
        current = robots_url
        for _ in range(ROBOTS_MAX_REDIRECTS + 1):
            try:
                answer = self._exchange(current, {})
            except ScrapeError as error:
                raise ScrapeError(
                    f"{error} (while fetching {robots_url}; RFC 9309 says to assume"
                    " everything is disallowed when robots.txt cannot be read)",
                    status=error.status,
                ) from None
            location = answer.headers.get("location")
            if answer.status in REDIRECT_STATUSES and location:
                current = urljoin(current, location.strip())
                continue
            if 200 <= answer.status < 300:
                parser.parse(answer.body.decode("utf-8", errors="replace").splitlines())
                return parser
            if 400 <= answer.status < 500:
                parser.parse([])  # no rules: everything allowed
                return parser
            raise ScrapeError(
                f"robots.txt at {robots_url} answered {answer.status}; RFC 9309 says to assume"
                " everything is disallowed",
                status=answer.status,
            )
        # Too many redirects: RFC 9309 lets a crawler treat robots.txt as unavailable.
        parser.parse([])  # no rules: everything allowed
        return parser

    def _exchange(self, url: str, headers: dict[str, str]) -> _Answer:
        """Make one request, retrying with backoff, holding the host's lock throughout."""
        target = self._parse(url)
        host = self._host(url)
        attempts = self.policy.retries + 1
        last = _Retryable("no attempt made")
        with host.lock:
            for attempt in range(attempts):
                self._wait_turn(host)
                try:
                    return self._attempt(target, headers)
                except _Retryable as failure:
                    last = failure
                finally:
                    host.last_end = time.monotonic()
                if attempt + 1 == attempts:
                    break
                wait = last.wait
                if wait is None:
                    wait = self.policy.backoff_seconds * 2**attempt
                log.info(
                    "retrying %s in %g s (attempt %d of %d): %s",
                    url,
                    wait,
                    attempt + 2,
                    attempts,
                    last,
                )
                self._sleep(wait)
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        raise ScrapeError(f"{last} after {tries}", status=last.status)

    def _parse(self, url: str) -> httpx.URL:
        """Parse a URL, refusing anything but http(s) with a host."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise ScrapeError(f"invalid URL {url!r}: {error}") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise ScrapeError(f"cannot fetch {url!r}: only http(s) URLs with a host are supported")
        host = target.host.rstrip(".").lower()
        if host == "invalid" or host.endswith(".invalid"):
            # RFC 6761: .invalid never resolves; answer at once instead of asking a resolver.
            raise ScrapeError(
                f"could not resolve host {target.host}: the .invalid domain never resolves"
            )
        return target

    def _wait_turn(self, host: _Host) -> None:
        """Sleep until pause_seconds have passed since the host's last request ended."""
        if host.last_end is None:
            return
        remaining = host.last_end + self.policy.pause_seconds - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)

    def _attempt(self, url: httpx.URL, headers: dict[str, str]) -> _Answer:
        """Send one request and read its body under the size cap."""
        cap = self.policy.max_bytes
        started = time.monotonic()
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise ScrapeError(
                        f"{url} is {int(declared)} bytes (Content-Length), over the {cap}-byte cap",
                        status=response.status_code,
                    )
                chunks: list[bytes] = []
                size = 0
                if response.status_code not in REDIRECT_STATUSES:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise ScrapeError(
                                f"{url} is over the {cap}-byte cap: stopped reading at"
                                f" {size} bytes",
                                status=response.status_code,
                            )
                        chunks.append(chunk)
        except httpx.HTTPError as error:
            message = _connection_message(error, url, self.policy)
            if _is_permanent(error):
                raise ScrapeError(message) from None
            raise _Retryable(message) from None
        except OSError as error:  # raised outside httpx's mapping, e.g. by the resolver
            reason = error.strerror or errno.errorcode.get(error.errno or 0, str(error))
            raise _Retryable(f"could not connect to {_host_port(url)}: {reason}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is not None and wait > self.policy.max_retry_after:
                raise ScrapeError(
                    f"{url} answered {status} asking to retry after {wait:g} s, longer than"
                    f" the {self.policy.max_retry_after:g} s this fetcher waits",
                    status=status,
                )
            what = "too many requests (429)" if status == 429 else f"server error {status}"
            raise _Retryable(f"{what} from {url}", status=status, wait=wait)
        return _Answer(
            status=status,
            reason=response.reason_phrase,
            headers=response.headers,
            body=b"".join(chunks),
            duration=time.monotonic() - started,
        )


def origin_url(url: str) -> str:
    """Return scheme://netloc of a URL, as used for its robots.txt."""
    parsed = httpx.URL(url)
    netloc = parsed.netloc.decode("ascii")
    return f"{parsed.scheme}://{netloc}"

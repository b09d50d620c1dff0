"""A polite HTTP fetcher: one request at a time per host, pauses, robots.txt, retries, caps.

With rewrite rules in its policy (mirror mode) every request it makes is rewritten before it
is sent: the address asked, each redirect hop and every robots.txt; what it reports (final
URL, redirects, errors) names the live addresses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from scrapers.body import ACCEPT_ENCODING, Deadline, DecodeError, UnsupportedEncoding, read_capped
from scrapers.failures import (
    attempts_said,
    connection_message,
    host_port,
    http_target,
    is_permanent,
    next_attempt_too_late,
    os_error_message,
    over_cap_message,
    parse_retry_after,
    redirect_limit_message,
    retry_after_too_long_message,
    server_error_message,
    stopped_message,
)
from scrapers.judge import judge, key_headers
from scrapers.model import Fetched, ScrapeError, StoppedError
from scrapers.rewrite import Rewriter, Rewrites, UncoveredError
from scrapers.robots import ROBOTS_MAX_BYTES, Robots, RobotsAnswer, origin_url
from scrapers.sniff import KINDS, sniff_kind
from scrapers.tls import open_client

log = logging.getLogger("guidewatch.fetch")

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch, and where to (rewrites: LIVE=MIRROR rules)."""

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
    deadline_seconds: float | None = 300.0
    rewrites: Rewrites = ()
    allow_uncovered: bool = False


@dataclass
class _Host:
    """Per contacted host: the request lock and when the last request ended."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float | None = None


@dataclass(frozen=True)
class _Answer:
    """One HTTP exchange as received."""

    status: int
    reason: str
    headers: httpx.Headers
    body: bytes
    duration: float


@dataclass
class _Chain:
    """A fetch's redirect chain so far: the (live) address asked, the hops, the last answer."""

    asked: str
    live: str
    redirects: list[str] = field(default_factory=list)
    duration: float = 0.0
    answer: _Answer | None = None

    def seen(self, answer: _Answer, body: bytes = b"", kind: str | None = None) -> Fetched:
        """What the fetch saw: the last answer (no body if it stopped in the chain), the hops."""
        return Fetched(
            url=self.asked,
            final_url=self.live,
            status=answer.status,
            headers=key_headers(answer.headers),
            body=body,
            content_kind=sniff_kind(b"", None) if kind is None else kind,
            redirects=tuple(self.redirects),
            duration_ms=round(self.duration * 1000),
        )


@dataclass(frozen=True)
class _Request:
    """One request as sent (tried up to retries + 1 times) and the live address it stands for."""

    sent: str
    target: httpx.URL
    headers: dict[str, str]
    shown: str
    deadline: Deadline
    cap: int
    truncate: bool


class _Retryable(Exception):
    """An attempt failed in a way worth trying again."""

    def __init__(self, message: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(message)
        self.status = status
        self.wait = wait


class HttpFetcher:
    """Fetches URLs politely and reports every outcome as a Fetched or a ScrapeError."""

    def __init__(self, policy: FetchPolicy, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self.rewriter = Rewriter(policy.rewrites, policy.allow_uncovered)
        self._sleep = sleep
        self._client = open_client(
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=self._timeout(None),
            follow_redirects=False,
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._robots = Robots(policy.user_agent)

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
        """Fetch a (live) URL, following redirects; raise GoneError, SuspectError or ScrapeError."""
        if expect is not None and expect not in KINDS:
            raise ValueError(f"expect must be one of {', '.join(KINDS)}, not {expect!r}")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        asked = self.rewriter.to_live(url)
        chain = _Chain(asked, asked)
        answer = self._follow(chain, headers, Deadline(self.policy.deadline_seconds))
        kind = sniff_kind(answer.body, answer.headers.get("content-type"))
        if answer.status == 304:
            # Nothing to sniff: the server says it is the same document the caller expects.
            kind = expect or kind
        body = answer.body if answer.status != 304 else b""
        fetched = chain.seen(answer, body, kind)
        return judge(fetched, answer.reason, expect)

    def _follow(self, chain: _Chain, headers: dict[str, str], deadline: Deadline) -> _Answer:
        """Request each address of the chain in turn until one is not a redirect."""
        while True:
            sent = self._sent(chain)
            if self.policy.respect_robots:
                self._robots.check(chain.live, lambda u: self._read_robots(u, deadline))
            answer = chain.answer = self._exchange(sent, headers, chain.live, deadline)
            chain.duration += answer.duration
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                return answer
            chain.redirects.append(chain.live)
            chain.live = self.rewriter.follow(chain.live, sent, location)
            limit = self.policy.max_redirects
            if len(chain.redirects) > limit:
                raise ScrapeError(
                    redirect_limit_message(chain.asked, chain.live, chain.redirects, limit),
                    status=answer.status,
                    fetched=chain.seen(answer),
                )

    def _sent(self, chain: _Chain) -> str:
        """The address to send for the chain's next hop (rewritten in mirror mode)."""
        try:
            why = f"redirected from {chain.redirects[-1]}" if chain.redirects else ""
            return self.rewriter.to_mirror(chain.live, why=why)
        except UncoveredError as error:
            seen = chain.seen(chain.answer) if chain.answer is not None else None
            raise UncoveredError(str(error), fetched=seen) from None

    def _read_robots(self, live: str, deadline: Deadline) -> RobotsAnswer:
        """Request one robots.txt (rewritten like any address), reading up to 500 KiB."""
        sent = self.rewriter.to_mirror(live, why="the host's robots.txt, read before its pages")
        answer = self._exchange(sent, {}, live, deadline, cap=ROBOTS_MAX_BYTES + 1, truncate=True)
        location = answer.headers.get("location")
        redirect = answer.status in REDIRECT_STATUSES and location
        nxt = self.rewriter.follow(live, sent, location) if redirect and location else None
        return RobotsAnswer(answer.status, answer.body, nxt)

    def _host(self, url: str) -> _Host:
        """Return the state kept for the host a request is sent to."""
        key = origin_url(url)
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host())

    def _exchange(
        self,
        url: str,
        headers: dict[str, str],
        shown: str,
        deadline: Deadline,
        *,
        cap: int | None = None,
        truncate: bool = False,
    ) -> _Answer:
        """Make one request to url (shown as the live address), retrying with backoff.

        The lock and pause of the host actually contacted are held throughout.
        """
        target = http_target(url)
        cap = cap or self.policy.max_bytes
        request = _Request(url, target, headers, shown, deadline, cap, truncate)
        host = self._host(url)
        attempts = self.policy.retries + 1
        last = _Retryable("no attempt made")
        left = deadline.left()
        if not host.lock.acquire(timeout=-1 if left is None else left):
            raise deadline.error(shown, f"waiting for another fetch from {host_port(target)}")
        try:
            for attempt in range(attempts):
                self._wait_turn(host, deadline, shown)
                try:
                    return self._attempt_open(request)
                except _Retryable as failure:
                    last = failure
                finally:
                    host.last_end = time.monotonic()
                if attempt + 1 == attempts:
                    break
                self._sleep(self._backoff(request, last, attempt))
        finally:
            host.lock.release()
        raise ScrapeError(f"{last} after {attempts_said(attempts)}", status=last.status)

    def _attempt_open(self, request: _Request) -> _Answer:
        """Make one attempt, or raise StoppedError if the fetcher was closed under it."""
        try:
            if self._client.is_closed:
                raise RuntimeError("closed")
            return self._attempt(request)
        except RuntimeError:
            if not self._client.is_closed:
                raise
            # A stopped flow run closes its fetchers under the tasks still running.
            raise StoppedError(stopped_message(request.shown)) from None

    def _backoff(self, request: _Request, last: _Retryable, attempt: int) -> float:
        """Seconds to wait before the next attempt; give up if the deadline comes first."""
        wait = last.wait
        if wait is None:
            wait = self.policy.backoff_seconds * 2**attempt
        left = request.deadline.left()
        if left is not None and wait > left:
            doing = next_attempt_too_late(wait, last, attempt + 1)
            raise request.deadline.error(request.shown, doing, last.status)
        attempts = self.policy.retries + 1
        url = request.sent
        log.info(
            "retrying %s in %g s (attempt %d of %d): %s", url, wait, attempt + 2, attempts, last
        )
        return wait

    def _wait_turn(self, host: _Host, deadline: Deadline, shown: str) -> None:
        """Sleep until pause_seconds have passed since the host's last request ended."""
        if host.last_end is None:
            return
        remaining = host.last_end + self.policy.pause_seconds - time.monotonic()
        if remaining > 0:
            left = deadline.left()
            if left is not None and remaining > left:
                pause = f"{self.policy.pause_seconds:g} s"
                raise deadline.error(shown, f"during the {pause} pause between requests")
            self._sleep(remaining)

    def _timeout(self, left: float | None) -> httpx.Timeout:
        """The policy's timeouts, each no longer than what is left of the deadline."""
        p = self.policy

        def bound(seconds: float) -> float:
            return seconds if left is None else max(0.001, min(seconds, left))

        read = bound(p.read_timeout)
        return httpx.Timeout(connect=bound(p.connect_timeout), read=read, write=read, pool=None)

    def _attempt(self, request: _Request) -> _Answer:
        """Send one request and read its body under the size cap and the deadline."""
        url, shown, deadline = request.target, request.shown, request.deadline
        if deadline.passed():
            raise deadline.error(shown, "before the request could be sent")
        started = time.monotonic()
        try:
            response, body = self._receive(request)
        except httpx.HTTPError as error:
            if deadline.passed():
                raise deadline.error(shown, "waiting for the server") from None
            p = self.policy
            message = connection_message(
                error, url, shown, connect_timeout=p.connect_timeout, read_timeout=p.read_timeout
            )
            if is_permanent(error):
                raise ScrapeError(message) from None
            raise _Retryable(message) from None
        except OSError as error:  # raised outside httpx's mapping, e.g. by the resolver
            raise _Retryable(os_error_message(error, url)) from None
        status = response.status_code
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.headers.get("retry-after"))
            longest = self.policy.max_retry_after
            if wait is not None and wait > longest:
                message = retry_after_too_long_message(shown, status, wait, longest)
                raise ScrapeError(message, status=status)
            raise _Retryable(server_error_message(status, shown), status=status, wait=wait)
        return _Answer(
            status=status,
            reason=response.reason_phrase,
            headers=response.headers,
            body=body,
            duration=time.monotonic() - started,
        )

    def _receive(self, request: _Request) -> tuple[httpx.Response, bytes]:
        """Send one GET and read its body (none for a redirect) under the cap."""
        shown, cap, truncate = request.shown, request.cap, request.truncate
        timeout = self._timeout(request.deadline.left())
        stream = self._client.stream(
            "GET", request.target, headers=request.headers, timeout=timeout
        )
        with stream as response:
            status = response.status_code
            declared = response.headers.get("content-length", "")
            if not truncate and declared.isdigit() and int(declared) > cap:
                raise ScrapeError(over_cap_message(shown, int(declared), cap), status=status)
            if status in REDIRECT_STATUSES:
                return response, b""
            try:
                body = read_capped(
                    response.iter_raw(),
                    encoding=response.headers.get("content-encoding", ""),
                    cap=cap,
                    truncate=truncate,
                    deadline=request.deadline,
                    url=shown,
                    status=status,
                )
            except UnsupportedEncoding as error:
                raise ScrapeError(f"{error} from {shown}", status=status) from None
            except DecodeError as error:
                raise _Retryable(f"{error} from {shown}") from None
            return response, body

"""What a failed fetch is called: one-line messages for people, and the Retry-After header.

The fetcher (scrapers/fetch.py) decides what to do; every sentence it ends with is worded here.
"""

from __future__ import annotations

import errno
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from scrapers.model import ScrapeError


def host_port(url: httpx.URL) -> str:
    """Return host:port as a person would write it for a URL."""
    return f"{url.host}:{url.port}" if url.port else url.host


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


def root_cause(error: BaseException) -> BaseException:
    """Follow an exception's causes down to the OS-level error."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        nxt = error.__cause__ or error.__context__
        if nxt is None:
            break
        error = nxt
    return error


def connection_message(
    error: httpx.HTTPError,
    url: httpx.URL,
    shown: str,
    *,
    connect_timeout: float,
    read_timeout: float,
) -> str:
    """Say in one line why a connection to url failed; `shown` is the live address asked."""
    where = host_port(url)
    live = httpx.URL(shown)
    if live.host != url.host or live.port != url.port:
        where = f"{where} (the mirror for {host_port(live)})"
    if isinstance(error, httpx.ConnectTimeout):
        return f"could not connect to {where}: timed out after {connect_timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"timed out after {read_timeout:g} s waiting for {shown}"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out talking to {where} for {shown}"
    root = root_cause(error)
    if isinstance(root, socket.gaierror):
        return f"could not resolve host {url.host}: {root.strerror or root}"
    if isinstance(root, ConnectionRefusedError):
        return f"could not connect to {where}: connection refused"
    if isinstance(error, httpx.ConnectError):
        reason = getattr(root, "strerror", None) or str(root) or type(root).__name__
        return f"could not connect to {where}: {reason}"
    reason = str(root) or type(root).__name__
    return f"connection to {where} failed while fetching {shown}: {reason}"


def is_permanent(error: httpx.HTTPError) -> bool:
    """True for failures no retry can fix (a name that does not exist)."""
    root = root_cause(error)
    return isinstance(root, socket.gaierror) and root.errno in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
    )


def http_target(url: str) -> httpx.URL:
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


def os_error_message(error: OSError, url: httpx.URL) -> str:
    """Say why a connection failed with an OS error outside httpx's mapping (the resolver)."""
    reason = error.strerror or errno.errorcode.get(error.errno or 0, str(error))
    return f"could not connect to {host_port(url)}: {reason}"


def attempts_said(count: int) -> str:
    """Return "1 attempt" or "N attempts"."""
    return "1 attempt" if count == 1 else f"{count} attempts"


def redirect_limit_message(asked: str, last: str, redirects: list[str], limit: int) -> str:
    """Say why a redirect chain was given up: a loop, or more hops than allowed."""
    what = "redirect loop" if last in redirects else "too many redirects"
    return f"{what} fetching {asked}: gave up after {limit} redirects (last went to {last})"


def over_cap_message(shown: str, declared: int, cap: int) -> str:
    """Say that a body announced as larger than the cap was not read."""
    return f"{shown} is {declared} bytes (Content-Length), over the {cap}-byte cap"


def server_error_message(status: int, shown: str) -> str:
    """Name a 429 or 5xx answer."""
    what = "too many requests (429)" if status == 429 else f"server error {status}"
    return f"{what} from {shown}"


def retry_after_too_long_message(shown: str, status: int, wait: float, longest: float) -> str:
    """Say that a server asked to come back later than the fetcher waits."""
    return (
        f"{shown} answered {status} asking to retry after {wait:g} s, longer than"
        f" the {longest:g} s this fetcher waits"
    )


def next_attempt_too_late(wait: float, last: object, attempts: int) -> str:
    """Say (after "the deadline passed") that the next attempt would come too late."""
    return f"before the next attempt, due in {wait:g} s ({last} after {attempts_said(attempts)})"


def stopped_message(shown: str) -> str:
    """Say that a fetch was cut short by the run being stopped."""
    return f"{shown} was not fetched: the run was stopped (its fetcher is closed)"

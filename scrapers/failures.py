"""One-line messages for failed connections, and the Retry-After header."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


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

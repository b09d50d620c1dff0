"""robots.txt per live host, read once and applied as RFC 9309 says (via protego)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from protego import Protego

from scrapers.model import ScrapeError, StoppedError
from scrapers.rewrite import UncoveredError

# RFC 9309 section 2.5: parse at least 500 KiB; what follows is ignored.
ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 section 2.3.1.2


@dataclass(frozen=True)
class RobotsAnswer:
    """What a robots.txt request got: status, body, and the live address of a redirect."""

    status: int
    body: bytes
    location: str | None = None


Reader = Callable[[str], RobotsAnswer]


@dataclass
class _Rules:
    lock: threading.Lock = field(default_factory=threading.Lock)
    parser: Protego | None = None
    error: ScrapeError | None = None


def origin_url(url: str | httpx.URL) -> str:
    """Return scheme://host[:port] of a URL (a default port left out): where its robots.txt
    is, and the unit of politeness (one request at a time per origin)."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: 'guidewatch' of 'guidewatch/0.1 (...)'."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0].strip() or user_agent


def parse_robots(body: bytes) -> Protego:
    """Parse a robots.txt body, cut at ROBOTS_MAX_BYTES on a line boundary."""
    if len(body) > ROBOTS_MAX_BYTES:
        body = body[:ROBOTS_MAX_BYTES].rsplit(b"\n", 1)[0]
    return Protego.parse(body.decode("utf-8", errors="replace"))


def load_robots(robots_url: str, read: Reader) -> Protego:
    """Read a robots.txt through `read`, following redirects; 4xx allows, 5xx disallows."""
    current = robots_url
    for _ in range(ROBOTS_MAX_REDIRECTS + 1):
        try:
            answer = read(current)
        except (UncoveredError, StoppedError):
            raise
        except ScrapeError as error:
            raise ScrapeError(
                f"{error} (while fetching {robots_url}; RFC 9309 says to assume"
                " everything is disallowed when robots.txt cannot be read)",
                status=error.status,
            ) from None
        if answer.location is not None:
            current = answer.location
            continue
        if 200 <= answer.status < 300:
            return parse_robots(answer.body)
        if 400 <= answer.status < 500:
            return Protego.parse("")  # no rules: everything allowed
        raise ScrapeError(
            f"robots.txt at {robots_url} answered {answer.status}; RFC 9309 says to assume"
            " everything is disallowed",
            status=answer.status,
        )
    # Too many redirects: RFC 9309 lets a crawler treat robots.txt as unavailable.
    return Protego.parse("")


class Robots:
    """The robots.txt rules of every live host asked, each read once (errors remembered too)."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self.token = product_token(user_agent)
        self._hosts: dict[str, _Rules] = {}
        self._lock = threading.Lock()

    def check(self, url: str, read: Reader) -> None:
        """Raise ScrapeError unless the host's robots.txt lets our agent fetch the live url."""
        base = origin_url(url)
        with self._lock:
            rules = self._hosts.setdefault(base, _Rules())
        with rules.lock:
            if rules.parser is None and rules.error is None:
                try:
                    rules.parser = load_robots(base + "/robots.txt", read)
                except ScrapeError as error:
                    rules.error = error
        if rules.error is not None:
            raise type(rules.error)(str(rules.error), status=rules.error.status)
        assert rules.parser is not None
        if not rules.parser.can_fetch(url, self.token):
            raise ScrapeError(
                f"robots.txt at {base}/robots.txt disallows {url}"
                f" for user agent {self.user_agent!r}"
            )

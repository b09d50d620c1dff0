"""Mirror mode: where each live address is sent (GUIDEWATCH_REWRITE), and back again.

A rule is a pair of prefixes, LIVE=MIRROR. A prefix covers an address that starts with it
at a boundary ("https://www.gov.uk" covers "https://www.gov.uk/x", not
"https://www.gov.uk.example.org/"); when several rules cover an address the longest wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from scrapers.model import ScrapeError

Rule = tuple[str, str]
Rewrites = tuple[Rule, ...]


class UncoveredError(ScrapeError):
    """A rewrite is in force and an address matches none of its rules: it is not fetched."""


def parse_rewrites(value: str) -> Rewrites:
    """Parse `LIVE=MIRROR;LIVE=MIRROR` (newlines also separate) into rules."""
    pairs = []
    for item in value.replace("\n", ";").split(";"):
        if item.strip():
            old, sep, new = item.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise ValueError(
                    f"item {item.strip()!r} is not of the form OLD=NEW (LIVE_PREFIX=MIRROR_PREFIX)"
                )
            # A trailing slash on one side only would glue or double a slash in every address.
            pairs.append((old.strip().rstrip("/"), new.strip().rstrip("/")))
    return tuple(pairs)


def _fold(url: str) -> str:
    """Lower-case the scheme and host part of a URL (they are case-insensitive)."""
    start = url.find("://")
    if start < 0:
        return url
    end = len(url)
    for mark in "/?#":
        found = url.find(mark, start + 3)
        if found >= 0:
            end = min(end, found)
    return url[:end].lower() + url[end:]


def _covers(prefix: str, url: str) -> bool:
    """True when a rule's prefix covers a URL, at a boundary."""
    prefix, url = _fold(prefix), _fold(url)
    if not url.startswith(prefix):
        return False
    return prefix.endswith("/") or len(url) == len(prefix) or url[len(prefix)] in "/?#"


def _swap(url: str, old: str, new: str) -> str:
    return new + url[len(old) :]


def _best(rules: Rewrites, url: str, side: int) -> Rule | None:
    """The rule whose live (side 0) or mirror (side 1) prefix covers url, longest first."""
    found = [rule for rule in rules if _covers(rule[side], url)]
    return max(found, key=lambda rule: len(rule[side])) if found else None


def mirror_url(url: str, rewrites: Rewrites) -> str:
    """Return where a live URL is fetched from, or the URL itself when no rule covers it."""
    rule = _best(rewrites, url, 0)
    return _swap(url, *rule) if rule else url


def live_url(url: str, rewrites: Rewrites) -> str:
    """Return the live URL a mirror URL stands for (the inverse of mirror_url)."""
    rule = _best(rewrites, url, 1)
    return _swap(url, rule[1], rule[0]) if rule else url


@dataclass(frozen=True)
class Rewriter:
    """Applies rewrite rules to every address a fetcher is about to request."""

    rules: Rewrites = ()
    allow_uncovered: bool = False

    def to_mirror(self, url: str, *, why: str = "") -> str:
        """Return the address to send a request for url to; refuse an uncovered address.

        An address already on a mirror is sent as it is. `why` is added to the error.
        """
        if not self.rules:
            return url
        rule = _best(self.rules, url, 0)
        if rule is not None:
            return _swap(url, *rule)
        if self.allow_uncovered or _best(self.rules, url, 1) is not None:
            return url
        raise UncoveredError(
            f"not covered by GUIDEWATCH_REWRITE: {url}{f' ({why})' if why else ''};"
            " not fetched (GUIDEWATCH_REWRITE_ALLOW_UNCOVERED=1 would fetch it live)"
        )

    def to_live(self, url: str) -> str:
        """Return the live address a (possibly mirror) address stands for."""
        return live_url(url, self.rules)

    def follow(self, live: str, sent: str, location: str) -> str:
        """Return the live address a Location header points to.

        `live` is the address asked for and `sent` where the request went. An absolute,
        scheme-relative or relative Location resolves against the live address (a mirror
        replaying the live site's answers). A root-relative one that lands inside a mirror
        prefix when resolved against the mirror is the mirror's own redirect (a server adding
        a trailing slash); otherwise it too is the live site's path.
        """
        location = location.strip()
        if not self.rules:
            return urljoin(sent, location)
        if location.startswith("/") and not location.startswith("//"):
            on_mirror = urljoin(sent, location)
            mine = _best(self.rules, live, 0)
            if mine is not None and _covers(mine[1], on_mirror):
                return _swap(on_mirror, mine[1], mine[0])
            if _best(self.rules, on_mirror, 1) is not None:
                return self.to_live(on_mirror)
        return self.to_live(urljoin(live, location))

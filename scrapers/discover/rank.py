"""Rank the candidates for a document: title pattern, then newest date, then exact title."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from scrapers.discover.model import Candidate
from scrapers.links import file_name

_FOLDER_DATE = re.compile(r"/(?:uploads|files)/((?:19|20)\d{2})/(\d{2})/")
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])([0-3]\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_MONTH_YEAR = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s_-]+((?:19|20)\d{2})\b", re.I
)
# Words that mark a later edition of the same document with the same date.
_NEWER = re.compile(r"\b(redraft|revised|revision|updated|update|second edition)\b", re.IGNORECASE)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The case-insensitive title pattern; ValueError naming it when it does not compile."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"invalid link pattern {pattern!r}: {error}") from None


def texts(title: str, url: str) -> tuple[str, ...]:
    """What a pattern is matched against: the title, the file name, and it with dashes as spaces."""
    name = file_name(url)
    return (title, name, re.sub(r"[-_]+", " ", name))


def matches(pattern: re.Pattern[str], title: str, url: str) -> bool:
    """True when the title or the file name matches the pattern."""
    return any(text and pattern.search(text) for text in texts(title, url))


def link_date(title: str, url: str) -> str:
    """The date a link itself says: an upload folder, a yyyymmdd file name, a month and year."""
    folder = _FOLDER_DATE.search(url)
    if folder:
        return f"{folder.group(1)}-{folder.group(2)}"
    name = file_name(url)
    compact = _COMPACT_DATE.search(name)
    if compact:
        return "-".join(compact.groups())
    for text in (title, re.sub(r"[-_]+", " ", name)):
        month_year = _MONTH_YEAR.search(text)
        if month_year:
            return f"{month_year.group(2)}-{_MONTHS[month_year.group(1)[:3].lower()]:02d}"
    years = [y for text in (title, name) for y in _YEAR.findall(text)]
    return max(years) if years else ""


def same_file(url: str) -> str:
    """A key under which two addresses of one file meet (pagespeed rewrite and query dropped)."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    return base.rsplit("/", 1)[0] + "/" + file_name(base).lower()


def _normal_title(text: str) -> str:
    return re.sub(r"[\s\-–—_:|]+", " ", text).strip().casefold()


def mark_exact(candidates: Sequence[Candidate], exact_title: str) -> list[Candidate]:
    """Flag candidates whose title is the document's exact title (ignoring case and dashes)."""
    if not exact_title:
        return list(candidates)
    wanted = _normal_title(exact_title)
    return [replace(c, exact=_normal_title(c.title) == wanted) for c in candidates]


def _date_key(date: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.findall(r"\d+", date)[:3]]
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def sort_key(candidate: Candidate) -> tuple[tuple[int, int, int], bool, bool]:
    """Newest date first, then a redraft/revised title, then an exact title."""
    return (_date_key(candidate.date), bool(_NEWER.search(candidate.title)), candidate.exact)


def unique(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per file, keeping the first seen (the best named, since titles come first)."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(same_file(candidate.url), candidate)
    return list(seen.values())


def rank(candidates: Sequence[Candidate]) -> tuple[list[Candidate], str]:
    """Candidates best first, and why the first won; "" as the reason when the top two tie."""
    ordered = sorted(unique(candidates), key=sort_key, reverse=True)
    if len(ordered) == 1:
        return ordered, "the only match"
    if not ordered:
        return ordered, ""
    first, second = ordered[0], ordered[1]
    if sort_key(first) == sort_key(second):
        return ordered, ""
    how = len(ordered)
    if _date_key(first.date) != _date_key(second.date):
        return ordered, f"newest of {how} matches, dated {first.date}"
    if sort_key(first)[1] != sort_key(second)[1]:
        return ordered, f"the later edition of {how} matches with the same date"
    return ordered, f"the exact title among {how} matches"

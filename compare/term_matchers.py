"""Watched terms' regexes, compiled on first need and skipped where a text lacks their words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.model import Term

_EDGE = "A-Za-z0-9"
_HYPHEN = "[-\u2010\u2011]"
_RUN = re.compile("[a-z0-9]+")
# The only characters other than ASCII letters and digits that a case-insensitive ASCII letter
# or digit matches, or that lower-case to one (İ ı ſ K, found over every code point by
# tests/test_term_matchers.py): a text holding one is scanned with every term's regex.
_FOLD_UNSAFE = re.compile("[\u0130\u0131\u017f\u212a]")


def variant_pattern(variant: str) -> str:
    """Return the regex source for one variant: a space also matches a hyphen or line break."""
    out: list[str] = []
    for char in variant:
        if char == " ":
            out.append(rf"(?:\s+|\s*{_HYPHEN}\s*)")
        elif char == "-":
            out.append(_HYPHEN)
        else:
            out.append(re.escape(char))
    return "".join(out)


def term_source(term: Term) -> str:
    """The regex source of one term: its variants (longest first, any case), its abbreviations."""
    variants = sorted(term.variants, key=len, reverse=True)
    words = "|".join(variant_pattern(v) for v in variants)
    parts = [f"(?i:{words})"] if words else []
    parts += [re.escape(a) for a in term.abbreviations]
    return rf"(?<![{_EDGE}])(?:{'|'.join(parts)})(?![{_EDGE}])"


def _needs(term: Term) -> tuple[frozenset[str], ...] | None:
    """Per variant, the lower-case runs of letters and digits a match of it holds whole.

    None (no check) when a variant is not ASCII or the term has no words to look for.
    """
    if not term.variants or not all(v.isascii() for v in term.variants):
        return None
    return tuple(frozenset(_RUN.findall(v.lower())) for v in term.variants)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


@dataclass(frozen=True)
class TermMatcher:
    """One term's regex source, what it belongs to, and the words it needs."""

    source: str
    topic: str
    term: str
    order: int
    needs: tuple[frozenset[str], ...] | None
    abbreviations: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regex (compiled once per process, when first asked for)."""
        return _compiled(self.source)

    def may_match(self, text: str, runs: frozenset[str] | None) -> bool:
        """Whether the regex may match text (False: no variant has all its runs in runs).

        Abbreviations are matched as written, so one in text is enough; runs None: not known.
        """
        if runs is None or self.needs is None:
            return True
        if any(need <= runs for need in self.needs):
            return True
        return any(a in text for a in self.abbreviations)


def make_matcher(term: Term, topic: str, order: int) -> TermMatcher:
    """Return the matcher of one term of a topic, its place among the topics' terms."""
    return TermMatcher(
        term_source(term), topic, term.name, order, _needs(term), tuple(term.abbreviations)
    )


def _keys(matcher: TermMatcher) -> list[str] | None:
    """One run per variant and abbreviation, one of which a text must hold for a match.

    None when the matcher has none such (it is always run).
    """
    if matcher.needs is None or not all(a.isascii() for a in matcher.abbreviations):
        return None
    needs = [*matcher.needs, *(frozenset(_RUN.findall(a.lower())) for a in matcher.abbreviations)]
    if not all(needs):
        return None  # a variant or abbreviation without letters or digits
    return [max(sorted(need), key=len) for need in needs]


@dataclass(frozen=True)
class TermIndex:
    """The matchers of a topic selection, and, by word, those a text holding it may need."""

    matchers: tuple[TermMatcher, ...]
    always: tuple[int, ...]
    by_run: dict[str, tuple[int, ...]]

    def for_text(self, text: str) -> list[TermMatcher]:
        """The matchers that may match text, in their order (each other's regex finds nothing)."""
        runs = text_runs(text)
        if runs is None:
            return list(self.matchers)
        chosen = set(self.always)
        for run in runs:
            found = self.by_run.get(run)
            if found is not None:
                chosen.update(found)
        return [m for i in sorted(chosen) if (m := self.matchers[i]).may_match(text, runs)]


def make_index(matchers: tuple[TermMatcher, ...]) -> TermIndex:
    """Index matchers by the runs one of which a text must hold for each to match."""
    always: list[int] = []
    by_run: dict[str, list[int]] = {}
    for place, matcher in enumerate(matchers):
        keys = _keys(matcher)
        if keys is None:
            always.append(place)
            continue
        for key in dict.fromkeys(keys):
            by_run.setdefault(key, []).append(place)
    return TermIndex(matchers, tuple(always), {k: tuple(v) for k, v in by_run.items()})


def text_runs(text: str) -> frozenset[str] | None:
    """The lower-case runs of ASCII letters and digits in text, or None.

    None when a character could make a case-insensitive match that lower-casing hides.
    """
    if _FOLD_UNSAFE.search(text):
        return None
    return frozenset(_RUN.findall(text.lower()))

"""Try a document's discovery methods in order; rank what the first fruitful one finds."""

from __future__ import annotations

import re
from collections.abc import Callable

from scrapers.base import Getter
from scrapers.discover.index_page import fetch_page, page_candidates
from scrapers.discover.model import (
    METHODS,
    Attempt,
    Candidate,
    DiscoveryError,
    Found,
    Options,
    Record,
)
from scrapers.discover.rank import compile_pattern, link_date, mark_exact, matches, rank
from scrapers.discover.sitemap import pages_to_read, site_pages
from scrapers.discover.wordpress import Unavailable, media_candidates, search_url
from scrapers.links import file_name
from scrapers.model import DocumentSpec, ScrapeError

Method = Callable[[Options, re.Pattern[str], Getter, str], tuple[list[Candidate], list[Attempt]]]


def _wp_media(
    options: Options, pattern: re.Pattern[str], get: Getter, spec_id: str
) -> tuple[list[Candidate], list[Attempt]]:
    where = search_url(options)
    try:
        found, note = media_candidates(options, pattern, get)
    except Unavailable as error:
        later = options.methods[options.methods.index("wp-media") + 1 :]
        then = f"falling back to {later[0]}" if later else "no other discovery method is configured"
        return [], [Attempt("wp-media", where, f"{error}; {then}")]
    return found, [Attempt("wp-media", where, note)]


def _pages(
    method: str, urls: list[str], pattern: re.Pattern[str], get: Getter, spec_id: str
) -> tuple[list[Candidate], list[Attempt], list[str]]:
    found: list[Candidate] = []
    attempts: list[Attempt] = []
    present: list[str] = []
    for url in urls:
        try:
            page = fetch_page(get, url, spec_id)
        except DiscoveryError:
            raise
        except ScrapeError as error:
            attempts.append(Attempt(method, url, f"not read: {error}"))
            continue
        here = page_candidates(page, pattern, method, present=present)
        attempts.append(Attempt(method, url, f"{len(here)} matching PDF link(s)"))
        found += here
    return found, attempts, present


def _sitemap(
    options: Options, pattern: re.Pattern[str], get: Getter, spec_id: str
) -> tuple[list[Candidate], list[Attempt]]:
    pages, notes = site_pages(options, get)
    attempts = [Attempt("sitemap", options.site, note) for note in notes]
    chosen = pages_to_read(pages, options)
    if pages and not chosen:
        attempts.append(
            Attempt("sitemap", options.site, "no listed page looks like a document list")
        )
    found, read, _ = _pages("sitemap", [p.url for p in chosen], pattern, get, spec_id)
    return found, attempts + read


def _index_page(
    options: Options, pattern: re.Pattern[str], get: Getter, spec_id: str
) -> tuple[list[Candidate], list[Attempt]]:
    found, attempts, present = _pages(
        "index-page", list(options.index_pages), pattern, get, spec_id
    )
    if not found and present:
        listed = "; ".join(repr(text) for text in present[:5])
        attempts.append(Attempt("index-page", "(all)", f"PDF links there: {listed}"))
    return found, attempts


def _redirect(
    options: Options, pattern: re.Pattern[str], get: Getter, spec_id: str
) -> tuple[list[Candidate], list[Attempt]]:
    if not options.redirect:
        return [], [Attempt("redirect", "", "no redirect address declared")]
    try:
        answer = get(options.redirect)
    except ScrapeError as error:
        return [], [Attempt("redirect", options.redirect, f"not answered: {error}")]
    final = answer.final_url or options.redirect
    if answer.content_kind != "pdf":
        return [], [Attempt("redirect", options.redirect, f"{final} is not a PDF")]
    name = file_name(final)
    if not matches(pattern, name, final):
        return [], [Attempt("redirect", options.redirect, f"{final} does not match the pattern")]
    candidate = Candidate(final, name, "redirect", options.redirect, link_date(name, final))
    return [candidate], [Attempt("redirect", options.redirect, f"redirected to {final}")]


METHOD_FUNCTIONS: dict[str, Method] = {
    "wp-media": _wp_media,
    "sitemap": _sitemap,
    "index-page": _index_page,
    "redirect": _redirect,
}
assert set(METHOD_FUNCTIONS) == set(METHODS)


def discover(spec: DocumentSpec, get: Getter) -> Found:
    """The URL of the document's file now, found by the first method that finds any match.

    Raises DiscoveryError (with the record of every attempt) when nothing matches, or when
    the best matches cannot be told apart: a silent guess would put another document's text
    in this one's history.
    """
    if not spec.link_text:
        raise ScrapeError(f"{spec.id}: a pdf-link document needs link_text")
    options = Options.of(spec)
    try:
        pattern = compile_pattern(options.pattern)
    except ValueError as error:
        raise ScrapeError(f"{spec.id}: {error}") from None
    attempts: list[Attempt] = []
    for method in options.methods:
        found, tried = METHOD_FUNCTIONS[method](options, pattern, get, spec.id)
        attempts += tried
        if not found:
            continue
        ordered, reason = rank(mark_exact(found, options.exact_title))
        if not reason:
            record = Record(method, None, "ambiguous", tuple(attempts), tuple(ordered))
            tied = "; ".join(f"{c.title!r} <{c.url}>" for c in ordered[:3])
            raise DiscoveryError(
                f"ambiguous: {len(ordered)} files match {options.pattern!r} by {method} and "
                f"cannot be ranked ({tied}); narrow link_text or set discover.exact_title",
                record,
            )
        record = Record(method, ordered[0].url, reason, tuple(attempts), tuple(ordered))
        return Found(ordered[0].url, record)
    record = Record(None, None, "no match", tuple(attempts))
    detail = "; ".join(f"{a.method} {a.where}: {a.result}" for a in attempts)
    raise DiscoveryError(f"no PDF link matching {options.pattern!r} found ({detail})", record)

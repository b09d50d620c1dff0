"""The sources file's entries checked with the standard library, for entries that are right.

guidewatch.sources_model's pydantic models are the file's declared shape and word every
error; importing pydantic and building them costs a process 60-70 ms. An entry that passes
every check here (the same ones, never looser) is read without them; anything else returns
None and goes to the models, which accept it or say what is wrong. The value checks
(addresses, regular expressions, selectors) are the models' own validators, defined here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from compare import plainshape as shape

METHODS = ("wp-media", "sitemap", "index-page", "redirect")
BUILT_IN_KINDS = ("nice-chapter", "govuk", "pdf", "pdf-link", "html")


def http_url(value: str) -> str:
    """The value if it is an http(s) address with a host, else ValueError."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) address with a host, not {value!r}")
    return value


def regex(value: str) -> str:
    """The value if it compiles as a regular expression, else ValueError."""
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression ({error}): {value!r}") from None
    return value


def ignore_rule(value: str) -> str:
    """The value if it names an ignore preset or is a regular expression, else ValueError."""
    from compare.noise import IGNORE_PRESETS

    return value if value in IGNORE_PRESETS else regex(value)


# Selectors made only of tags, classes and ids joined by combinators, which soupsieve always
# accepts: checked without importing it (with bs4 and lxml, a tenth of a second per run).
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_COMPOUND = rf"(?:(?:[A-Za-z][A-Za-z0-9-]*|\*)(?:[.#]{_NAME})*|(?:[.#]{_NAME})+)"
_SELECTOR = rf"{_COMPOUND}(?:(?:[ ]*[>+~][ ]*|[ ]+){_COMPOUND})*"
_PLAIN_CSS = re.compile(rf"{_SELECTOR}(?:[ ]*,[ ]*{_SELECTOR})*")


def plain_css(value: str) -> bool:
    """Whether a selector is plainly valid (tags, classes, ids, combinators, commas)."""
    return _PLAIN_CSS.fullmatch(value) is not None


def css(value: str) -> str:
    """The value if soupsieve accepts it as a CSS selector, else ValueError."""
    if plain_css(value):
        return value
    import soupsieve  # with bs4, a tenth of a second that commands reading no page need not pay

    try:
        soupsieve.compile(value)
    except soupsieve.SelectorSyntaxError as error:
        reason = str(error).splitlines()[0]
        raise ValueError(f"is not a valid CSS selector ({reason}): {value!r}") from None
    return value


@dataclass(frozen=True)
class PlainSource:
    """A source as guidewatch.sources_model.SourceModel gives it."""

    name: str
    homepage: str


@dataclass(frozen=True)
class PlainDocument:
    """A document as its kind's model gives it; discover as the model dumps it (no None)."""

    source: str
    title: str
    url: str
    ignore: list[str]
    guess: bool
    options: dict[str, Any]
    selector: str | None = None
    link_text: str | None = None
    discover: dict[str, Any] | None = None


# Each kind's keys, as its model declares them (tests/test_sourceshape.py compares).
COMMON_KEYS = frozenset({"kind", "source", "title", "url", "ignore", "guess", "options"})
KIND_KEYS: dict[str, frozenset[str]] = {
    "nice-chapter": COMMON_KEYS,
    "govuk": COMMON_KEYS,
    "pdf": COMMON_KEYS,
    "pdf-link": COMMON_KEYS | {"link_text", "discover"},
    "html": COMMON_KEYS | {"selector"},
}
OTHER_KIND_KEYS = COMMON_KEYS | {"selector", "link_text"}
SOURCE_KEYS = frozenset({"name", "homepage"})
DISCOVER_KEYS = (  # in the model's order, which its dump keeps
    "methods", "search", "site", "index_pages", "sitemaps", "pages", "max_pages", "redirect",
    "exact_title",
)  # fmt: skip


def plain_source(fields: Any) -> PlainSource | None:
    """A [sources.<id>] table if every check passes, else None (the model then decides)."""
    try:
        table = shape.table(fields, SOURCE_KEYS)
        homepage = shape.text(table, "homepage", default="")
        if homepage:
            _check(http_url, homepage)
        return PlainSource(name=shape.text(table, "name", default=""), homepage=homepage)
    except shape.Refused:
        return None


def plain_document(kind: str, fields: Any) -> PlainDocument | None:
    """A [documents.<id>] table of a kind if every check passes, else None (the model decides)."""
    try:
        table = shape.table(fields, KIND_KEYS.get(kind, OTHER_KIND_KEYS))
        ignore = shape.strings(table, "ignore")
        for rule in ignore:
            _check(ignore_rule, rule)
        guess = table.get("guess", False)
        options = table.get("options", {})
        if type(guess) is not bool or type(options) is not dict:
            raise shape.Refused
        if not all(type(key) is str for key in options):
            raise shape.Refused
        selector = _optional(table, "selector", css)
        link_text = _optional(table, "link_text", regex)
        if kind == "pdf-link" and not link_text:
            raise shape.Refused
        discover = table.get("discover")
        return PlainDocument(
            source=shape.text(table, "source", least=1),
            title=shape.text(table, "title", least=1),
            url=_check(http_url, shape.text(table, "url")),
            ignore=list(ignore),
            guess=guess,
            options=dict(options),
            selector=selector,
            link_text=link_text,
            discover=None if discover is None else _discover(discover),
        )
    except shape.Refused:
        return None


def _discover(value: Any) -> dict[str, Any]:
    table = shape.table(value, set(DISCOVER_KEYS))
    methods = shape.strings(table, "methods", default=["index-page"])
    max_pages = table.get("max_pages", 10)
    if not methods or not set(methods) <= set(METHODS):
        raise shape.Refused
    if type(max_pages) is not int or not 1 <= max_pages <= 100:
        raise shape.Refused
    dumped: dict[str, Any] = {
        "methods": list(methods),
        "search": shape.text(table, "search", default=""),
        "site": _optional(table, "site", http_url),
        "index_pages": _optional_list(table, "index_pages", http_url),
        "sitemaps": _optional_list(table, "sitemaps", _nonempty),
        "pages": _check(regex, shape.text(table, "pages", default="")),
        "max_pages": max_pages,
        "redirect": _optional(table, "redirect", http_url),
        "exact_title": shape.text(table, "exact_title", default=""),
    }
    return {key: value for key, value in dumped.items() if value is not None}


def _nonempty(value: str) -> str:
    if not value:
        raise ValueError("empty")
    return value


def _check(check: Any, value: str) -> str:
    try:
        return check(value)  # type: ignore[no-any-return]
    except ValueError:  # urlsplit's too (a malformed IPv6 host)
        raise shape.Refused from None


def _optional(table: dict[str, Any], key: str, check: Any) -> str | None:
    if key not in table:
        return None
    return _check(check, shape.text(table, key))


def _optional_list(table: dict[str, Any], key: str, check: Any) -> list[str] | None:
    if key not in table:
        return None
    return [_check(check, value) for value in shape.strings(table, key)]

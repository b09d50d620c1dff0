"""The sources file's shape: one pydantic model per kind, every key declared, nothing else."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from compare.noise import IGNORE_PRESETS

METHOD = Literal["wp-media", "sitemap", "index-page", "redirect"]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) address with a host, not {value!r}")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression ({error}): {value!r}") from None
    return value


def _ignore_rule(value: str) -> str:
    return value if value in IGNORE_PRESETS else _regex(value)


# Selectors made only of tags, classes and ids joined by combinators, which soupsieve always
# accepts: checked without importing it (with bs4 and lxml, a tenth of a second per run).
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_COMPOUND = rf"(?:(?:[A-Za-z][A-Za-z0-9-]*|\*)(?:[.#]{_NAME})*|(?:[.#]{_NAME})+)"
_SELECTOR = rf"{_COMPOUND}(?:(?:[ ]*[>+~][ ]*|[ ]+){_COMPOUND})*"
_PLAIN_CSS = re.compile(rf"{_SELECTOR}(?:[ ]*,[ ]*{_SELECTOR})*")


def plain_css(value: str) -> bool:
    """Whether a selector is plainly valid (tags, classes, ids, combinators, commas)."""
    return _PLAIN_CSS.fullmatch(value) is not None


def _css(value: str) -> str:
    if plain_css(value):
        return value
    import soupsieve  # with bs4, a tenth of a second that commands reading no page need not pay

    try:
        soupsieve.compile(value)
    except soupsieve.SelectorSyntaxError as error:
        reason = str(error).splitlines()[0]
        raise ValueError(f"is not a valid CSS selector ({reason}): {value!r}") from None
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Regex = Annotated[str, AfterValidator(_regex)]
Selector = Annotated[str, AfterValidator(_css)]
IgnoreRule = Annotated[str, AfterValidator(_ignore_rule)]
# An address, or a path on the site (sitemaps).
SitePath = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    """Unknown keys refused; no silent conversion (a number is not a string, a string no list)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SourceModel(_Strict):
    """An organisation: [sources.<id>]."""

    name: str = ""
    homepage: HttpUrl | Literal[""] = ""


def _index_page_only() -> list[METHOD]:
    return ["index-page"]


class DiscoverModel(_Strict):
    """How a pdf-link document's file is found: [documents.<id>.discover]."""

    methods: list[METHOD] = Field(default_factory=_index_page_only, min_length=1)
    search: str = ""
    site: HttpUrl | None = None
    index_pages: list[HttpUrl] | None = None
    sitemaps: list[SitePath] | None = None
    pages: Regex = ""
    max_pages: int = Field(default=10, ge=1, le=100)
    redirect: HttpUrl | None = None
    exact_title: str = ""


class _Document(_Strict):
    """What every document declares."""

    source: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: HttpUrl
    ignore: list[IgnoreRule] = Field(default_factory=list)
    guess: bool = False
    options: dict[str, Any] = Field(default_factory=dict)


class NiceChapterModel(_Document):
    """A NICE guideline chapter in the feed markup."""

    kind: Literal["nice-chapter"]


class GovukModel(_Document):
    """A GOV.UK page read through the Content API."""

    kind: Literal["govuk"]


class PdfModel(_Document):
    """A PDF at a fixed address."""

    kind: Literal["pdf"]


class PdfLinkModel(_Document):
    """A PDF found afresh on every run under a title matching link_text."""

    kind: Literal["pdf-link"]
    link_text: Regex = Field(min_length=1)
    discover: DiscoverModel | None = None


class HtmlModel(_Document):
    """Any page, its content picked by a CSS selector (main/article/body when none)."""

    kind: Literal["html"]
    selector: Selector | None = None


class OtherKindModel(_Document):
    """A kind registered by a plugin or a test: the common keys and the optional ones."""

    kind: str
    selector: Selector | None = None
    link_text: Regex | None = None


KIND_MODELS: dict[str, type[_Document]] = {
    "nice-chapter": NiceChapterModel,
    "govuk": GovukModel,
    "pdf": PdfModel,
    "pdf-link": PdfLinkModel,
    "html": HtmlModel,
}

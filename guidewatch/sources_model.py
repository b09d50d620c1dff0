"""The sources file's shape: one pydantic model per kind, every key declared, nothing else.

guidewatch.sourceshape reads entries that are right without these; they word every error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from guidewatch.sourceshape import css, http_url, ignore_rule, regex

METHOD = Literal["wp-media", "sitemap", "index-page", "redirect"]

HttpUrl = Annotated[str, AfterValidator(http_url)]
Regex = Annotated[str, AfterValidator(regex)]
Selector = Annotated[str, AfterValidator(css)]
IgnoreRule = Annotated[str, AfterValidator(ignore_rule)]
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

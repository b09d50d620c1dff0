"""The sources file: the shipped one, a user's own, overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidewatch.settings import load_settings
from guidewatch.sources import DEFAULT_SOURCES, SourcesError, load_catalog
from scrapers.base import BUILT_IN, EXTRACTORS, get_extractor
from scrapers.rewrite import mirror_url


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_declares_the_four_sources_with_known_kinds() -> None:
    catalog = load_catalog(DEFAULT_SOURCES)
    assert {s.id for s in catalog.sources} == {"nice", "dhsc", "bacme", "bhc"}
    assert {d.source for d in catalog.documents} == {"nice", "dhsc", "bacme", "bhc"}
    for spec in catalog.documents:
        assert get_extractor(spec.kind).kind == spec.kind
        assert spec.url.startswith("https://")
    assert "nice-ng206-recommendations" in catalog.ids()
    assert catalog.document("dhsc-final-delivery-plan").options["ignore"] == ["govuk"]


def test_user_file_extends_the_default_and_adds_generic_documents(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
extends = "default"

[documents.bacme-guide-to-therapy]
url = "http://127.0.0.1:9/bacme/"

[documents.clinic-leaflet]
source = "bhc"
title = "A clinic leaflet"
kind = "pdf-link"
url = "https://clinic.example.org/leaflets/"
link_text = "leaflet"

[documents.clinic-page]
source = "bhc"
title = "A clinic page"
kind = "html"
url = "https://clinic.example.org/me-cfs/"
selector = "main .content"
""",
    )
    catalog = load_catalog(path)
    guide = catalog.document("bacme-guide-to-therapy")
    assert guide.url == "http://127.0.0.1:9/bacme/" and guide.kind == "pdf-link"
    assert guide.link_text == "guide to therapy"  # kept from the default
    assert catalog.document("clinic-page").selector == "main .content"
    assert len(catalog.documents) == len(load_catalog(DEFAULT_SOURCES).documents) + 2


def test_user_file_alone_replaces_the_default(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[sources.x]
name = "X"

[documents.x-page]
source = "x"
title = "X"
kind = "pdf"
url = "https://x.example.org/a.pdf"
""",
    )
    assert load_catalog(path).ids() == ["x-page"]


def test_select_by_source_and_document() -> None:
    catalog = load_catalog(DEFAULT_SOURCES)
    chosen = catalog.select(["bacme"], ["nice-ng206-recommendations"])
    assert {s.source for s in chosen} == {"bacme", "nice"}
    assert len(chosen) == 1 + sum(1 for d in catalog.documents if d.source == "bacme")
    assert catalog.select([], []) == list(catalog.documents)
    with pytest.raises(SourcesError, match="unknown source 'nope'"):
        catalog.select(["nope"], [])
    with pytest.raises(SourcesError, match="unknown document 'nope'"):
        catalog.select([], ["nope"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[documents.a]\nsource='s'\ntitle='t'\nkind='html'\nurl='https://x.org/'\n",
            "is not declared",
        ),
        ("[sources.s]\n[documents.a]\nsource='s'\ntitle='t'\nkind='html'\n", "url is required"),
        (
            "[sources.s]\n[documents.A_B]\nsource='s'\ntitle='t'\nkind='html'\nurl='u'\n",
            "lower-case",
        ),
        (
            "[sources.s]\n[documents.a]\nsource='s'\ntitle='t'\nkind='pdf-link'\nurl='u'\n",
            "needs link_text",
        ),
        (
            "[sources.s]\n[documents.a]\nsource='s'\ntitle='t'\nkind='html'\nurl='https://x.org/'\nurll='v'\n",
            "unknown field",
        ),
        ("[sources.s]\n", "declares no documents"),
        ("not toml = = =", "not valid TOML"),
        ("extends = 'other'\n", "extends must be"),
    ],
)
def test_mistakes_get_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourcesError, match=message):
        load_catalog(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="does not exist"):
        load_catalog(tmp_path / "nope.toml")


def test_every_kind_in_the_registry_is_documented_in_the_shipped_file() -> None:
    import scrapers.kinds  # noqa: F401  (registers every built-in kind)

    assert set(BUILT_IN) <= set(EXTRACTORS)
    header = DEFAULT_SOURCES.read_text(encoding="utf-8").split("[sources.nice]")[0]
    for kind in EXTRACTORS:
        assert f'"{kind}"' in header


def test_settings_rewrite_sends_urls_to_a_mirror(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "GUIDEWATCH_DATA_DIR": str(tmp_path),
            "GUIDEWATCH_REWRITE": "https://www.nice.org.uk=http://127.0.0.1:8/nice; "
            "https://bacme.info=http://127.0.0.1:8/bacme",
        }
    )
    assert mirror_url("https://www.nice.org.uk/guidance/ng206", settings.rewrites) == (
        "http://127.0.0.1:8/nice/guidance/ng206"
    )
    assert mirror_url("https://example.org/x", settings.rewrites) == "https://example.org/x"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'guidewatch.db'}"
    assert "guidewatch" in settings.user_agent and settings.contact in settings.user_agent
    with pytest.raises(ValueError, match="OLD=NEW"):
        load_settings({"GUIDEWATCH_REWRITE": "no-equals-sign"})


DOC = "[sources.s]\n[documents.a]\nsource = 's'\ntitle = 't'\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "kind = 'html'\nurl = 'https://x.org/'\nselector = 5\n",
            "document 'a': selector must be text in quotes, not 5",
        ),
        (
            "kind = 'govuk'\nurl = 'https://x.org/'\nignore = 'govuk'\n",
            "document 'a': ignore must be a list in [brackets], not 'govuk'",
        ),
        (
            "kind = 'govuk'\nurl = 'https://x.org/'\nignore = ['govuk', 'a(b']\n",
            "document 'a': ignore.1 is not a valid regular expression",
        ),
        (
            "kind = 'pdf-link'\nurl = 'https://x.org/'\nlink_text = 'guide ('\n",
            "document 'a': link_text is not a valid regular expression",
        ),
        (
            "kind = 'html'\nurl = 'https://x.org/'\nselector = 'article >> p['\n",
            "document 'a': selector is not a valid CSS selector",
        ),
        (
            "kind = 'pdf'\nurl = 'ftp://x.org/a.pdf'\n",
            "document 'a': url must be an http(s) address with a host, not 'ftp://x.org/a.pdf'",
        ),
        (
            "kind = 'html'\nurl = 'https://x.org/'\nguess = 'yes'\n",
            "document 'a': guess must be true or false, not 'yes'",
        ),
        (
            "kind = 'nice-chapter'\nurl = 'https://x.org/'\nselector = 'div'\n",
            "document 'a': unknown field selector",
        ),
        (
            "kind = 'pdf-link'\nurl = 'https://x.org/'\nlink_text = 'g'\n"
            "[documents.a.discover]\nmethods = ['wp-media', 'google']\n",
            "document 'a': discover.methods.1 must be one of 'wp-media', 'sitemap', "
            "'index-page' or 'redirect', not 'google'",
        ),
        (
            "kind = 'pdf-link'\nurl = 'https://x.org/'\nlink_text = 'g'\n"
            "[documents.a.discover]\nserch = 'guide'\n",
            "document 'a': unknown field discover.serch",
        ),
        (
            "kind = 'magic'\nurl = 'https://x.org/'\n",
            "document 'a': kind 'magic' is not a known kind",
        ),
    ],
)
def test_wrong_types_and_values_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, DOC + text)
    with pytest.raises(SourcesError) as caught:
        load_catalog(path)
    line = str(caught.value)
    assert line.startswith(f"{path}: ") and "\n" not in line
    assert message in line


def test_shipped_file_uses_what_is_known_of_the_live_sites() -> None:
    catalog = load_catalog(DEFAULT_SOURCES)
    assert len(catalog.documents) == 20
    for spec in catalog.documents:
        if spec.source == "nice":
            assert spec.url == spec.url.lower()
    for new in ("nice-ng206-overview", "dhsc-consultation-outcome", "bacme-severe-guide"):
        assert new in catalog.ids()
    pdf = catalog.document("nice-ng206-pdf")
    assert pdf.kind == "pdf-link" and pdf.options["discover"]["methods"] == [
        "index-page",
        "redirect",
    ]
    for spec in catalog.documents:
        if spec.source == "bacme":
            # The index page is a guess: marked, and only tried after the media search.
            assert spec.options["guess"] is True
            assert spec.options["discover"]["methods"][0] == "wp-media"
    guide = catalog.document("bhc-clinical-care-guide")
    assert guide.link_text is not None and "clinical care guide" not in guide.link_text


PLAIN = ["main", "article .entry-content", "div#content > p", "*.note", "ul li, ol li",
         "h2 + p", "h2 ~ p", "section.a.b #x-y_z", "#main", ".a-b", "body>div"]  # fmt: skip
NOT_PLAIN = ["main ", " main", "div > ", "> p", "a,", "1a", ".1a", "#", "a[href]",
             "p:first-child", "div\u00a0p", "div\tp", "a,,b", "--x", "main\n", ""]  # fmt: skip


@pytest.mark.parametrize("selector", PLAIN)
def test_plain_selectors_are_checked_without_soupsieve_and_soupsieve_agrees(selector: str) -> None:
    import soupsieve

    from guidewatch.sourceshape import plain_css

    assert plain_css(selector)
    soupsieve.compile(selector)  # the fast path accepts only what soupsieve accepts


@pytest.mark.parametrize("selector", NOT_PLAIN)
def test_other_selectors_are_left_to_soupsieve(selector: str) -> None:
    from guidewatch.sourceshape import plain_css

    assert not plain_css(selector)


def test_a_bad_selector_is_still_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[sources.s]\nname = "S"\n[documents.d]\nsource = "s"\ntitle = "T"\nkind = "html"\n'
        'url = "https://example.org/"\nselector = "div >"\n',
    )
    with pytest.raises(SourcesError, match="is not a valid CSS selector"):
        load_catalog(path)

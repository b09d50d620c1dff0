"""The sources file's standard-library check: whatever it accepts, the pydantic models accept and
read the same; whatever is wrong goes to the models to be worded, with the same message."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import pytest

import guidewatch.sources
from guidewatch import sourceshape
from guidewatch.sources import DEFAULT_SOURCES, SourcesError, load_catalog
from guidewatch.sources_model import (
    KIND_MODELS,
    METHOD,
    DiscoverModel,
    OtherKindModel,
    SourceModel,
)
from tests.support.toml_variants import variants

RICH = """
[sources.s]
name = "S"
homepage = "https://s.example.org"

[sources.t]

[documents.page]
source = "s"
title = "A page"
kind = "html"
url = "https://s.example.org/page/"
selector = "main .content"
ignore = ["govuk", "Updated \\\\d+"]
guess = true
options = { note = "kept", depth = 2, list = [1, "a"] }

[documents.odd-page]
source = "s"
title = "A page, another selector"
kind = "html"
url = "http://s.example.org/odd/"
selector = "article > p:first-child"

[documents.guide]
source = "t"
title = "A guide"
kind = "pdf-link"
url = "https://s.example.org/resources/"
link_text = "guide (to|for) therapy"

[documents.guide.discover]
methods = ["wp-media", "sitemap", "index-page", "redirect"]
search = "guide therapy"
site = "https://s.example.org"
index_pages = ["https://s.example.org/a/", "https://s.example.org/b/"]
sitemaps = ["/wp-sitemap.xml", "https://s.example.org/s.xml"]
pages = "resource|guide"
max_pages = 100
redirect = "https://s.example.org/latest"
exact_title = "Guide to therapy"

[documents.plain-guide]
source = "t"
title = "A plain guide"
kind = "pdf-link"
url = "https://s.example.org/plain/"
link_text = "plain"

[documents.plain-guide.discover]

[documents.leaflet]
source = "s"
title = "A leaflet"
kind = "pdf"
url = "https://s.example.org/leaflet.pdf"

[documents.chapter]
source = "s"
title = "A chapter"
kind = "nice-chapter"
url = "https://s.example.org/chapter"
ignore = ["nice"]

[documents.plan]
source = "s"
title = "A plan"
kind = "govuk"
url = "https://s.example.org/plan"

[documents.plugin]
source = "s"
title = "A plugin's document"
kind = "plugin-kind"
url = "https://s.example.org/plugin"
selector = "div#x"
link_text = ""
"""

ODD_VALUES: list[Any] = [
    3, 0, -1, 1, 100, 101, 1.5, True, False, date(2026, 11, 30), "", "x", "main", "div >",
    "a[href]", "(", "govuk", "http://", "https://x.org/", "ftp://x.org/", "http://[bad",
    "wp-media", [], [""], ["x"], ["("], ["wp-media"], ["google"], ["https://x.org/"], [3],
    {}, {"x": 1}, {3: "x"},
]  # fmt: skip


def _files() -> dict[str, str]:
    """Every sources file the project ships or its tests and benchmarks write."""
    from benchmarks.mirror import Mirror, make_documents
    from tests import test_content_gate, test_doctor, test_mirror_mode, test_queries_light
    from tests.support import scale_out
    from tests.support.sources import SOURCES

    site = SimpleNamespace(url=lambda path: f"http://127.0.0.1:9{path}")  # no server needed
    docs = make_documents(3, 2)
    made = Mirror.sources_toml(SimpleNamespace(docs=docs, site=site, selector="main"))  # type: ignore[arg-type]
    own = Mirror.sources_toml(SimpleNamespace(docs=docs, site=site, selector=None))  # type: ignore[arg-type]
    return {
        "shipped": DEFAULT_SOURCES.read_text(encoding="utf-8"),
        "support": SOURCES,
        "doctor": test_doctor.SOURCES,
        "mirror-mode": test_mirror_mode.SOURCES,
        "content-gate": test_content_gate.SOURCES,
        "queries-light": test_queries_light.SOURCES,
        "scale-out": scale_out.SOURCES,
        "benchmark-mirror": made,
        "benchmark-own-documents": own,
        "rich": RICH,
    }


def _read_both(
    path: Path, data: dict[str, Any] | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, int]:
    """The catalog (repr) or error with the fast checks and with the models alone; and how
    many entries the fast checks accepted."""
    accepted = 0
    plain_document, plain_source = sourceshape.plain_document, sourceshape.plain_source

    def counted(check: Any) -> Any:
        def run(*args: Any) -> Any:
            nonlocal accepted
            result = check(*args)
            accepted += result is not None
            return result

        return run

    def read() -> str:
        try:
            return repr(load_catalog(path))
        except SourcesError as error:
            return f"error: {error}"

    with monkeypatch.context() as patched:
        patched.setattr(guidewatch.sources, "_registered_kinds", lambda: ["plugin-kind"])
        if data is not None:
            patched.setattr(guidewatch.sources, "_read", lambda _path: copy.deepcopy(data))
        patched.setattr(guidewatch.sources, "plain_document", counted(plain_document))
        patched.setattr(guidewatch.sources, "plain_source", counted(plain_source))
        fast = read()
        patched.setattr(guidewatch.sources, "plain_document", lambda *_: None)
        patched.setattr(guidewatch.sources, "plain_source", lambda *_: None)
        modelled = read()
    return fast, modelled, accepted


def test_the_fast_checks_declare_the_models_keys() -> None:
    assert sourceshape.BUILT_IN_KINDS == tuple(KIND_MODELS)
    for kind, model in KIND_MODELS.items():
        assert sourceshape.KIND_KEYS[kind] == set(model.model_fields)
    assert sourceshape.OTHER_KIND_KEYS == set(OtherKindModel.model_fields)
    assert sourceshape.SOURCE_KEYS == set(SourceModel.model_fields)
    assert sourceshape.DISCOVER_KEYS == tuple(DiscoverModel.model_fields)
    assert sourceshape.METHODS == get_args(METHOD)


@pytest.mark.parametrize("name", list(_files()))
def test_every_file_is_read_without_the_models_and_read_the_same(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _files()[name]
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    data = tomllib.loads(text)
    fast, modelled, accepted = _read_both(path, None, monkeypatch)
    assert fast == modelled and not fast.startswith("error")
    entries = len(data.get("documents", {})) + len(data.get("sources", {}))
    if data.get("extends") == "default":
        entries += len(tomllib.loads(DEFAULT_SOURCES.read_text(encoding="utf-8"))["sources"])
    assert accepted >= entries  # none of them went to the models


def _variants(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The file with one field of an entry, or a whole entry, given an odd value or dropped."""
    # depth 3: a source's or a document's own fields, and deeper
    yield from variants(data, ODD_VALUES, min_depth=3)
    for section in ("sources", "documents"):  # a whole entry odd
        for key in data[section]:
            for value in ODD_VALUES:
                changed = copy.deepcopy(data)
                changed[section][key] = value
                yield changed


def test_every_malformed_variant_gets_the_models_reading_or_their_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(RICH, encoding="utf-8")
    errors = same = 0
    for variant in _variants(tomllib.loads(RICH)):
        fast, modelled, _ = _read_both(path, variant, monkeypatch)
        assert fast == modelled, variant
        errors += fast.startswith("error")
        same += not fast.startswith("error")
    assert errors > 1000 and same > 100, (errors, same)

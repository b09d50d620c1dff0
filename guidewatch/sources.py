"""Load the sources file (TOML) into document specs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guidewatch.settings import PACKAGE_DIR
from scrapers.model import DocumentSpec

DEFAULT_SOURCES = PACKAGE_DIR / "sources.toml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELDS = {
    "source",
    "title",
    "kind",
    "url",
    "selector",
    "link_text",
    "ignore",
    "options",
    "discover",
    "guess",
}


class SourcesError(Exception):
    """The sources file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Source:
    """An organisation whose documents are watched."""

    id: str
    name: str
    homepage: str


@dataclass(frozen=True)
class Catalog:
    """Every source and document declared in a sources file."""

    sources: tuple[Source, ...]
    documents: tuple[DocumentSpec, ...]

    def document(self, id: str) -> DocumentSpec:
        """Return a document spec by id, or raise SourcesError naming the known ids."""
        for spec in self.documents:
            if spec.id == id:
                return spec
        raise SourcesError(f"unknown document {id!r}; known: {', '.join(self.ids())}")

    def ids(self) -> list[str]:
        """Return every document id."""
        return [spec.id for spec in self.documents]

    def select(self, sources: list[str], documents: list[str]) -> list[DocumentSpec]:
        """Return the specs matching any of the given source or document ids (all if none)."""
        known_sources = {s.id for s in self.sources}
        for source in sources:
            if source not in known_sources:
                raise SourcesError(
                    f"unknown source {source!r}; known: {', '.join(sorted(known_sources))}"
                )
        chosen = [self.document(d) for d in documents]
        chosen += [spec for spec in self.documents if spec.source in sources]
        if not sources and not documents:
            chosen = list(self.documents)
        unique = {spec.id: spec for spec in chosen}
        return list(unique.values())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SourcesError(f"sources file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"sources file {path} is not valid TOML: {error}") from None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = {
        "sources": {**base.get("sources", {})},
        "documents": {k: dict(v) for k, v in base.get("documents", {}).items()},
    }
    merged["sources"].update(extra.get("sources", {}))
    for doc_id, fields in extra.get("documents", {}).items():
        merged["documents"].setdefault(doc_id, {}).update(fields)
    return merged


def load_catalog(path: Path) -> Catalog:
    """Read a sources file (merging it over the default when it says `extends = "default"`)."""
    data = _read(path)
    if data.get("extends") == "default" and path.resolve() != DEFAULT_SOURCES.resolve():
        data = _merge(_read(DEFAULT_SOURCES), data)
    elif "extends" in data and data["extends"] != "default":
        raise SourcesError(f'{path}: extends must be "default", not {data["extends"]!r}')
    sources = tuple(
        Source(id=sid, name=str(s.get("name", sid)), homepage=str(s.get("homepage", "")))
        for sid, s in data.get("sources", {}).items()
    )
    source_ids = {s.id for s in sources}
    specs = []
    for doc_id, fields in data.get("documents", {}).items():
        specs.append(_spec(path, doc_id, fields, source_ids))
    if not specs:
        raise SourcesError(f"{path} declares no documents")
    return Catalog(sources=sources, documents=tuple(specs))


def _spec(path: Path, doc_id: str, fields: dict[str, Any], sources: set[str]) -> DocumentSpec:
    where = f"{path}: document {doc_id!r}"
    if not _ID.match(doc_id):
        raise SourcesError(f"{where}: ids are lower-case letters, digits and dashes")
    unknown = set(fields) - _FIELDS
    if unknown:
        raise SourcesError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("source", "title", "kind", "url"):
        if not isinstance(fields.get(name), str) or not fields[name]:
            raise SourcesError(f"{where}: {name} is required")
    if fields["source"] not in sources:
        raise SourcesError(f"{where}: source {fields['source']!r} is not declared under [sources]")
    if fields["kind"] == "pdf-link" and not fields.get("link_text"):
        raise SourcesError(f"{where}: kind pdf-link needs link_text")
    url = fields["url"]
    options = dict(fields.get("options", {}))
    options["ignore"] = list(fields.get("ignore", []))
    if "discover" in fields:
        options["discover"] = dict(fields["discover"])
    options["guess"] = bool(fields.get("guess", False))
    return DocumentSpec(
        id=doc_id,
        source=fields["source"],
        title=fields["title"],
        kind=fields["kind"],
        url=url,
        selector=fields.get("selector"),
        link_text=fields.get("link_text"),
        live_url=url,
        options=options,
    )

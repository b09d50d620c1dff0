"""Load the sources file (TOML) into document specs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guidewatch.settings import DEFAULT_SOURCES
from guidewatch.sourceshape import (
    BUILT_IN_KINDS,
    PlainDocument,
    PlainSource,
    plain_document,
    plain_source,
)
from scrapers.model import DocumentSpec

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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
    unknown = set(data) - {"extends", "sources", "documents"}
    if unknown:
        raise SourcesError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    declared = {
        sid: plain_source(fields) or _modelled_source(f"{path}: source {sid!r}", fields)
        for sid, fields in data.get("sources", {}).items()
    }
    sources = tuple(
        Source(id=sid, name=model.name or sid, homepage=model.homepage)
        for sid, model in declared.items()
    )
    source_ids = {s.id for s in sources}
    specs = []
    for doc_id, fields in data.get("documents", {}).items():
        specs.append(_spec(path, doc_id, fields, source_ids))
    if not specs:
        raise SourcesError(f"{path} declares no documents")
    return Catalog(sources=sources, documents=tuple(specs))


def _describe(error: dict[str, Any]) -> str:
    """One pydantic error as a person reads it: the field, what is wrong, what was given."""
    loc = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
    field = ".".join(loc) or "document"
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"unknown field {field}"
    if kind == "value_error":
        return f"{field} {str(error['ctx']['error'])}"
    if kind in ("string_type", "list_type", "bool_type", "int_type", "dict_type", "model_type"):
        wanted = {
            "string_type": "text in quotes",
            "list_type": "a list in [brackets]",
            "bool_type": "true or false",
            "int_type": "a whole number",
            "dict_type": "a table",
            "model_type": "a table",
        }[kind]
        return f"{field} must be {wanted}, not {given!r}"
    if kind == "literal_error":
        return f"{field} must be one of {error['ctx']['expected']}, not {given!r}"
    return f"{field}: {error['msg']} (got {given!r})"


def _validated(where: str, model: Any, fields: Any) -> Any:
    from pydantic import ValidationError  # only for an entry guidewatch.sourceshape refused

    try:
        return model.model_validate(fields)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        # Report the first problem only: one clear line; the next run shows the next one.
        raise SourcesError(f"{where}: {_describe(dict(problems[0]))}") from None


def _modelled_source(where: str, fields: Any) -> PlainSource:
    """A source the fast checks refused, as its pydantic model reads it (or its error)."""
    from guidewatch.sources_model import SourceModel

    model = _validated(where, SourceModel, fields)
    return PlainSource(name=model.name, homepage=model.homepage)


def _modelled_document(where: str, kind: str, fields: Any) -> PlainDocument:
    """A document the fast checks refused, as its kind's model reads it (or its error)."""
    from guidewatch.sources_model import KIND_MODELS, OtherKindModel

    doc = _validated(where, KIND_MODELS.get(kind, OtherKindModel), fields)
    discover = getattr(doc, "discover", None)
    return PlainDocument(
        source=doc.source,
        title=doc.title,
        url=doc.url,
        ignore=list(doc.ignore),
        guess=doc.guess,
        options=dict(doc.options),
        selector=getattr(doc, "selector", None),
        link_text=getattr(doc, "link_text", None),
        discover=None if discover is None else discover.model_dump(exclude_none=True),
    )


def _spec(path: Path, doc_id: str, fields: dict[str, Any], sources: set[str]) -> DocumentSpec:
    where = f"{path}: document {doc_id!r}"
    if not _ID.match(doc_id):
        raise SourcesError(f"{where}: ids are lower-case letters, digits and dashes")
    if not isinstance(fields, dict):
        raise SourcesError(f"{where}: must be a table ([documents.{doc_id}])")
    kind = fields.get("kind")
    if not isinstance(kind, str) or not kind:
        raise SourcesError(f"{where}: kind is required")
    if kind == "pdf-link" and "link_text" not in fields:
        raise SourcesError(f"{where}: kind pdf-link needs link_text")
    if kind not in BUILT_IN_KINDS:
        known = set(BUILT_IN_KINDS) | set(_registered_kinds())
        if kind not in known:
            raise SourcesError(
                f"{where}: kind {kind!r} is not a known kind ({', '.join(sorted(known))})"
            )
    doc = plain_document(kind, fields) or _modelled_document(where, kind, fields)
    if doc.source not in sources:
        raise SourcesError(f"{where}: source {doc.source!r} is not declared under [sources]")
    options = dict(doc.options)
    options["ignore"] = list(doc.ignore)
    if doc.discover is not None:
        options["discover"] = doc.discover
    options["guess"] = doc.guess
    return DocumentSpec(
        id=doc_id,
        source=doc.source,
        title=doc.title,
        kind=kind,
        url=doc.url,
        selector=doc.selector,
        link_text=doc.link_text,
        live_url=doc.url,
        options=options,
    )


def _registered_kinds() -> list[str]:
    """Kinds registered by extractors beyond the built-in ones (plugins, tests)."""
    from scrapers.base import EXTRACTORS

    return list(EXTRACTORS)

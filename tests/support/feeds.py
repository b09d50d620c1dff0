"""Validate an Atom feed offline: the RFC 4287 RELAX NG grammar plus the rules it leaves out."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import rnc2rng  # type: ignore[import-untyped]
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).with_name("atom.rnc")


@cache
def _schema() -> etree.RelaxNG:
    """The grammar, converted by rnc2rng (lxml reads only the XML syntax)."""
    xml = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text(encoding="utf-8")))
    # rnc2rng declares the `local` prefix as xmlns:local="", which XML forbids; the grammar
    # already uses <nsName ns=""/> for it.
    xml = xml.replace(' xmlns:local=""', "").replace('\n         xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(xml.encode()))


def _absolute_iri(value: str) -> bool:
    return bool(urlsplit(value).scheme)


def atom_errors(data: bytes) -> list[str]:
    """Every way this feed breaks RFC 4287 (empty list: valid)."""
    root = etree.fromstring(data)
    schema = _schema()
    errors = [] if schema.validate(root) else [str(e) for e in schema.error_log]
    entries = root.findall(f"{ATOM}entry")
    has_author = root.find(f"{ATOM}author") is not None
    ids = [root.findtext(f"{ATOM}id", "")]
    for entry in entries:
        ids.append(entry.findtext(f"{ATOM}id", ""))
        if not has_author and entry.find(f"{ATOM}author") is None:
            errors.append("an entry has no author and the feed none (RFC 4287 4.1.1)")
        content = entry.find(f"{ATOM}content")
        if content is None and entry.find(f"{ATOM}link[@rel='alternate']") is None:
            errors.append("an entry without content needs an alternate link (4.1.1)")
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if len(alternates) != len(set(alternates)):
            errors.append("two alternate links with the same type and hreflang (4.1.1)")
    for value in ids:
        if not _absolute_iri(value):
            errors.append(f"id {value!r} is not an absolute IRI (4.2.6)")
    if len(ids) != len(set(ids)):
        errors.append("two entries share an id (4.2.6)")
    for stamp in root.iter(f"{ATOM}updated", f"{ATOM}published"):
        moment = datetime.fromisoformat(stamp.text or "")
        if moment.tzinfo is None:
            errors.append(f"date {stamp.text!r} has no time zone (3.3)")
    return errors

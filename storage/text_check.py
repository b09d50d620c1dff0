"""Check the text SHA-256 of many stored versions at once (what `search` quotes)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select, tuple_

from storage.repo import sha256
from storage.tables import section_texts, versions
from storage.tables import sections as section_rows
from storage.version_store import check_text_hash, sections_payload

if TYPE_CHECKING:
    from storage.db import Db

# The columns returned: the check's, and where the version was first seen (live or archive).
CHECKED = ("id", "document_id", "number", "text_sha256", "provenance", "archive_url")
CHUNK = 400  # versions per statement: well under SQLite's 32,766 bound parameters


def verified_versions(
    *, session: Db, refs: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Row[Any]]:
    """Return the stored versions named by (document, number), each checked against its hash."""
    # The check of version_store.verified_document, two statements per chunk rather than per
    # version; the first altered version in (document, number) order raises, as one by one.
    wanted = sorted(set(refs))
    found: dict[tuple[str, int], Row[Any]] = {}
    paths: dict[str, list[Any]] = {}  # heading paths repeat across versions: decoded once
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        by_ref = _versions(session, chunk)
        sections = _sections(session, [row.id for row in by_ref.values()])
        for ref in chunk:
            row = by_ref.get(ref)
            if row is None:
                continue
            rows = sections.get(row.id, [])
            payload = sections_payload((key, _path(paths, path), text) for key, path, text in rows)
            check_text_hash(row, sha256(payload))
            found[ref] = row
    return found


def _versions(session: Db, refs: list[tuple[str, int]]) -> dict[tuple[str, int], Row[Any]]:
    """Some versions by (document, number): what the check and `search` read of them."""
    key = tuple_(versions.c.document_id, versions.c.number)
    query = select(*(versions.c[name] for name in CHECKED)).where(key.in_(refs))
    rows = session.execute(query).all()
    return {(row.document_id, row.number): row for row in rows}


def _sections(session: Db, ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Each version's (key, heading path as stored, text), in section order."""
    query = (
        select(
            section_rows.c.version_id,
            section_rows.c.key,
            section_rows.c.heading_path,
            section_texts.c.text,
        )
        .join(section_texts, section_texts.c.id == section_rows.c.text_id)
        .where(section_rows.c.version_id.in_(ids))
        .order_by(section_rows.c.version_id, section_rows.c.ordinal)
    )
    out: dict[int, list[tuple[str, str, str]]] = {}
    for version_id, key, path, text in session.execute(query).all():
        out.setdefault(version_id, []).append((key, path, text))
    return out


def _path(seen: dict[str, list[Any]], stored: str) -> list[Any]:
    """A stored heading path decoded (once per distinct string)."""
    path = seen.get(stored)
    if path is None:
        path = seen[stored] = json.loads(stored)
    return path

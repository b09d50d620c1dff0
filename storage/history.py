"""Read-only queries of a document's history: its versions, their headings, texts and fetches.

Each function takes a Core connection or an ORM session, returns rows, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select

from storage.tables import changes, fetches, sections, versions
from storage.tables import section_texts as text_rows

if TYPE_CHECKING:
    from storage.db import Db


def version_rows(*, session: Db, document_ids: Sequence[str] | None) -> list[Row[Any]]:
    """Every version of these documents (None: all), by document and number, without bodies.

    Each row has id, document_id, number, first_seen_at, last_seen_at and provenance.
    """
    v = versions.c
    query = select(
        v.id, v.document_id, v.number, v.first_seen_at, v.last_seen_at, v.provenance
    ).order_by(v.document_id, v.number)
    if document_ids is not None:
        query = query.where(v.document_id.in_(list(document_ids)))
    return list(session.execute(query))


def heading_paths(*, session: Db, version_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    """The distinct (version id, JSON heading path) pairs of these versions (None: all)."""
    query = select(sections.c.version_id, sections.c.heading_path).distinct()
    if version_ids is not None:
        query = query.where(sections.c.version_id.in_(sorted(version_ids)))
    return [(version_id, path) for version_id, path in session.execute(query)]


def section_texts(*, session: Db, version_id: int) -> list[str]:
    """The texts of one version's sections."""
    query = (
        select(text_rows.c.text)
        .join(sections, sections.c.text_id == text_rows.c.id)
        .where(sections.c.version_id == version_id)
        .order_by(sections.c.ordinal)
    )
    return list(session.execute(query).scalars())


def first_recorded_version_id(*, session: Db) -> int | None:
    """The id of the first version any change was recorded for (None: none ever was)."""
    found = session.execute(select(func.min(changes.c.to_version_id))).scalar()
    return None if found is None else int(found)


def fetches_of_version(*, session: Db, version_id: int) -> list[Row[Any]]:
    """Every fetch that saw this version, oldest first (read-only rows)."""
    query = (
        select(fetches)
        .where(fetches.c.version_id == version_id)
        .order_by(fetches.c.started_at, fetches.c.id)
    )
    return list(session.execute(query))


def versions_by_id(*, session: Db, ids: Iterable[int]) -> dict[int, Row[Any]]:
    """These versions by id, as read-only rows (an id with no version is left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = session.execute(select(versions).where(versions.c.id.in_(wanted)))
    return {v.id: v for v in found}

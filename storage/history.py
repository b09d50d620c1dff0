"""Read-only queries of a document's history: its versions, their headings, texts and fetches.

Each function takes a session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, func
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from storage.changes import ChangeRow
from storage.models import Fetch, Version, VersionSection


def version_rows(*, session: Session, document_ids: Sequence[str] | None) -> list[Row[Any]]:
    """Every version of these documents (None: all), by document and number, without bodies.

    Each row has id, document_id, number, first_seen_at, last_seen_at and provenance.
    """
    query = columns(
        col(Version.id),
        col(Version.document_id),
        col(Version.number),
        col(Version.first_seen_at),
        col(Version.last_seen_at),
        col(Version.provenance),
    ).order_by(col(Version.document_id), col(Version.number))
    if document_ids is not None:
        query = query.where(col(Version.document_id).in_(list(document_ids)))
    return list(session.execute(query))


def heading_paths(*, session: Session, version_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    """The distinct (version id, JSON heading path) pairs of these versions (None: all)."""
    query = columns(col(VersionSection.version_id), col(VersionSection.heading_path)).distinct()
    if version_ids is not None:
        query = query.where(col(VersionSection.version_id).in_(sorted(version_ids)))
    return [(version_id, path) for version_id, path in session.execute(query)]


def section_texts(*, session: Session, version_id: int) -> list[str]:
    """The texts of one version's sections."""
    query = select(VersionSection.text).where(VersionSection.version_id == version_id)
    return list(session.exec(query))


def first_recorded_version_id(*, session: Session) -> int | None:
    """The id of the first version any change was recorded for (None: none ever was)."""
    return session.exec(select(func.min(ChangeRow.to_version_id))).one()


def fetches_of_version(*, session: Session, version_id: int) -> list[Fetch]:
    """Every fetch that saw this version, oldest first."""
    query = (
        select(Fetch)
        .where(Fetch.version_id == version_id)
        .order_by(col(Fetch.started_at), col(Fetch.id))
    )
    return list(session.exec(query))


def versions_by_id(*, session: Session, ids: Iterable[int]) -> dict[int, Version]:
    """These versions by id (an id with no version is left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = session.exec(select(Version).where(col(Version.id).in_(wanted)))
    return {v.id: v for v in found if v.id is not None}

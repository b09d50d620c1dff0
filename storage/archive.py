"""Repository functions for history from the archive and for witness captures; never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import LIVE_FETCH, Fetch, Version


def first_live_fetch(*, session: Session, document_id: str) -> datetime | None:
    """Return when the document was first fetched live (any outcome), or None."""
    query = select(func.min(Fetch.started_at)).where(Fetch.document_id == document_id, LIVE_FETCH)
    return session.exec(query).one()


def archive_addresses(*, session: Session, document_id: str) -> set[str]:
    """Return the capture addresses already in the document's fetch log."""
    query = select(Fetch.archive_url).where(
        Fetch.document_id == document_id, col(Fetch.archive_url).is_not(None)
    )
    return {url for url in session.exec(query) if url}


def archive_digests(*, session: Session, document_id: str) -> set[str]:
    """Return the CDX digests of the document's stored captures that kept a body."""
    query = select(Fetch.archive_digest).where(
        Fetch.document_id == document_id,
        col(Fetch.archive_digest).is_not(None),
        col(Fetch.body_sha256).is_not(None),
    )
    return {digest for digest in session.exec(query) if digest}


def fetch_with_digest(*, session: Session, document_id: str, digest: str) -> Fetch | None:
    """Return a stored archive capture of the document with this CDX digest and a body."""
    query = (
        select(Fetch)
        .where(
            Fetch.document_id == document_id,
            Fetch.archive_digest == digest,
            col(Fetch.body_sha256).is_not(None),
        )
        .limit(1)
    )
    return session.exec(query).first()


def earliest_version(*, session: Session, document_id: str) -> Version | None:
    """Return a document's first version."""
    query = (
        select(Version)
        .where(Version.document_id == document_id)
        .order_by(col(Version.number))
        .limit(1)
    )
    return session.exec(query).first()


def make_room_first(*, session: Session, document_id: str) -> None:
    """Move every version of a document up one number, so that a new one can be number 1.

    Done in two steps (through negative numbers) so the unique (document, number) pair
    holds after each statement, on SQLite and PostgreSQL alike.
    """
    where = (col(Version.document_id) == document_id,)
    session.execute(update(Version).where(*where).values(number=-col(Version.number)))
    session.execute(update(Version).where(*where).values(number=-col(Version.number) + 1))
    session.expire_all()


def current_versions_to_witness(*, session: Session, attempts: int) -> list[Version]:
    """Return each document's newest version when it is live, unwitnessed and not given up on."""
    newest = (
        select(Version.document_id, func.max(Version.number).label("number"))
        .group_by(col(Version.document_id))
        .subquery()
    )
    query = (
        select(Version)
        .join(
            newest,
            (col(Version.document_id) == newest.c.document_id)
            & (col(Version.number) == newest.c.number),
        )
        .where(
            Version.provenance == "live",
            col(Version.witness_url).is_(None),
            Version.witness_attempts < attempts,
        )
        .order_by(col(Version.id))
    )
    return list(session.exec(query))

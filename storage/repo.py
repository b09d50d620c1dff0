"""Watched documents, and the clock and hash every store module uses.

Like blobs, version_store and fetch_log: keyword-only session, typed returns, never committing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from storage.models import StoredDocument


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def upsert_document(
    *, session: Session, id: str, source: str, title: str, kind: str, url: str
) -> StoredDocument:
    """Create the document row or bring its declared fields up to date."""
    row = session.get(StoredDocument, id)
    if row is None:
        row = StoredDocument(
            id=id, source=source, title=title, kind=kind, url=url, created_at=utcnow()
        )
    else:
        row.source, row.title, row.kind, row.url = source, title, kind, url
    session.add(row)
    return row


def get_document(*, session: Session, id: str) -> StoredDocument | None:
    """Return a document row by id."""
    return session.get(StoredDocument, id)


def list_documents(*, session: Session) -> list[StoredDocument]:
    """Return every document row, by id."""
    return list(session.exec(select(StoredDocument).order_by(col(StoredDocument.id))))


class NoDocumentError(LookupError):
    """The database has no document of that id (the message names the ones it has)."""


def require_document(*, session: Session, id: str) -> StoredDocument:
    """Return a document row by id, or a NoDocumentError naming the stored documents."""
    row = get_document(session=session, id=id)
    if row is None:
        known = ", ".join(d.id for d in list_documents(session=session)) or "none yet"
        raise NoDocumentError(f"no document {id!r} in the database (stored: {known})")
    return row

"""Watched documents, and the clock and hash every store module uses.

Like blobs, version_store and fetch_log: keyword-only session, typed returns, never committing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update

from storage.db import core_connection, writer_connection
from storage.tables import documents, versions

if TYPE_CHECKING:
    from sqlmodel import Session

    from storage.db import Db
    from storage.models import StoredDocument


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def upsert_document(
    *,
    session: Db,
    id: str,
    source: str,
    title: str,
    kind: str,
    url: str,
    exists: bool | None = None,
) -> None:
    """Create the document row or bring its declared fields up to date (through Core).

    `exists`: whether the row is there, when the caller has just read it (not read again).
    """
    connection = writer_connection(session)
    if exists is None:
        exists = connection.execute(_DECLARED, {"id": id}).first() is not None
    fields = {"source": source, "title": title, "kind": kind, "url": url}
    if exists:
        connection.execute(sa_update(documents).where(documents.c.id == id).values(**fields))
    else:
        values = {"id": id, **fields, "created_at": utcnow()}
        connection.execute(sa_insert(documents).values(**values))


def get_document(*, session: Session, id: str) -> StoredDocument | None:
    """Return a document's ORM object by id (for a writer that changes it)."""
    from storage.models import StoredDocument

    return session.get(StoredDocument, id)


_DECLARED = sa_select(
    documents.c.source, documents.c.title, documents.c.kind, documents.c.url
).where(documents.c.id == bindparam("id"))


def declared_fields(*, session: Db, id: str) -> tuple[str, str, str, str] | None:
    """Return a document's declared (source, title, kind, url), read as a plain row."""
    row = core_connection(session).execute(_DECLARED, {"id": id}).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


# is_gone also reads the document's newest version (id, number), which a check asks for next
# (version_store.latest_version_ref, in the same session): one statement instead of two.
_Newest = versions.alias()
_NEWEST_VERSION_ID = (
    sa_select(_Newest.c.id)
    .where(_Newest.c.document_id == bindparam("id"))
    .order_by(_Newest.c.number.desc())
    .limit(1)
    .correlate(None)
    .scalar_subquery()
)
_GONE_AT = (
    sa_select(documents.c.gone_at, versions.c.id, versions.c.number)
    .select_from(documents)
    .outerjoin(versions, versions.c.id == _NEWEST_VERSION_ID)
    .where(documents.c.id == bindparam("id"))
)


def gone_and_newest(*, session: Db, id: str) -> tuple[bool, tuple[int, int] | None]:
    """Whether a stored document is marked gone, and its newest version's (id, number)."""
    row = core_connection(session).execute(_GONE_AT, {"id": id}).first()
    if row is None:
        return False, None
    newest = None if row[1] is None else (int(row[1]), int(row[2]))
    return row[0] is not None, newest


_CLEAR_GONE = (
    sa_update(documents).where(documents.c.id == bindparam("document_id")).values(gone_at=None)
)
_MARK_GONE = (
    sa_update(documents)
    .where(documents.c.id == bindparam("document_id"), documents.c.gone_at.is_(None))
    .values(gone_at=bindparam("at"))
)


def clear_gone(*, session: Db, id: str) -> None:
    """Clear a document's gone mark (it answers again)."""
    core_connection(session).execute(_CLEAR_GONE, {"document_id": id})


def mark_gone(*, session: Db, id: str, at: datetime) -> None:
    """Mark a document gone at a moment, unless it is marked gone already."""
    core_connection(session).execute(_MARK_GONE, {"document_id": id, "at": at})


def list_documents(*, session: Session) -> list[StoredDocument]:
    """Return every document, by id, as ORM objects."""
    from sqlmodel import col, select

    from storage.models import StoredDocument

    return list(session.exec(select(StoredDocument).order_by(col(StoredDocument.id))))


class NoDocumentError(LookupError):
    """The database has no document of that id (the message names the ones it has)."""


def require_document(*, session: Db, id: str) -> Row[Any]:
    """Return a document row (read only) by id, or a NoDocumentError naming the stored ones."""
    row = session.execute(sa_select(documents).where(documents.c.id == id)).first()
    if row is None:
        ids = session.execute(sa_select(documents.c.id).order_by(documents.c.id)).scalars()
        known = ", ".join(ids) or "none yet"
        raise NoDocumentError(f"no document {id!r} in the database (stored: {known})")
    return row

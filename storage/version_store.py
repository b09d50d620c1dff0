"""Versions of a document's text and their sections: adding, finding, rebuilding, verifying."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import Row, bindparam, func, insert, select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Connection

from scrapers.model import Document, Section
from storage.db import core_connection, insert_or_ignore, writer_connection
from storage.repo import sha256
from storage.tables import section_texts, versions
from storage.tables import sections as section_rows

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlmodel import Session

    from storage.db import Db
    from storage.models import Version

    # A version as the ORM loads it (writers) or as a Core row (readers): the same attributes.
    AnyVersion: TypeAlias = Version | Row[Any]


class CorruptTextError(Exception):
    """A version's stored sections no longer match its text SHA-256."""


def text_payload(document: Document) -> bytes:
    """Return the bytes a version's text SHA-256 is computed from (its sections as JSON)."""
    return sections_payload((s.key, list(s.heading_path), s.text) for s in document.sections)


def sections_payload(sections: Iterable[tuple[str, list[Any], str]]) -> bytes:
    """The hashed bytes of (key, heading path, text) of each section, in order."""
    return json.dumps([list(s) for s in sections], ensure_ascii=False).encode("utf-8")


def text_hash(document: Document) -> str:
    """Return the hash that decides whether two extractions are the same version."""
    return sha256(text_payload(document))


def latest_version(*, session: Session, document_id: str) -> Version | None:
    """Return a document's newest version, as an ORM object (for a writer)."""
    from sqlmodel import col
    from sqlmodel import select as orm_select

    from storage.models import Version

    query = (
        orm_select(Version)
        .where(Version.document_id == document_id)
        .order_by(col(Version.number).desc())
        .limit(1)
    )
    return session.exec(query).first()


def newest_version(*, session: Db, document_id: str) -> Row[Any] | None:
    """Return a document's newest version, as a row (read only)."""
    query = (
        select(versions)
        .where(versions.c.document_id == document_id)
        .order_by(versions.c.number.desc())
        .limit(1)
    )
    return session.execute(query).first()


_MARK_SEEN = (
    sa_update(versions)
    .where(versions.c.id == bindparam("version_id"))
    .values(last_seen_at=bindparam("seen_at"))  # typed as the column is
)


def mark_seen(*, session: Db, version_id: int, seen_at: datetime) -> None:
    """Record that a version was confirmed again at seen_at (its last_seen_at); no ORM object."""
    core_connection(session).execute(_MARK_SEEN, {"version_id": version_id, "seen_at": seen_at})


def list_versions(*, session: Session, document_id: str) -> list[Version]:
    """Return a document's versions, oldest first, as ORM objects (for the writers' views)."""
    from sqlmodel import col
    from sqlmodel import select as orm_select

    from storage.models import Version

    query = orm_select(Version).where(Version.document_id == document_id)
    return list(session.exec(query.order_by(col(Version.number))))


def version_rows(*, session: Db, document_id: str) -> list[Row[Any]]:
    """Return a document's versions, oldest first, as read-only rows."""
    query = select(versions).where(versions.c.document_id == document_id)
    return list(session.execute(query.order_by(versions.c.number)))


# Built once: `show` and `evidence` ask for versions by number.
_BY_NUMBER = select(versions).where(
    versions.c.document_id == bindparam("document_id"), versions.c.number == bindparam("number")
)
_SECTIONS = (
    select(
        section_rows.c.key, section_rows.c.heading_path, section_texts.c.text, section_rows.c.pages
    )
    .join(section_texts, section_texts.c.id == section_rows.c.text_id)
    .where(section_rows.c.version_id == bindparam("version_id"))
    .order_by(section_rows.c.ordinal)
)


def get_version(*, session: Db, document_id: str, number: int) -> Row[Any] | None:
    """Return one version of a document by its number (a read-only row)."""
    params = {"document_id": document_id, "number": number}
    return session.execute(_BY_NUMBER, params).first()


def version_at(*, session: Db, document_id: str, when: datetime) -> Row[Any] | None:
    """Return the version that was current at a moment (the newest first seen by then)."""
    query = (
        select(versions)
        .where(versions.c.document_id == document_id, versions.c.first_seen_at <= when)
        .order_by(versions.c.number.desc())
        .limit(1)
    )
    return session.execute(query).first()


@overload
def add_version(
    *,
    session: Connection,
    document_id: str,
    document: Document,
    url: str,
    body_sha256: str,
    extractor: str,
    extractor_version: str,
    fetch_id: int | None,
    seen_at: datetime,
    number: int | None = None,
) -> Row[Any]: ...


@overload
def add_version(
    *,
    session: Session,
    document_id: str,
    document: Document,
    url: str,
    body_sha256: str,
    extractor: str,
    extractor_version: str,
    fetch_id: int | None,
    seen_at: datetime,
    number: int | None = None,
) -> Version: ...


def add_version(
    *,
    session: Db,
    document_id: str,
    document: Document,
    url: str,
    body_sha256: str,
    extractor: str,
    extractor_version: str,
    fetch_id: int | None,
    seen_at: datetime,
    number: int | None = None,
) -> AnyVersion:
    """Add a version of a document with its sections (by default the next number).

    A caller that compared against a version passes that version's number + 1: if another
    run stored that number meanwhile, the unique constraint refuses this one. Written through
    Core: a run's connection gets the stored row back; an ORM session gets a Version object
    attached to it (as if loaded), for writers that change it afterwards.
    """
    connection = writer_connection(session)
    if number is None:
        current = connection.execute(
            select(func.max(versions.c.number)).where(versions.c.document_id == document_id)
        ).scalar_one()
        number = (current or 0) + 1
    values = {
        "document_id": document_id,
        "number": number,
        "text_sha256": text_hash(document),
        "text_size": len(document.text),
        "title": document.title,
        "meta": json.dumps(dict(document.meta), ensure_ascii=False, default=str),
        "url": url,
        "body_sha256": body_sha256,
        "extractor": extractor,
        "extractor_version": extractor_version,
        "fetch_id": fetch_id,
        "first_seen_at": seen_at,
        "last_seen_at": seen_at,
    }  # provenance "live", no witness yet: the table's defaults
    stored = connection.execute(_INSERT_VERSION, values).one()
    hashes = [sha256(section.text.encode("utf-8")) for section in document.sections]
    text_ids = store_texts(
        session=connection,
        texts=dict(zip(hashes, (s.text for s in document.sections), strict=True)),
    )
    rows = [
        {
            "version_id": stored.id,
            "ordinal": ordinal,
            "key": section.key,
            "heading_path": json.dumps(list(section.heading_path), ensure_ascii=False),
            "pages": json.dumps(list(section.pages)),
            "text_id": text_ids[digest],
        }
        for ordinal, (section, digest) in enumerate(zip(document.sections, hashes, strict=True))
    ]
    if rows:  # one executemany
        connection.execute(_INSERT_SECTIONS, rows)
    if isinstance(session, Connection):
        return stored
    return _attached(session, stored)


_INSERT_VERSION = insert(versions).returning(*versions.c)
_INSERT_SECTIONS = insert(section_rows)


def _attached(session: Session, stored: Row[Any]) -> Version:
    """A stored version as an ORM object in the session, as if loaded (no statement)."""
    from sqlalchemy.orm import make_transient_to_detached

    from storage.models import Version

    version = Version(**stored._mapping)
    make_transient_to_detached(version)
    session.add(version)
    return version


TEXT_CHUNK = 500  # hashes per IN (...) list


def store_texts(*, session: Db, texts: dict[str, str]) -> dict[str, int]:
    """Store the section texts (by SHA-256) not stored yet; return the id of each.

    Each distinct text is one row of section_texts, whichever versions and documents share it:
    an insert that skips the texts already there, then one select of the ids.
    """
    if not texts:
        return {}
    rows = [{"text_sha256": digest, "text": body} for digest, body in texts.items()]
    statement = insert_or_ignore(session, section_texts, index_elements=["text_sha256"])
    session.execute(statement, rows)
    ids: dict[str, int] = {}
    wanted = list(texts)
    column = section_texts.c.text_sha256
    for start in range(0, len(wanted), TEXT_CHUNK):
        query = select(column, section_texts.c.id).where(
            column.in_(wanted[start : start + TEXT_CHUNK])
        )
        ids.update((digest, int(text_id)) for digest, text_id in session.execute(query))
    return ids


def version_document(*, session: Db, version: AnyVersion) -> Document:
    """Rebuild the extracted Document of a stored version."""
    sections = tuple(
        Section(
            key=row.key,
            heading_path=tuple(json.loads(row.heading_path)),
            text=row.text,
            pages=tuple(json.loads(row.pages)),
        )
        for row in session.execute(_SECTIONS, {"version_id": version.id})
    )
    return Document(sections=sections, title=version.title, meta=json.loads(version.meta))


def verified_document(*, session: Db, version: AnyVersion) -> Document:
    """Rebuild a version's Document and check it against the version's text SHA-256."""
    document = version_document(session=session, version=version)
    check_text_hash(version, text_hash(document))
    return document


def check_text_hash(version: AnyVersion, digest: str) -> None:
    """Raise CorruptTextError when a version's sections no longer hash to its text SHA-256."""
    if digest != version.text_sha256:
        raise CorruptTextError(
            f"the stored sections of {version.document_id} version {version.number} no longer "
            f"match their text SHA-256 ({version.text_sha256[:16]}…): the database was altered "
            "or damaged since they were stored; restore it from a backup"
        )

"""Repository functions: keyword-only session, typed returns, never committing."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from scrapers.model import Document, Section
from storage.models import CONFIRMING, Blob, Fetch, StoredDocument, Version, VersionSection


class CorruptBlobError(Exception):
    """A stored raw body no longer matches its SHA-256."""


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def text_payload(document: Document) -> bytes:
    """Return the bytes a version's text SHA-256 is computed from (its sections as JSON)."""
    sections = [[s.key, list(s.heading_path), s.text] for s in document.sections]
    return json.dumps(sections, ensure_ascii=False).encode("utf-8")


def text_hash(document: Document) -> str:
    """Return the hash that decides whether two extractions are the same version."""
    return sha256(text_payload(document))


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


def put_blob(*, session: Session, body: bytes) -> str:
    """Store a raw body once per SHA-256 (compressed) and return its hash."""
    digest = sha256(body)
    if session.get(Blob, digest) is None:
        values = {
            "sha256": digest,
            "size": len(body),
            "compression": "zlib",
            "data": zlib.compress(body, 6),
            "created_at": utcnow(),
        }
        # Another run may store the same bytes at the same moment: that is no conflict.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Blob).values(**values).on_conflict_do_nothing())
    return digest


def get_blob(*, session: Session, sha: str) -> bytes:
    """Return a raw body, verified against its SHA-256."""
    row = session.get(Blob, sha)
    if row is None:
        raise CorruptBlobError(f"raw body {sha} is missing from the store")
    data = zlib.decompress(row.data) if row.compression == "zlib" else bytes(row.data)
    if sha256(data) != sha:
        raise CorruptBlobError(f"raw body {sha} does not match its SHA-256: the store is damaged")
    return data


def latest_version(*, session: Session, document_id: str) -> Version | None:
    """Return a document's newest version."""
    query = (
        select(Version)
        .where(Version.document_id == document_id)
        .order_by(col(Version.number).desc())
        .limit(1)
    )
    return session.exec(query).first()


def list_versions(*, session: Session, document_id: str) -> list[Version]:
    """Return a document's versions, oldest first."""
    query = select(Version).where(Version.document_id == document_id).order_by(col(Version.number))
    return list(session.exec(query))


def get_version(*, session: Session, document_id: str, number: int) -> Version | None:
    """Return one version of a document by its number."""
    query = select(Version).where(Version.document_id == document_id, Version.number == number)
    return session.exec(query).first()


def version_at(*, session: Session, document_id: str, when: datetime) -> Version | None:
    """Return the version that was current at a moment (the newest first seen by then)."""
    query = (
        select(Version)
        .where(Version.document_id == document_id, Version.first_seen_at <= when)
        .order_by(col(Version.number).desc())
        .limit(1)
    )
    return session.exec(query).first()


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
) -> Version:
    """Add a version of a document with its sections (by default the next number).

    A caller that compared against a version passes that version's number + 1: if another
    run stored that number meanwhile, the unique constraint refuses this one.
    """
    if number is None:
        current = session.exec(
            select(func.max(Version.number)).where(Version.document_id == document_id)
        ).one()
        number = (current or 0) + 1
    version = Version(
        document_id=document_id,
        number=number,
        text_sha256=text_hash(document),
        text_size=len(document.text),
        title=document.title,
        meta=json.dumps(dict(document.meta), ensure_ascii=False, default=str),
        url=url,
        body_sha256=body_sha256,
        extractor=extractor,
        extractor_version=extractor_version,
        fetch_id=fetch_id,
        first_seen_at=seen_at,
        last_seen_at=seen_at,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    for ordinal, section in enumerate(document.sections):
        session.add(
            VersionSection(
                version_id=version.id,
                ordinal=ordinal,
                key=section.key,
                heading_path=json.dumps(list(section.heading_path), ensure_ascii=False),
                text=section.text,
                pages=json.dumps(list(section.pages)),
                text_sha256=sha256(section.text.encode("utf-8")),
            )
        )
    session.flush()
    return version


def version_document(*, session: Session, version: Version) -> Document:
    """Rebuild the extracted Document of a stored version."""
    query = (
        select(VersionSection)
        .where(VersionSection.version_id == version.id)
        .order_by(col(VersionSection.ordinal))
    )
    sections = tuple(
        Section(
            key=row.key,
            heading_path=tuple(json.loads(row.heading_path)),
            text=row.text,
            pages=tuple(json.loads(row.pages)),
        )
        for row in session.exec(query)
    )
    return Document(sections=sections, title=version.title, meta=json.loads(version.meta))


def add_fetch(*, session: Session, fetch: Fetch) -> Fetch:
    """Record one fetch attempt."""
    session.add(fetch)
    session.flush()
    return fetch


def list_fetches(*, session: Session, document_id: str, limit: int | None = None) -> list[Fetch]:
    """Return a document's fetch log, newest first."""
    query = (
        select(Fetch)
        .where(Fetch.document_id == document_id)
        .order_by(col(Fetch.started_at).desc(), col(Fetch.id).desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def get_fetch(*, session: Session, id: int) -> Fetch | None:
    """Return one fetch row."""
    return session.get(Fetch, id)


def validators_for(
    *, session: Session, document_id: str, url: str
) -> tuple[str | None, str | None]:
    """Return the ETag and Last-Modified of the last fetch of this URL that confirmed a version.

    In the fetch log's order (started_at, id), which the (document_id, started_at) index
    serves without sorting the document's whole log.
    """
    query = (
        select(Fetch)
        .where(
            Fetch.document_id == document_id,
            Fetch.url == url,
            col(Fetch.outcome).in_(("new_version", "unchanged")),
        )
        .order_by(col(Fetch.started_at).desc(), col(Fetch.id).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    if row is None:
        return None, None
    headers = json.loads(row.headers)
    return headers.get("etag"), headers.get("last-modified")


def last_url(*, session: Session, document_id: str) -> str | None:
    """Return the URL the document was last successfully fetched from."""
    query = (
        select(Fetch.url)
        .where(Fetch.document_id == document_id, col(Fetch.outcome).in_(CONFIRMING))
        .order_by(col(Fetch.started_at).desc(), col(Fetch.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def confirming_fetches(
    *, session: Session, version_id: int, when: datetime
) -> tuple[Fetch | None, Fetch | None]:
    """Return the last fetch that confirmed a version at or before a moment, and the first after."""
    base = select(Fetch).where(Fetch.version_id == version_id, col(Fetch.outcome).in_(CONFIRMING))
    before = session.exec(
        base.where(Fetch.started_at <= when).order_by(col(Fetch.started_at).desc()).limit(1)
    ).first()
    after = session.exec(
        base.where(Fetch.started_at > when).order_by(col(Fetch.started_at)).limit(1)
    ).first()
    return before, after

"""Repository functions: keyword-only session, typed returns, never committing."""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from scrapers.model import Document, Section
from storage.db import insert_or_ignore
from storage.models import (
    CONFIRMING,
    Blob,
    Fetch,
    HeaderSet,
    StoredDocument,
    Version,
    VersionSection,
)

log = logging.getLogger("guidewatch.storage")


class CorruptBlobError(Exception):
    """A stored raw body no longer matches its SHA-256 (or is missing); `sha` names it."""

    def __init__(self, message: str, sha: str = "") -> None:
        super().__init__(message)
        self.sha = sha


class CorruptTextError(Exception):
    """A version's stored sections no longer match its text SHA-256."""


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


_DECLARED = sa_select(
    col(StoredDocument.source),
    col(StoredDocument.title),
    col(StoredDocument.kind),
    col(StoredDocument.url),
).where(col(StoredDocument.id) == bindparam("id"))


def declared_fields(*, session: Session, id: str) -> tuple[str, str, str, str] | None:
    """Return a document's declared (source, title, kind, url), read as a plain row."""
    row = session.connection().execute(_DECLARED, {"id": id}).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


_GONE_AT = sa_select(col(StoredDocument.gone_at)).where(col(StoredDocument.id) == bindparam("id"))


def is_gone(*, session: Session, id: str) -> bool:
    """Whether a stored document is marked gone."""
    return session.connection().execute(_GONE_AT, {"id": id}).scalar() is not None


def list_documents(*, session: Session) -> list[StoredDocument]:
    """Return every document row, by id."""
    return list(session.exec(select(StoredDocument).order_by(col(StoredDocument.id))))


# A body is kept compressed only when zlib saves at least this share of it: PDFs and images
# are mostly compressed already, and recompressing them costs CPU on every new body for
# nothing. A sample decides for large bodies before the whole is compressed.
MIN_SAVING = 0.1
SAMPLE = 64 * 1024


def pack(body: bytes) -> tuple[str, bytes]:
    """Return (compression, stored bytes) for a body: zlib, or "none" when it gains nothing."""
    if len(body) > 2 * SAMPLE:
        sample = body[:SAMPLE]
        if len(zlib.compress(sample, 1)) > (1 - MIN_SAVING) * len(sample):
            return "none", body
    packed = zlib.compress(body, 6)
    if len(packed) > (1 - MIN_SAVING) * len(body):
        return "none", body
    return "zlib", packed


def put_blob(*, session: Session, body: bytes) -> str:
    """Store a raw body once per SHA-256 (compressed if that gains) and return its hash."""
    digest = sha256(body)
    stored = session.get(Blob, digest)
    if stored is not None and _damage(stored, digest):
        # The same bytes were fetched again: they are the proof the damaged copy stood for.
        log.warning(
            "stored raw body %s was damaged (%s); repaired from a new fetch of the same bytes",
            digest,
            _damage(stored, digest),
        )
        stored.compression, stored.data = pack(body)
        stored.size = len(body)
        session.add(stored)
    if stored is None:
        compression, data = pack(body)
        values = {
            "sha256": digest,
            "size": len(body),
            "compression": compression,
            "data": data,
            "created_at": utcnow(),
        }
        # Another run may store the same bytes at the same moment: that is no conflict.
        session.execute(insert_or_ignore(session, Blob).values(**values))
    return digest


def _unpack(row: Blob) -> bytes:
    return zlib.decompress(row.data) if row.compression == "zlib" else bytes(row.data)


def _damage(row: Blob, sha: str) -> str:
    """Say what is wrong with a stored body ("" when it is intact)."""
    try:
        data = _unpack(row)
    except zlib.error as error:
        return f"it cannot be decompressed: {error}"
    return "" if sha256(data) == sha else "it does not match its SHA-256"


def get_blob(*, session: Session, sha: str) -> bytes:
    """Return a raw body, verified against its SHA-256; CorruptBlobError says what is wrong."""
    row = session.get(Blob, sha)
    if row is None:
        raise CorruptBlobError(f"raw body {sha} is missing from the store", sha)
    damage = _damage(row, sha)
    if damage:
        raise CorruptBlobError(f"raw body {sha} is damaged in the store: {damage}", sha)
    return _unpack(row)


def latest_version(*, session: Session, document_id: str) -> Version | None:
    """Return a document's newest version."""
    query = (
        select(Version)
        .where(Version.document_id == document_id)
        .order_by(col(Version.number).desc())
        .limit(1)
    )
    return session.exec(query).first()


_LATEST_REF = (
    sa_select(col(Version.id), col(Version.number))
    .where(col(Version.document_id) == bindparam("document_id"))
    .order_by(col(Version.number).desc())
    .limit(1)
)


def latest_version_ref(*, session: Session, document_id: str) -> tuple[int, int] | None:
    """Return (id, number) of a document's newest version, read as a plain row."""
    row = session.connection().execute(_LATEST_REF, {"document_id": document_id}).first()
    return None if row is None else (int(row[0]), int(row[1]))


_MARK_SEEN = (
    sa_update(Version)
    .where(col(Version.id) == bindparam("version_id"))
    .values(last_seen_at=bindparam("seen_at"))  # typed as the column is
)


def mark_seen(*, session: Session, version_id: int, seen_at: datetime) -> None:
    """Record that a version was confirmed again at seen_at (its last_seen_at); no ORM object."""
    session.connection().execute(_MARK_SEEN, {"version_id": version_id, "seen_at": seen_at})


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


def verified_document(*, session: Session, version: Version) -> Document:
    """Rebuild a version's Document and check it against the version's text SHA-256."""
    document = version_document(session=session, version=version)
    if text_hash(document) != version.text_sha256:
        raise CorruptTextError(
            f"the stored sections of {version.document_id} version {version.number} no longer "
            f"match their text SHA-256 ({version.text_sha256[:16]}…): the database was altered "
            "or damaged since they were stored; restore it from a backup"
        )
    return document


def _date_offset(started: datetime, date: str | None) -> int | None:
    """The server's Date as whole seconds after started_at, if it can be rebuilt exactly."""
    if date is None:
        return None
    try:
        served = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if served.tzinfo is None:
        return None
    base = int(_aware(started).timestamp())
    offset = int(served.timestamp()) - base
    return offset if _http_date(base + offset) == date else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _http_date(seconds: int) -> str:
    return formatdate(seconds, usegmt=True)


def intern_headers(*, session: Session, headers: dict[str, str]) -> int:
    """Return the id of this set of headers, stored once however many fetches carry it."""
    payload = json.dumps(headers, sort_keys=True, ensure_ascii=False)
    digest = sha256(payload.encode("utf-8"))
    found = session.connection().execute(_HEADER_SET_ID, {"sha256": digest}).scalar()
    if found is None:
        session.execute(insert_or_ignore(session, HeaderSet).values(sha256=digest, headers=payload))
        found = session.connection().execute(_HEADER_SET_ID, {"sha256": digest}).scalar_one()
    assert found is not None
    return found


_HEADER_SET_ID = sa_select(col(HeaderSet.id)).where(col(HeaderSet.sha256) == bindparam("sha256"))


def add_fetch(*, session: Session, fetch: Fetch) -> Fetch:
    """Record one fetch attempt; its headers go to a shared header set.

    An unchanged fetch then costs a row of its facts (time, outcome, status, hashes) and a
    reference, not its headers again: the Date header, the only one that changes on every
    fetch, is kept as an offset from started_at when it can be rebuilt exactly.
    """
    if fetch.headers_id is None and fetch.headers not in ("", "{}"):
        headers = dict(json.loads(fetch.headers))
        offset = _date_offset(fetch.started_at, headers.get("date"))
        if offset is not None:
            del headers["date"]
            fetch.date_offset = offset
        fetch.headers_id = intern_headers(session=session, headers=headers)
        fetch.headers = "{}"
    session.add(fetch)
    session.flush()
    return fetch


def final_url(fetch: Fetch) -> str | None:
    """Return the URL a fetch's answer came from (None when no answer came)."""
    if fetch.final_url is not None or fetch.status is None:
        return fetch.final_url
    return fetch.url


def fetch_headers(*, session: Session, fetch: Fetch) -> dict[str, str]:
    """Return the response headers a fetch recorded, as they were served."""
    headers: dict[str, str] = dict(json.loads(fetch.headers or "{}"))
    if fetch.headers_id is not None:
        shared = session.get(HeaderSet, fetch.headers_id)
        if shared is not None:
            headers.update(json.loads(shared.headers))
    if fetch.date_offset is not None:
        base = int(_aware(fetch.started_at).timestamp())
        headers["date"] = _http_date(base + fetch.date_offset)
    return dict(sorted(headers.items()))


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


# The fetch-log reads of every check are built once (their SQL is compiled and cached once):
# plain rows, not ORM objects, since they are only read.
_LOG_ORDER = (col(Fetch.started_at).desc(), col(Fetch.id).desc())
_WITH_HEADERS = (
    sa_select(col(Fetch.url), col(Fetch.outcome), col(Fetch.headers), col(HeaderSet.headers))
    .select_from(Fetch)
    .outerjoin(HeaderSet, col(HeaderSet.id) == col(Fetch.headers_id))
)
_NEWEST_LIVE = (
    _WITH_HEADERS.where(
        col(Fetch.document_id) == bindparam("document_id"), col(Fetch.provenance) == "live"
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)
_CONFIRMED_AT_URL = (
    _WITH_HEADERS.where(
        col(Fetch.document_id) == bindparam("document_id"),
        col(Fetch.url) == bindparam("url"),
        col(Fetch.provenance) == "live",
        col(Fetch.outcome).in_(("new_version", "unchanged")),
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)
_LAST_URL = (
    sa_select(col(Fetch.url))
    .where(
        col(Fetch.document_id) == bindparam("document_id"),
        col(Fetch.provenance) == "live",
        col(Fetch.outcome).in_(CONFIRMING),
    )
    .order_by(*_LOG_ORDER)
    .limit(1)
)


def _validators(own: str | None, shared: str | None) -> tuple[str | None, str | None]:
    """ETag and Last-Modified from a fetch's own headers and its shared header set."""
    headers: dict[str, str] = dict(json.loads(own or "{}"))
    if shared is not None:
        headers.update(json.loads(shared))
    return headers.get("etag"), headers.get("last-modified")


def validators_for(
    *, session: Session, document_id: str, url: str
) -> tuple[str | None, str | None]:
    """Return the ETag and Last-Modified of the last fetch of this URL that confirmed a version.

    In the fetch log's order (started_at, id), which the (document_id, started_at) index
    serves without sorting the document's whole log.
    """
    params = {"document_id": document_id, "url": url}
    row = session.connection().execute(_CONFIRMED_AT_URL, params).first()
    if row is None:
        return None, None
    return _validators(row[2], row[3])


@dataclass(frozen=True)
class FetchState:
    """What checking a document needs from its fetch log before fetching it again."""

    etag: str | None
    last_modified: str | None
    last_url: str | None  # the URL it was last fetched from successfully
    previous_outcome: str  # of the newest fetch ("" when it was never fetched)


def fetch_state(*, session: Session, document_id: str, url: str) -> FetchState:
    """Return validators, last good URL and last outcome: one query when the last fetch was good."""
    params = {"document_id": document_id}
    newest = session.connection().execute(_NEWEST_LIVE, params).first()
    if newest is None:
        return FetchState(None, None, None, "")
    newest_url, outcome, own, shared = newest
    if newest_url == url and outcome in ("new_version", "unchanged"):
        etag, modified = _validators(own, shared)
    else:
        etag, modified = validators_for(session=session, document_id=document_id, url=url)
    good = (
        newest_url if outcome in CONFIRMING else last_url(session=session, document_id=document_id)
    )
    return FetchState(etag, modified, good, outcome)


def last_url(*, session: Session, document_id: str) -> str | None:
    """Return the URL the document was last successfully fetched from."""
    found = session.connection().execute(_LAST_URL, {"document_id": document_id}).scalar()
    return None if found is None else str(found)


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

"""Tables that keep every fetch, raw body and version of text as evidence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, or_
from sqlmodel import Field, SQLModel, col

if TYPE_CHECKING:
    from sqlalchemy.orm.util import AliasedClass
    from sqlalchemy.sql.elements import ColumnElement

OUTCOMES = ("new_version", "unchanged", "not_modified", "failed", "suspect", "gone")
# The wording was seen (a version created or confirmed).
CONFIRMING = ("new_version", "unchanged", "not_modified")
# The document could not be checked: the run reports it, and N in a row is alerted.
FAILING = ("failed", "suspect")
# Not checked cleanly: failing, or the publisher says the document is gone.
NOT_CLEAN = (*FAILING, "gone")
# Where a fetch or version came from: a live fetch, or an archive capture (the Wayback Machine).
PROVENANCES = ("live", "archive")


class StoredDocument(SQLModel, table=True):
    """A watched document: its identity is ours, its URL may move."""

    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=200)
    source: str = Field(index=True, max_length=100)
    title: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=100)
    url: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    gone_at: datetime | None = None


class Blob(SQLModel, table=True):
    """A raw body as served, once per SHA-256: zlib-compressed, or as is if that gains little."""

    __tablename__ = "blobs"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    compression: str = Field(default="zlib", max_length=20)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime


class HeaderSet(SQLModel, table=True):
    """A set of response headers (all but Date), kept once however many fetches carried it."""

    __tablename__ = "header_sets"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    headers: str = Field(sa_column=Column(Text, nullable=False))


class Fetch(SQLModel, table=True):
    """One fetch attempt, whatever its outcome."""

    __tablename__ = "fetches"
    __table_args__ = (
        Index("ix_fetches_document_started", "document_id", "started_at"),
        # Partial (WHERE archive_url IS NOT NULL) on both databases: migration 0004 creates it
        # so. Not said here: naming PostgreSQL's option loads that whole dialect in every
        # process, a SQLite one's too (about 7% of a query command's start).
        Index("ix_fetches_archive_url", "document_id", "archive_url"),
        Index("ix_fetches_version_id", "version_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", max_length=200)
    started_at: datetime
    url: str = Field(sa_column=Column(Text, nullable=False))
    final_url: str | None = Field(default=None, sa_column=Column(Text))
    # Since 0010 a row stores NULL for what it would only repeat: a final URL that is the URL
    # asked, no redirects, headers, related bodies or discovery record, live provenance. Read
    # them through storage.fetch_log (final_url, redirects, fetch_headers, related, discovery,
    # provenance), which rebuild them exactly.
    redirects: str | None = Field(default=None, sa_column=Column(Text))
    status: int | None = None
    headers: str | None = Field(default=None, sa_column=Column(Text))
    body_sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    duration_ms: int | None = None
    outcome: str = Field(max_length=20)
    error: str | None = Field(default=None, sa_column=Column(Text))
    version_id: int | None = Field(default=None, foreign_key="versions.id")
    related: str | None = Field(default=None, sa_column=Column(Text))
    # How a discovered file was found: methods tried and every candidate (JSON; NULL if none).
    discovery: str | None = Field(default=None, sa_column=Column(Text))
    # An archive fetch: started_at is the capture's moment, archive_url its address.
    # NULL for a live fetch (LIVE_FETCH selects those), "archive" for a capture.
    provenance: str | None = Field(default=None, max_length=20)
    archive_url: str | None = Field(default=None, sa_column=Column(Text))
    archive_digest: str | None = Field(default=None, max_length=64)
    # Since 0008 the headers are a shared set (fetch_log.fetch_headers reads them back), and the
    # server's Date header is kept as its offset in seconds from started_at.
    headers_id: int | None = Field(default=None, foreign_key="header_sets.id")
    date_offset: int | None = None


# A live fetch (not an archive capture), as a query condition: NULL, or "live" in a row
# written in full (by a bulk insert that did not go through storage.fetch_log.add_fetch).
def live_fetch(fetches: type[Fetch] | AliasedClass[Fetch]) -> ColumnElement[bool]:
    """The condition selecting live fetches of the fetches table, or of an alias of it."""
    return or_(col(fetches.provenance).is_(None), col(fetches.provenance) == "live")


LIVE_FETCH = live_fetch(Fetch)


class Version(SQLModel, table=True):
    """A distinct extracted text of a document, with when it was first and last seen."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_versions_doc_number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=200)
    number: int
    text_sha256: str = Field(max_length=64)
    text_size: int
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    body_sha256: str = Field(max_length=64)
    extractor: str = Field(max_length=100)
    extractor_version: str = Field(max_length=50)
    fetch_id: int | None = None
    first_seen_at: datetime
    last_seen_at: datetime
    # Where the wording was first seen: live, or an archive capture (archive_url).
    provenance: str = Field(default="live", max_length=20)
    archive_url: str | None = Field(default=None, sa_column=Column(Text))
    # The independent witness: a Save Page Now capture asked for when the version was stored.
    witness_url: str | None = Field(default=None, sa_column=Column(Text))
    witness_error: str | None = Field(default=None, sa_column=Column(Text))
    witness_attempts: int = 0


class VersionSection(SQLModel, table=True):
    """One section of one version, in document order."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("version_id", "ordinal", name="uq_sections_version_ord"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="versions.id", index=True)
    ordinal: int
    key: str = Field(sa_column=Column(Text, nullable=False))
    heading_path: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    pages: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # SHA-256 of the text's UTF-8 bytes: term counts are kept once per distinct text.
    text_sha256: str | None = Field(default=None, max_length=64)

"""The ORM classes the writers use, mapped onto the Core tables of storage.tables.

The schema is said once, in storage.tables; each class here names its table (`__table__`) and
maps each field onto that table's column (`sa_column`), so the two cannot differ. Readers that
need no ORM object (the query commands) select from storage.tables directly.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage import tables

# Re-exported: the writers and flows read these from here too.
from storage.tables import (  # noqa: F401
    CONFIRMING,
    FAILING,
    LIVE_FETCH,
    NOT_CLEAN,
    OUTCOMES,
    PROVENANCES,
    live_fetch,
)


class StoredDocument(SQLModel, table=True):
    """A watched document: its identity is ours, its URL may move."""

    __table__ = tables.documents

    id: str = Field(sa_column=tables.documents.c.id)
    source: str = Field(sa_column=tables.documents.c.source)
    title: str = Field(sa_column=tables.documents.c.title)
    kind: str = Field(sa_column=tables.documents.c.kind)
    url: str = Field(sa_column=tables.documents.c.url)
    created_at: datetime = Field(sa_column=tables.documents.c.created_at)
    gone_at: datetime | None = Field(default=None, sa_column=tables.documents.c.gone_at)


class Blob(SQLModel, table=True):
    """A raw body as served, once per SHA-256: zlib-compressed, or as is if that gains little."""

    __table__ = tables.blobs

    sha256: str = Field(sa_column=tables.blobs.c.sha256)
    size: int = Field(sa_column=tables.blobs.c.size)
    compression: str = Field(default="zlib", sa_column=tables.blobs.c.compression)
    data: bytes = Field(sa_column=tables.blobs.c.data)
    created_at: datetime = Field(sa_column=tables.blobs.c.created_at)


class HeaderSet(SQLModel, table=True):
    """A set of response headers (all but Date), kept once however many fetches carried it."""

    __table__ = tables.header_sets

    id: int | None = Field(default=None, sa_column=tables.header_sets.c.id)
    sha256: str = Field(sa_column=tables.header_sets.c.sha256)
    headers: str = Field(sa_column=tables.header_sets.c.headers)


class Fetch(SQLModel, table=True):
    """One fetch attempt, whatever its outcome."""

    __table__ = tables.fetches

    id: int | None = Field(default=None, sa_column=tables.fetches.c.id)
    document_id: str = Field(sa_column=tables.fetches.c.document_id)
    started_at: datetime = Field(sa_column=tables.fetches.c.started_at)
    url: str = Field(sa_column=tables.fetches.c.url)
    final_url: str | None = Field(default=None, sa_column=tables.fetches.c.final_url)
    redirects: str | None = Field(default=None, sa_column=tables.fetches.c.redirects)
    status: int | None = Field(default=None, sa_column=tables.fetches.c.status)
    headers: str | None = Field(default=None, sa_column=tables.fetches.c.headers)
    body_sha256: str | None = Field(default=None, sa_column=tables.fetches.c.body_sha256)
    size: int | None = Field(default=None, sa_column=tables.fetches.c.size)
    duration_ms: int | None = Field(default=None, sa_column=tables.fetches.c.duration_ms)
    outcome: str = Field(sa_column=tables.fetches.c.outcome)
    error: str | None = Field(default=None, sa_column=tables.fetches.c.error)
    version_id: int | None = Field(default=None, sa_column=tables.fetches.c.version_id)
    related: str | None = Field(default=None, sa_column=tables.fetches.c.related)
    discovery: str | None = Field(default=None, sa_column=tables.fetches.c.discovery)
    provenance: str | None = Field(default=None, sa_column=tables.fetches.c.provenance)
    archive_url: str | None = Field(default=None, sa_column=tables.fetches.c.archive_url)
    archive_digest: str | None = Field(default=None, sa_column=tables.fetches.c.archive_digest)
    headers_id: int | None = Field(default=None, sa_column=tables.fetches.c.headers_id)
    date_offset: int | None = Field(default=None, sa_column=tables.fetches.c.date_offset)


class Version(SQLModel, table=True):
    """A distinct extracted text of a document, with when it was first and last seen."""

    __table__ = tables.versions

    id: int | None = Field(default=None, sa_column=tables.versions.c.id)
    document_id: str = Field(sa_column=tables.versions.c.document_id)
    number: int = Field(sa_column=tables.versions.c.number)
    text_sha256: str = Field(sa_column=tables.versions.c.text_sha256)
    text_size: int = Field(sa_column=tables.versions.c.text_size)
    title: str = Field(default="", sa_column=tables.versions.c.title)
    meta: str = Field(default="{}", sa_column=tables.versions.c.meta)
    url: str = Field(sa_column=tables.versions.c.url)
    body_sha256: str = Field(sa_column=tables.versions.c.body_sha256)
    extractor: str = Field(sa_column=tables.versions.c.extractor)
    extractor_version: str = Field(sa_column=tables.versions.c.extractor_version)
    fetch_id: int | None = Field(default=None, sa_column=tables.versions.c.fetch_id)
    first_seen_at: datetime = Field(sa_column=tables.versions.c.first_seen_at)
    last_seen_at: datetime = Field(sa_column=tables.versions.c.last_seen_at)
    provenance: str = Field(default="live", sa_column=tables.versions.c.provenance)
    archive_url: str | None = Field(default=None, sa_column=tables.versions.c.archive_url)
    witness_url: str | None = Field(default=None, sa_column=tables.versions.c.witness_url)
    witness_error: str | None = Field(default=None, sa_column=tables.versions.c.witness_error)
    witness_attempts: int = Field(default=0, sa_column=tables.versions.c.witness_attempts)


class SectionText(SQLModel, table=True):
    """A distinct section text, once however many sections of however many versions hold it."""

    __table__ = tables.section_texts

    id: int | None = Field(default=None, sa_column=tables.section_texts.c.id)
    text_sha256: str = Field(sa_column=tables.section_texts.c.text_sha256)
    text: str = Field(sa_column=tables.section_texts.c.text)


class VersionSection(SQLModel, table=True):
    """One section of one version, in document order."""

    __table__ = tables.sections

    id: int | None = Field(default=None, sa_column=tables.sections.c.id)
    version_id: int = Field(sa_column=tables.sections.c.version_id)
    ordinal: int = Field(sa_column=tables.sections.c.ordinal)
    key: str = Field(sa_column=tables.sections.c.key)
    heading_path: str = Field(default="[]", sa_column=tables.sections.c.heading_path)
    pages: str = Field(default="[]", sa_column=tables.sections.c.pages)
    text_id: int = Field(sa_column=tables.sections.c.text_id)  # its row of section_texts


class TermCount(SQLModel, table=True):
    """How often each watched term occurs in one section text (only terms that occur)."""

    __table__ = tables.term_counts

    fingerprint: str = Field(sa_column=tables.term_counts.c.fingerprint)
    text_id: int = Field(sa_column=tables.term_counts.c.text_id)  # its row of section_texts
    counts: str = Field(default="{}", sa_column=tables.term_counts.c.counts)

"""The schema, once: every table as SQLAlchemy Core, on one MetaData.

The query commands read these tables without loading the ORM, SQLModel or pydantic (about
0.1 s of every process); the SQLModel classes the writers use (storage.models, changes, terms,
deliveries) are mapped onto these same Table objects, and migrations compare against
`metadata`. Python-side defaults are the models' defaults, for Core inserts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    or_,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import TypeEngine

OUTCOMES = ("new_version", "unchanged", "not_modified", "failed", "suspect", "gone")
# The wording was seen (a version created or confirmed).
CONFIRMING = ("new_version", "unchanged", "not_modified")
# The document could not be checked: the run reports it, and N in a row is alerted.
FAILING = ("failed", "suspect")
# Not checked cleanly: failing, or the publisher says the document is gone.
NOT_CLEAN = (*FAILING, "gone")
# Where a fetch or version came from: a live fetch, or an archive capture (the Wayback Machine).
PROVENANCES = ("live", "archive")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware moment, stored in UTC and read back aware in UTC (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> TypeEngine[Any]:
        """Compare with a timedelta as an interval, with anything else as a moment."""
        return Interval() if isinstance(value, timedelta) else self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse a naive moment; store an aware one in UTC."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("a stored moment must be aware (datetime.now(UTC))")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read a moment back aware, in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


metadata = MetaData()


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _moment(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, Text, nullable=nullable)


def _string(name: str, length: int | None, *, nullable: bool = False, **kw: Any) -> Column[str]:
    return Column(name, String(length), nullable=nullable, **kw)


def _int(name: str, *, nullable: bool = False, **kw: Any) -> Column[int]:
    return Column(name, Integer, nullable=nullable, **kw)


def _ref(name: str, target: str, *, nullable: bool = False, **kw: Any) -> Column[int]:
    return Column(name, Integer, ForeignKey(target), nullable=nullable, **kw)


def _document_id(*, index: bool) -> Column[str]:
    return Column(
        "document_id", String(200), ForeignKey("documents.id"), nullable=False, index=index
    )


# A watched document: its identity is ours, its URL may move.
documents = Table(
    "documents",
    metadata,
    _string("id", 200, primary_key=True),
    _string("source", 100, index=True),
    _text("title"),
    _string("kind", 100),
    _text("url"),
    _moment("created_at"),
    _moment("gone_at", nullable=True),
)

# A raw body as served, once per SHA-256: zlib-compressed, or as is if that gains little.
blobs = Table(
    "blobs",
    metadata,
    _string("sha256", 64, primary_key=True),
    _int("size"),
    _string("compression", 20, default="zlib"),
    Column("data", LargeBinary, nullable=False),
    _moment("created_at"),
)

# A set of response headers (all but Date), kept once however many fetches carried it.
header_sets = Table(
    "header_sets",
    metadata,
    _id(),
    _string("sha256", 64, unique=True),
    _text("headers"),
)

# One fetch attempt, whatever its outcome. Since 0010 a row stores NULL for what it would only
# repeat (final URL = URL asked, no redirects, headers, related bodies or discovery record,
# live provenance): read them through storage.fetch_log, which rebuilds them exactly.
fetches = Table(
    "fetches",
    metadata,
    _id(),
    _document_id(index=False),
    _moment("started_at"),
    _text("url"),
    _text("final_url", nullable=True),
    _text("redirects", nullable=True),
    _int("status", nullable=True),
    _text("headers", nullable=True),
    _string("body_sha256", 64, nullable=True),
    _int("size", nullable=True),
    _int("duration_ms", nullable=True),
    _string("outcome", 20),
    _text("error", nullable=True),
    _ref("version_id", "versions.id", nullable=True),
    _text("related", nullable=True),
    # How a discovered file was found: methods tried and every candidate (JSON; NULL if none).
    _text("discovery", nullable=True),
    # An archive fetch: started_at is the capture's moment, archive_url its address.
    # NULL for a live fetch (live_fetch selects those), "archive" for a capture.
    _string("provenance", 20, nullable=True),
    _text("archive_url", nullable=True),
    _string("archive_digest", 64, nullable=True),
    # Since 0008 the headers are a shared set, and the server's Date header is kept as its
    # offset in seconds from started_at.
    _ref("headers_id", "header_sets.id", nullable=True),
    _int("date_offset", nullable=True),
    Index("ix_fetches_document_started", "document_id", "started_at"),
    # Partial (WHERE archive_url IS NOT NULL) on both databases: migration 0004 creates it
    # so. Not said here: naming PostgreSQL's option loads that whole dialect in every
    # process, a SQLite one's too (about 7% of a query command's start).
    Index("ix_fetches_archive_url", "document_id", "archive_url"),
    Index("ix_fetches_version_id", "version_id"),
)

# A distinct extracted text of a document, with when it was first and last seen.
versions = Table(
    "versions",
    metadata,
    _id(),
    _document_id(index=True),
    _int("number"),
    _string("text_sha256", 64),
    _int("text_size"),
    _text("title"),
    _text("meta"),
    _text("url"),
    _string("body_sha256", 64),
    _string("extractor", 100),
    _string("extractor_version", 50),
    _int("fetch_id", nullable=True),
    _moment("first_seen_at"),
    _moment("last_seen_at"),
    # Where the wording was first seen: live, or an archive capture (archive_url).
    _string("provenance", 20, default="live"),
    _text("archive_url", nullable=True),
    # The independent witness: a Save Page Now capture asked for when the version was stored.
    _text("witness_url", nullable=True),
    _text("witness_error", nullable=True),
    _int("witness_attempts", default=0),
    UniqueConstraint("document_id", "number", name="uq_versions_doc_number"),
)

# Each distinct section text once, known by the SHA-256 of its UTF-8 bytes (since 0011). The
# full-text index is over these rows: SQLite's FTS5 table `sections_fts` (content='section_texts')
# and its triggers, PostgreSQL's generated `search_vector` column and its GIN index.
section_texts = Table(
    "section_texts",
    metadata,
    _id(),
    _string("text_sha256", 64, unique=True),
    _text("text"),
)

# One section of one version, in document order; its text is a row of section_texts.
sections = Table(
    "sections",
    metadata,
    _id(),
    _ref("version_id", "versions.id", index=True),
    _int("ordinal"),
    _text("key"),
    _text("heading_path"),
    _text("pages"),
    _ref("text_id", "section_texts.id", index=True),
    UniqueConstraint("version_id", "ordinal", name="uq_sections_version_ord"),
)

# How often each watched term occurs in one section text (only terms that occur), by the id of
# its row of section_texts (since 0012; a cache, so no foreign key to check on every write).
term_counts = Table(
    "term_counts",
    metadata,
    _string("fingerprint", 16, primary_key=True),
    _int("text_id", primary_key=True),
    _text("counts"),
    sqlite_with_rowid=False,
)

# One change to one section between two versions of a document.
changes = Table(
    "changes",
    metadata,
    _id(),
    _document_id(index=True),
    _ref("from_version_id", "versions.id", nullable=True),
    _ref("to_version_id", "versions.id", index=True),
    _int("ordinal"),
    _text("section_key"),
    _string("kind", 20),
    _text("topics"),
    _int("significance", default=0),
    _text("payload"),
    _moment("created_at"),
    UniqueConstraint("to_version_id", "ordinal", name="uq_changes_version_ord"),
)

# One thing to tell: a change on a followed topic, or a document event.
alert_items = Table(
    "alert_items",
    metadata,
    _id(),
    _string("key", 300, unique=True),
    _string("kind", 20),
    _document_id(index=True),
    _ref("change_id", "changes.id", nullable=True),
    _string("topic", 100, nullable=True),
    _int("fetch_id", nullable=True),
    _text("payload"),
    _moment("created_at"),
    _ref("alert_id", "alerts.id", nullable=True, index=True),
    _moment("routed_at", nullable=True),  # handed to the subscribers who follow it (0009)
)

# One outgoing message: pending, sending while a run has it, then sent (or failed).
alerts = Table(
    "alerts",
    metadata,
    _id(),
    _string("kind", 20),
    _string("message_id", 300, unique=True),
    _text("recipients"),
    _text("topics"),
    _text("subject"),
    _string("status", 20, default="pending", index=True),
    _int("attempts", default=0),
    _text("last_error", nullable=True),
    _moment("created_at"),
    _moment("last_attempt_at", nullable=True),
    _moment("sent_at", nullable=True),
    _string("subscriber", 100, nullable=True),  # None: MAIL_TO (0009)
    _text("channel", nullable=True),
)

# One queued item for one subscriber's channel, and the message that carries it.
deliveries = Table(
    "deliveries",
    metadata,
    _id(),
    _ref("item_id", "alert_items.id"),
    _string("subscriber", 100, index=True),
    _text("channel"),  # TEXT, as migration 0009 made it
    _ref("alert_id", "alerts.id", nullable=True, index=True),
    _moment("created_at"),
    UniqueConstraint("item_id", "subscriber", "channel", name="uq_deliveries_item_to"),
)


def live_fetch(fetch_rows: FromClause) -> ColumnElement[bool]:
    """The condition selecting live fetches of the fetches table, or of an alias of it.

    A live fetch (not an archive capture) has NULL, or "live" in a row written in full (by a
    bulk insert that did not go through storage.fetch_log.add_fetch).
    """
    provenance = fetch_rows.c.provenance
    return or_(provenance.is_(None), provenance == "live")


LIVE_FETCH = live_fetch(fetches)


# Search structures made by hand in migration 0003, which these tables do not describe.
SEARCH_OBJECTS = {("column", "search_vector"), ("index", "ix_sections_fts")}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Keep Alembic's comparison (autogenerate) off the full-text search structures."""
    if type_ == "table" and name and name.startswith("sections_fts"):
        return False
    return (type_, name) not in SEARCH_OBJECTS

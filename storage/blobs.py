"""Raw bodies as served, kept once per SHA-256 (compressed when that gains) and verified on read."""

from __future__ import annotations

import logging
import zlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.engine import Connection

from storage.db import insert_or_ignore
from storage.repo import sha256, utcnow
from storage.tables import blobs

if TYPE_CHECKING:
    from storage.db import Db

log = logging.getLogger("guidewatch.storage")


class CorruptBlobError(Exception):
    """A stored raw body no longer matches its SHA-256 (or is missing); `sha` names it."""

    def __init__(self, message: str, sha: str = "") -> None:
        super().__init__(message)
        self.sha = sha


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


_STORED = select(blobs).where(blobs.c.sha256 == bindparam("sha256"))
_REPAIR = (
    update(blobs)
    .where(blobs.c.sha256 == bindparam("b_sha256"))
    .values(
        compression=bindparam("b_compression"), data=bindparam("b_data"), size=bindparam("b_size")
    )
)


def put_blob(*, session: Db, body: bytes) -> str:
    """Store a raw body once per SHA-256 (compressed if that gains) and return its hash."""
    orm = None if isinstance(session, Connection) else session
    if orm is not None:
        orm.flush()  # what is pending goes first, as an ORM insert would have flushed it
    digest = sha256(body)
    stored = session.execute(_STORED, {"sha256": digest}).first()
    if stored is not None and _damage(stored, digest):
        # The same bytes were fetched again: they are the proof the damaged copy stood for.
        log.warning(
            "stored raw body %s was damaged (%s); repaired from a new fetch of the same bytes",
            digest,
            _damage(stored, digest),
        )
        compression, data = pack(body)
        params = {
            "b_sha256": digest,
            "b_compression": compression,
            "b_data": data,
            "b_size": len(body),
        }
        session.execute(_REPAIR, params)
        if orm is not None:
            orm.expire_all()  # a copy of the damaged row the session holds is stale now
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
        session.execute(insert_or_ignore(session, blobs).values(**values))
    return digest


def _unpack(row: Row[Any]) -> bytes:
    return zlib.decompress(row.data) if row.compression == "zlib" else bytes(row.data)


def _damage(row: Row[Any], sha: str) -> str:
    """Say what is wrong with a stored body ("" when it is intact)."""
    try:
        data = _unpack(row)
    except zlib.error as error:
        return f"it cannot be decompressed: {error}"
    return "" if sha256(data) == sha else "it does not match its SHA-256"


_BLOB = select(blobs.c.compression, blobs.c.data)


def get_blob(*, session: Db, sha: str) -> bytes:
    """Return a raw body, verified against its SHA-256; CorruptBlobError says what is wrong."""
    row = session.execute(_BLOB.where(blobs.c.sha256 == sha)).first()
    if row is None:
        raise CorruptBlobError(f"raw body {sha} is missing from the store", sha)
    damage = _damage(row, sha)
    if damage:
        raise CorruptBlobError(f"raw body {sha} is damaged in the store: {damage}", sha)
    return _unpack(row)

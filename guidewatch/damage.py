"""Messages for damaged stored data: which body or text, from which fetch, how to recover."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guidewatch.app import stamp
from storage import blobs, fetch_log

if TYPE_CHECKING:
    from storage.db import Db
    from storage.version_store import AnyVersion


def damaged_body(
    session: Db, version: AnyVersion, error: blobs.CorruptBlobError, what: str = "raw body"
) -> str:
    """One line: the damaged body, the fetch that stored it, and the ways to recover."""
    doc = version.document_id
    origin = fetch_log.fetch_row(session=session, id=version.fetch_id) if version.fetch_id else None
    fetched = (
        f", stored by fetch #{origin.id} of {origin.url} at {stamp(origin.started_at)}"
        if origin is not None
        else ""
    )
    return (
        f"the {what} of {doc} version {version.number} ({error.sha or version.body_sha256}) "
        f"is damaged in the database: {error}{fetched}. The extracted text is checked "
        f"separately (`guidewatch show {doc} --version {version.number}`). To recover: "
        f"`guidewatch run --document {doc}` repairs the stored copy if the publisher still "
        "serves the same bytes; otherwise restore the database from a backup"
    )

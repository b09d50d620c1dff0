"""Reading one archive capture: its bytes (or those of an earlier capture with the same digest)
and today's extraction of them; what the CDX status says a capture is when it is not the page."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.engine import Engine

from scrapers.base import Extractor
from scrapers.model import (
    Document,
    DocumentSpec,
    Fetched,
    GoneError,
    ScrapeError,
    SuspectError,
)
from scrapers.sniff import sniff_kind
from scrapers.wayback import Capture, WaybackClient
from storage import archive as history
from storage import blobs, fetch_log
from storage.db import open_session

log = logging.getLogger("guidewatch.backfill")


class ArchiveDown(Exception):
    """The archive itself failed (not the capture): stop this document, resume next time."""


def _fetch_related(client: WaybackClient, capture: Capture, urls: list[str]) -> dict[str, bytes]:
    bodies = {}
    for url in urls:
        try:
            bodies[url] = client.memento(capture, url=url).fetched.body
        except ScrapeError as error:
            log.warning("related %s not in the archive near %s: %s", url, capture.timestamp, error)
    return bodies


def captured_failure(capture: Capture) -> ScrapeError | None:
    """What a capture of something other than the document is (the CDX status says it)."""
    status = capture.statuscode
    if status is None or status == 200:
        return None
    if 300 <= status < 400:
        return ScrapeError(f"the archive captured a redirect ({status}), not the document")
    if status in (404, 410):
        return GoneError(f"the archive captured {status}: the document was not there")
    return ScrapeError(f"the archive captured HTTP {status}, not the document", status=status)


def same_bytes(engine: Engine, spec: DocumentSpec, capture: Capture) -> Fetched | None:
    """An earlier capture's response with the same digest (so the same bytes), if stored."""
    if not capture.digest:
        return None
    with open_session(engine) as session:
        row = history.fetch_with_digest(session=session, document_id=spec.id, digest=capture.digest)
        if row is None or row.body_sha256 is None:
            return None
        try:
            body = blobs.get_blob(session=session, sha=row.body_sha256)
            related = {
                url: blobs.get_blob(session=session, sha=sha)
                for url, sha in fetch_log.related(row).items()
            }
        except blobs.CorruptBlobError:
            return None
        headers = fetch_log.fetch_headers(session=session, fetch=row)
    return Fetched(
        url=capture.original,
        final_url=fetch_log.final_url(row) or capture.original,
        status=row.status or 200,
        headers=headers,
        body=body,
        content_kind=sniff_kind(body, headers.get("content-type")),
        related=related,
    )


def read_capture(
    spec: DocumentSpec,
    extractor: Extractor,
    client: WaybackClient,
    capture: Capture,
    known: Fetched | None = None,
) -> tuple[Fetched, Document]:
    """Fetch a capture's bytes (unless known) and extract them; ArchiveDown if the archive fails."""
    if known is not None:
        return known, _extract(spec, extractor, known)
    try:
        fetched = client.memento(capture).fetched
    except ScrapeError as error:
        if error.status is None or error.status == 429 or error.status >= 500:
            raise ArchiveDown(str(error)) from None
        if error.status == 403:
            raise ScrapeError(
                f"the archive refuses this capture (403: excluded by robots.txt or on request):"
                f" {error}",
                status=403,
            ) from None
        raise
    related = _fetch_related(client, capture, extractor.related(spec, fetched))
    if related:
        fetched = replace(fetched, related=related)
    return fetched, _extract(spec, extractor, fetched)


def _extract(spec: DocumentSpec, extractor: Extractor, fetched: Fetched) -> Document:
    try:
        document = extractor.extract(spec, fetched)
    except ScrapeError as error:
        error.fetched = error.fetched or fetched
        raise
    if not document.text.strip():
        raise SuspectError("extracted text is empty", fetched=fetched)
    return document

"""Commands that print what was stored for a document: show (a version) and fetches (the log)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from guidewatch.app import App, UserError, emit, parse_when, stamp, table
from guidewatch.damage import damaged_body
from guidewatch.evidence import fetch_dict
from guidewatch.provenance import source_line, version_summary, witness_line
from guidewatch.queries import stored_document
from scrapers.model import Document, Section
from storage import blobs, fetch_log, version_store
from storage.db import open_reader

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Row

    from storage.db import Db

    Fetch: TypeAlias = Row[Any]  # a fetches row, read only
    Version: TypeAlias = Row[Any]  # a versions row, read only


def cmd_show(args: argparse.Namespace, app: App) -> int:
    """Print one version's text (or raw bytes, or one section with its evidence)."""
    stored_document(app, args.document)
    with open_reader(app.engine) as session:
        version = _chosen_version(session, args)
        if args.raw:
            _write_raw(session, version)
            return 0
        try:
            document = version_store.verified_document(session=session, version=version)
        except version_store.CorruptTextError as error:
            raise UserError(str(error)) from None
        asked = parse_when(args.at, end_of_day=True) if args.at else None
        seen = _Seen.of(session, version, asked)
    sections = _sections(document, version, args.section)
    evidence = _evidence(args.document, version, seen)
    data = {
        **evidence,
        "title": document.title,
        "sections": [
            {
                "key": s.key,
                "heading_path": list(s.heading_path),
                "text": s.text,
                "pages": list(s.pages),
            }
            for s in sections
        ],
    }
    emit(
        args.json,
        data,
        lambda: _render(args.document, version, document.title, evidence, seen, sections),
    )
    return 0


@dataclass(frozen=True)
class _Seen:
    """The fetch a version came from and, for a date asked for, the fetches around it."""

    fetch: Fetch | None
    asked: datetime | None
    before: Fetch | None
    after: Fetch | None
    confirmed: list[dict[str, Any] | None]

    @classmethod
    def of(cls, session: Db, version: Version, asked: datetime | None) -> _Seen:
        """Read the version's fetch and the fetches confirming it around `asked`."""
        fetch = (
            fetch_log.fetch_row(session=session, id=version.fetch_id) if version.fetch_id else None
        )
        before, after = (
            fetch_log.confirming_fetches(session=session, version_id=version.id or 0, when=asked)
            if asked
            else (None, None)
        )
        confirmed = [fetch_dict(f, session=session) if f else None for f in (before, after)]
        return cls(fetch, asked, before, after, confirmed)


def _chosen_version(session: Db, args: argparse.Namespace) -> Version:
    """The version asked for (by number, by date, or the newest), or a UserError."""
    if args.version is not None:
        version = version_store.get_version(
            session=session, document_id=args.document, number=args.version
        )
        missing = f"{args.document} has no version {args.version}"
    elif args.at:
        when = parse_when(args.at, end_of_day=True)
        version = version_store.version_at(session=session, document_id=args.document, when=when)
        missing = f"{args.document} had no stored version on {args.at}"
    else:
        version = version_store.newest_version(session=session, document_id=args.document)
        missing = f"{args.document} has no stored version yet"
    if version is None:
        raise UserError(missing)
    return version


def _write_raw(session: Db, version: Version) -> None:
    """Write the version's raw body, byte for byte, to stdout."""
    try:
        body = blobs.get_blob(session=session, sha=version.body_sha256)
    except blobs.CorruptBlobError as error:
        raise UserError(damaged_body(session, version, error)) from None
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def _sections(document: Document, version: Version, key: str | None) -> tuple[Section, ...]:
    """Every section, or only the one whose key was asked for (a UserError if none)."""
    if not key:
        return document.sections
    sections = tuple(s for s in document.sections if s.key == key)
    if not sections:
        keys = ", ".join(s.key for s in document.sections[:30])
        raise UserError(f"version {version.number} has no section {key!r}; sections: {keys}")
    return sections


def _evidence(document_id: str, version: Version, seen: _Seen) -> dict[str, Any]:
    """What backs the version: its summary, its fetch and, for a date, the confirming fetches."""
    evidence: dict[str, Any] = {
        "document": document_id,
        **version_summary(version),
        "fetched_at": seen.fetch.started_at if seen.fetch else None,
    }
    if seen.asked is not None:
        evidence["asked_for"] = seen.asked
        # Seen on both sides of the date means the wording was there on it.
        evidence["confirmed_on_date"] = seen.before is not None and seen.after is not None
        evidence["confirmed_before"], evidence["confirmed_after"] = seen.confirmed
    return evidence


def _render(
    document_id: str,
    version: Version,
    title: str,
    evidence: dict[str, Any],
    seen: _Seen,
    sections: tuple[Section, ...],
) -> str:
    """The version for people: its evidence lines, then each section under its key."""
    lines = [
        f"{document_id} version {version.number}: {title}",
        f"first seen {stamp(version.first_seen_at)}, last seen {stamp(version.last_seen_at)}",
        f"fetched from {version.url} at {stamp(evidence['fetched_at'])}",
        f"raw body sha256 {version.body_sha256}, text sha256 {version.text_sha256}",
        source_line(version),
        *filter(None, [witness_line(version)]),
    ]
    if seen.asked is not None:
        lines.append(_confirmation(seen.asked, seen.before, seen.after))
    lines += [
        f"evidence pack: guidewatch evidence {document_id} --version {version.number} "
        "--out FILE.zip",
        "",
    ]
    for s in sections:
        pages = f" (p. {', '.join(map(str, s.pages))})" if s.pages else ""
        lines.append(f"## [{s.key}] {' > '.join(s.heading_path)}{pages}")
        lines.append(s.text)
        lines.append("")
    return "\n".join(lines).rstrip()


def _confirmation(when: datetime, before: Fetch | None, after: Fetch | None) -> str:
    """Say how well the fetch log supports the wording on the date asked for."""
    if before is not None and after is not None:
        return (
            f"on {stamp(when)}: confirmed by the fetches of {stamp(before.started_at)} "
            f"and {stamp(after.started_at)}"
        )
    if before is not None:
        return (
            f"on {stamp(when)}: last confirmed {stamp(before.started_at)}; no later fetch "
            "has confirmed it yet"
        )
    return f"on {stamp(when)}: no fetch confirmed this version by then"


def cmd_fetches(args: argparse.Namespace, app: App) -> int:
    """Print the fetch log of a document, newest first."""
    stored_document(app, args.document)
    with open_reader(app.engine) as session:
        rows = fetch_log.list_fetches(session=session, document_id=args.document, limit=args.limit)
        data = [fetch_dict(f, session=session) for f in rows]
    emit(
        args.json,
        data,
        lambda: table(
            [
                [
                    stamp(f.started_at),
                    f.outcome,
                    str(f.status or "-"),
                    str(f.size or "-"),
                    fetch_log.provenance(f),
                    # whole: cut short misleads
                    f.error or f.archive_url or fetch_log.final_url(f) or f.url,
                ]
                for f in rows
            ],
            ["when", "outcome", "status", "bytes", "from", "error or URL"],
        ),
    )
    return 0

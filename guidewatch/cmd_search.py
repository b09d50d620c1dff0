"""The search command: every sentence that holds a phrase, with the versions it was in."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError, ProgrammingError

from alerts.dates import iso
from guidewatch.app import App, UserError, emit, parse_when, stamp
from guidewatch.queries import known_document, to_csv
from storage.db import open_reader
from storage.search import Hit, SearchError, search
from storage.text_check import verified_versions
from storage.version_store import CorruptTextError

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Row

    from storage.db import Db

    Version: TypeAlias = Row[Any]  # the columns text_check.CHECKED of a versions row


def cmd_search(args: argparse.Namespace, app: App) -> int:
    """Print every sentence holding the phrase, with the versions and dates it was seen."""
    if args.document:
        known_document(app, args.document)
    hits, quoted = _find(args, app)
    first_seen_in = _first_seen_in(hits, quoted)

    def render() -> str:
        if args.format == "csv":
            return _csv(hits)
        return _text(args.phrase, hits, first_seen_in)

    data = [
        h.to_dict() | {"first_seen_in": first_seen_in.get((h.document_id, h.first_version))}
        for h in hits
    ]
    emit(args.json, data, render)
    return 0


def _find(args: argparse.Namespace, app: App) -> tuple[list[Hit], dict[tuple[str, int], Version]]:
    """The hits for the command's phrase and filters, and the versions they quote, checked."""
    since = parse_when(args.since, end_of_day=False) if args.since else None
    until = parse_when(args.until, end_of_day=True) if args.until else None
    which = "first" if args.first else "last" if args.last else "all"
    try:
        with open_reader(app.engine) as session:
            hits = search(
                session=session,
                phrase=args.phrase,
                document_id=args.document,
                since=since,
                until=until,
                which=which,
            )
            quoted = _check_texts(session, hits)
    except SearchError as error:
        raise UserError(str(error)) from None
    except (OperationalError, ProgrammingError) as error:
        if "sections_fts" not in str(error) and "phraseto_tsquery" not in str(error):
            raise
        raise UserError(
            "this database has no search index yet: run `guidewatch run` once to upgrade it"
        ) from None
    return hits, quoted


def _csv(hits: Sequence[Hit]) -> str:
    """The hits as CSV, one row each."""
    headers = ["document", "section", "first_version", "last_version"]
    headers += ["first_seen_at", "last_seen_at", "current", "sentence"]
    rows = [
        [
            h.document_id,
            h.section_key,
            h.first_version,
            h.last_version,
            iso(h.first_seen_at),
            iso(h.last_seen_at),
            "yes" if h.current else "no",
            h.sentence,
        ]
        for h in hits
    ]
    return to_csv(headers, rows)


def _text(phrase: str, hits: Sequence[Hit], first_seen_in: dict[tuple[str, int], str]) -> str:
    """The hits for people: where and when each was seen, then the sentence."""
    if not hits:
        return f"no stored version contains {phrase!r}"
    lines = []
    for h in hits:
        span = f"v{h.first_version}" + (
            f"-v{h.last_version}" if h.last_version != h.first_version else ""
        )
        still = "still there" if h.current else "gone after that"
        lines.append(
            f"{h.document_id}  [{h.section_key}]  {span}  "
            f"first seen {stamp(h.first_seen_at)}, last seen {stamp(h.last_seen_at)} ({still})"
        )
        lines.append(f"    {h.sentence}")
        where = first_seen_in.get((h.document_id, h.first_version))
        if where:
            lines.append(f"    (first seen in the Wayback Machine's capture {where})")
    return "\n".join(lines)


def _first_seen_in(
    hits: Sequence[Hit], quoted: dict[tuple[str, int], Version]
) -> dict[tuple[str, int], str]:
    """The archive capture each hit's first version was first seen in (live ones left out)."""
    found: dict[tuple[str, int], str] = {}
    for key in {(h.document_id, h.first_version) for h in hits}:
        version = quoted.get(key)
        if version is not None and version.provenance == "archive" and version.archive_url:
            found[key] = version.archive_url
    return found


def _check_texts(session: Db, hits: Sequence[Hit]) -> dict[tuple[str, int], Version]:
    """Check the text SHA-256 of every version a hit quotes (its first and last); return them."""
    refs = {(h.document_id, n) for h in hits for n in (h.first_version, h.last_version)}
    try:
        return verified_versions(session=session, refs=refs)
    except CorruptTextError as error:
        raise UserError(str(error)) from None

"""Commands that question the history: search, timeline, evidence, report."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.dates import iso
from guidewatch.app import (
    App,
    UserError,
    emit,
    parse_when,
    read_topics,
    stamp,
    subscribers_in_force,
    table,
)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def _known_document(app: App, document_id: str) -> None:
    """Fail with a helpful message when the database has no such document."""
    from storage import repo
    from storage.db import open_session

    with open_session(app.engine) as session:
        if repo.get_document(session=session, id=document_id) is None:
            known = ", ".join(d.id for d in repo.list_documents(session=session)) or "none yet"
            raise UserError(f"no document {document_id!r} in the database (stored: {known})")


def cmd_search(args: argparse.Namespace, app: App) -> int:
    """Print every sentence holding the phrase, with the versions and dates it was seen."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from storage.db import open_session
    from storage.search import SearchError, search

    if args.document:
        _known_document(app, args.document)
    since = parse_when(args.since, end_of_day=False) if args.since else None
    until = parse_when(args.until, end_of_day=True) if args.until else None
    which = "first" if args.first else "last" if args.last else "all"
    try:
        with open_session(app.engine) as session:
            hits = search(
                session=session,
                phrase=args.phrase,
                document_id=args.document,
                since=since,
                until=until,
                which=which,
            )
            _check_texts(session, hits)
    except SearchError as error:
        raise UserError(str(error)) from None
    except (OperationalError, ProgrammingError) as error:
        if "sections_fts" not in str(error) and "phraseto_tsquery" not in str(error):
            raise
        raise UserError(
            "this database has no search index yet: run `guidewatch run` once to upgrade it"
        ) from None
    headers = ["document", "section", "first_version", "last_version"]
    headers += ["first_seen_at", "last_seen_at", "current", "sentence"]
    first_seen_in = _first_seen_in(app, hits)

    def render() -> str:
        if args.format == "csv":
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
        if not hits:
            return f"no stored version contains {args.phrase!r}"
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

    data = [
        h.to_dict() | {"first_seen_in": first_seen_in.get((h.document_id, h.first_version))}
        for h in hits
    ]
    emit(args.json, data, render)
    return 0


def _first_seen_in(app: App, hits: Sequence[Any]) -> dict[tuple[str, int], str]:
    """The archive capture each hit's first version was first seen in (live ones left out)."""
    from storage import repo
    from storage.db import open_session

    found: dict[tuple[str, int], str] = {}
    with open_session(app.engine) as session:
        for key in {(h.document_id, h.first_version) for h in hits}:
            version = repo.get_version(session=session, document_id=key[0], number=key[1])
            if version is not None and version.provenance == "archive" and version.archive_url:
                found[key] = version.archive_url
    return found


def cmd_timeline(args: argparse.Namespace, app: App) -> int:
    """Print the count of each watched term in every version, with dates."""
    from guidewatch.report.history import select_topics, shown_terms, term_timelines
    from storage.db import open_session

    watched = read_topics(app.settings.topics_path)
    try:
        topics, always = select_topics(watched, topic=args.topic, term=args.term)
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.document:
        _known_document(app, args.document)
    with open_session(app.engine) as session:
        ids = [args.document] if args.document else None
        rows = term_timelines(session=session, document_ids=ids, topics=topics)
    terms = shown_terms(rows, topics, always)

    def render() -> str:
        if args.format == "csv":
            headers = ["document", "version", "first_seen_at", "last_seen_at", *terms]
            return to_csv(
                headers,
                [
                    [
                        r.document_id,
                        r.version,
                        iso(r.first_seen_at),
                        iso(r.last_seen_at),
                        *(r.counts.get(t, 0) for t in terms),
                    ]
                    for r in rows
                ],
            )
        if not rows:
            return "no stored version yet"
        if not terms:
            return "no watched term appears in any stored version"
        lead = [] if args.document else ["document"]
        headers = [*lead, "version", "first seen", "last seen", *terms]
        body = [
            [
                *([r.document_id] if not args.document else []),
                f"{r.version}{' (archive)' if r.provenance == 'archive' else ''}",
                _day(r.first_seen_at),
                _day(r.last_seen_at),
                *(str(r.counts.get(t, 0)) for t in terms),
            ]
            for r in rows
        ]
        return table(body, headers)

    emit(args.json, [r.to_dict(terms) for r in rows] if args.json else None, render)
    return 0


def _check_texts(session: Any, hits: Any) -> None:
    """Check the text SHA-256 of every version a hit quotes (its first and last)."""
    from storage import repo

    for doc, version_number in sorted(
        {(h.document_id, n) for h in hits for n in (h.first_version, h.last_version)}
    ):
        version = repo.get_version(session=session, document_id=doc, number=version_number)
        if version is None:
            continue
        try:
            repo.verified_document(session=session, version=version)
        except repo.CorruptTextError as error:
            raise UserError(str(error)) from None


def _day(moment: datetime) -> str:
    """The UTC date of a moment, as stamp() would print it (without strftime's cost)."""
    return moment.astimezone(UTC).date().isoformat()


def cmd_evidence(args: argparse.Namespace, app: App) -> int:
    """Write one version's evidence pack and print its manifest."""
    from guidewatch.evidence import EvidenceError, build_pack, write_pack
    from guidewatch.outpaths import file_out, write_failed
    from storage.db import open_session

    target = file_out(Path(args.out), force=args.force)
    _known_document(app, args.document)
    try:
        with open_session(app.engine) as session:
            pack = build_pack(session=session, document_id=args.document, number=args.version)
    except EvidenceError as error:
        raise UserError(str(error)) from None
    try:
        out = write_pack(pack, target)
    except OSError as error:
        raise write_failed(target, error) from None
    manifest = pack.manifest()
    data = {
        "document": args.document,
        "version": pack.version.number,
        "out": str(out),
        "folder": pack.folder,
        "files": manifest,
    }

    def render() -> str:
        lines = [f"wrote {out} ({pack.folder}, {len(pack.files)} files)"]
        lines += [f"  {sha}  {name}" for name, sha in sorted(manifest.items())]
        lines.append("check it with: unzip, cd into the folder, sha256sum -c MANIFEST.sha256")
        return "\n".join(lines)

    emit(args.json, data, render)
    return 0


def cmd_report(args: argparse.Namespace, app: App) -> int:
    """Write the static HTML report."""
    from guidewatch.outpaths import folder_out, write_failed
    from guidewatch.report.feeds import write_feeds
    from guidewatch.report.site import build_report

    topics = read_topics(app.settings.topics_path)
    out = folder_out(Path(args.out), force=args.force)
    subscribers: tuple[Any, ...] = ()
    if app.settings.subscribers_path is not None:  # their own feeds, for their readers
        subscribers = subscribers_in_force(app.settings).subscribers
    try:
        pages = build_report(engine=app.engine, out=out, topics=topics, specs=_declared(app))
        feeds = write_feeds(
            app.engine, out, topics, base_url=app.settings.report_url, subscribers=subscribers
        )
    except OSError as error:
        raise write_failed(out, error) from None
    data = {"out": str(out), "pages": [str(p) for p in pages], "feeds": [str(f) for f in feeds]}
    emit(
        args.json,
        data,
        lambda: (
            f"wrote {len(pages)} pages to {out}; open {out / 'index.html'} in a browser\n"
            f"wrote {len(feeds)} Atom feeds to {out / 'feeds'} (all.atom: every topic)"
        ),
    )
    return 0


def _declared(app: App) -> Any:
    """Return a lookup of each document's declaration (None when the sources file lacks it)."""
    try:
        specs = {spec.id: spec for spec in app.catalog.documents}
    except UserError as error:
        print(f"guidewatch: {error}; comparing without ignore rules", file=sys.stderr)
        specs = {}
    return specs.get

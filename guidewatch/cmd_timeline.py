"""The timeline command: how often each watched term appears in every version."""

from __future__ import annotations

import argparse

from alerts.dates import iso, utc_date
from guidewatch.app import App, UserError, emit, read_topics, table
from guidewatch.queries import known_document, to_csv
from guidewatch.report.timeline import select_topics, shown_terms, term_timelines
from storage.db import open_reader


def cmd_timeline(args: argparse.Namespace, app: App) -> int:
    """Print the count of each watched term in every version, with dates."""
    watched = read_topics(app.settings.topics_path)
    try:
        topics, always = select_topics(watched, topic=args.topic, term=args.term)
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.document:
        known_document(app, args.document)
    with open_reader(app.engine) as session:
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
                utc_date(r.first_seen_at),
                utc_date(r.last_seen_at),
                *(str(r.counts.get(t, 0)) for t in terms),
            ]
            for r in rows
        ]
        return table(body, headers)

    emit(args.json, [r.to_dict(terms) for r in rows] if args.json else None, render)
    return 0

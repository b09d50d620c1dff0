"""The history command: a document's versions, when each was seen and where it came from."""

from __future__ import annotations

import argparse

from guidewatch.app import App, UserError, emit, stamp, table
from guidewatch.provenance import source_label, version_provenance
from guidewatch.queries import stored_document
from storage import version_store
from storage.db import open_reader


def cmd_history(args: argparse.Namespace, app: App) -> int:
    """List a document's versions with first and last seen dates and where each came from."""
    stored_document(app, args.document)
    with open_reader(app.engine) as connection:
        versions = version_store.version_rows(session=connection, document_id=args.document)
    if not versions:
        raise UserError(f"{args.document} has no stored version yet (see `guidewatch fetches`)")
    data = [
        {
            "version": v.number,
            "first_seen_at": v.first_seen_at,
            "last_seen_at": v.last_seen_at,
            "text_sha256": v.text_sha256,
            "characters": v.text_size,
            "url": v.url,
            "body_sha256": v.body_sha256,
            "extractor": v.extractor_version,
            **version_provenance(v),
        }
        for v in versions
    ]
    emit(
        args.json,
        data,
        lambda: table(
            [
                [
                    str(v.number),
                    stamp(v.first_seen_at),
                    stamp(v.last_seen_at),
                    str(v.text_size),
                    v.text_sha256[:12],
                    v.archive_url or source_label(v),
                ]
                for v in versions
            ],
            ["version", "first seen", "last seen", "chars", "text sha256", "from"],
        ),
    )
    return 0

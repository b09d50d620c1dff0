"""Commands that write files from the history: evidence (a zip per version) and report (a site)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alerts.subscribers import Subscriber
from guidewatch.app import App, UserError, emit, read_topics, subscribers_in_force
from guidewatch.evidence import EvidenceError, build_pack, write_pack
from guidewatch.outpaths import file_out, folder_out, write_failed
from guidewatch.queries import known_document
from guidewatch.report.feeds import write_feeds
from guidewatch.report.site import Specs, build_report
from storage.db import open_session


def cmd_evidence(args: argparse.Namespace, app: App) -> int:
    """Write one version's evidence pack and print its manifest."""
    target = file_out(Path(args.out), force=args.force)
    known_document(app, args.document)
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
    topics = read_topics(app.settings.topics_path)
    out = folder_out(Path(args.out), force=args.force)
    subscribers: tuple[Subscriber, ...] = ()
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


def _declared(app: App) -> Specs:
    """Return a lookup of each document's declaration (None when the sources file lacks it)."""
    try:
        specs = {spec.id: spec for spec in app.catalog.documents}
    except UserError as error:
        print(f"guidewatch: {error}; comparing without ignore rules", file=sys.stderr)
        specs = {}
    return specs.get

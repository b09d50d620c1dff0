"""Commands that compare stored versions: diff (two of them), replay (all, by today's rules)."""

from __future__ import annotations

import argparse

from guidewatch.app import App, UserError, emit, read_topics, stamp
from guidewatch.changes import compare_versions, replay
from guidewatch.cmd_changes import render_change, use_color
from guidewatch.provenance import source_line, version_provenance
from guidewatch.sources import SourcesError
from scrapers.model import DocumentSpec
from storage import version_store
from storage.db import open_session


def _spec(app: App, document_id: str) -> DocumentSpec:
    """The document as declared in the sources file, or a UserError."""
    try:
        return app.catalog.document(document_id)
    except SourcesError as error:
        raise UserError(str(error)) from None


def cmd_diff(args: argparse.Namespace, app: App) -> int:
    """Compare two stored versions of a document section by section."""
    spec = _spec(app, args.document)
    topics = read_topics(app.settings.topics_path)
    with open_session(app.engine) as session:
        versions = {
            v.number: v for v in version_store.list_versions(session=session, document_id=spec.id)
        }
        if not versions:
            raise UserError(
                f"{spec.id} has no stored version yet: nothing to compare "
                f"(run `guidewatch run --document {spec.id}`)"
            )
        if len(versions) < 2 and args.from_version is None:
            raise UserError(f"{spec.id} has {len(versions)} stored version(s): nothing to compare")
        to_number = args.to_version or max(versions)
        from_number = args.from_version or to_number - 1
        for number in (to_number, from_number):
            if number not in versions:
                raise UserError(f"{spec.id} has no version {number}")
        old, new = versions[from_number], versions[to_number]
        changes = compare_versions(session, spec, old, new, topics=topics)
    data = {
        "document": spec.id,
        "from": {"version": old.number, "first_seen_at": old.first_seen_at}
        | version_provenance(old),
        "to": {"version": new.number, "first_seen_at": new.first_seen_at} | version_provenance(new),
        "changes": [c.to_dict() for c in changes],
    }
    color = use_color(args.color)

    def render() -> str:
        lines = [
            f"{spec.id}: version {old.number} ({stamp(old.first_seen_at)}) → "
            f"version {new.number} ({stamp(new.first_seen_at)})",
            *(
                f"version {v.number}: {source_line(v)}"
                for v in (old, new)
                if v.provenance == "archive"
            ),
            "",
        ]
        if not changes:
            lines.append("no change beyond noise (whitespace, typography, names, ignore rules)")
        for change in changes:
            lines += render_change(change, color=color) + [""]
        return "\n".join(lines).rstrip()

    emit(args.json, data, render)
    return 0


def cmd_replay(args: argparse.Namespace, app: App) -> int:
    """Re-run extraction and comparison over stored copies; print what would be alerted."""
    spec = _spec(app, args.document)
    topics = read_topics(app.settings.topics_path)
    with open_session(app.engine) as session:
        steps = replay(session, spec, topics=topics)
    data = {
        "document": spec.id,
        "steps": [
            {
                "from_version": s.from_version,
                "to_version": s.to_version,
                "would_alert": [c.to_dict() for c in s.alerting],
                "other_changes": len(s.changes) - len(s.alerting),
                **({"changes": [c.to_dict() for c in s.changes]} if args.all else {}),
            }
            for s in steps
        ],
    }
    color = use_color("auto")

    def render() -> str:
        if not steps:
            return f"{spec.id}: fewer than two stored versions, nothing to replay"
        lines = []
        for step in steps:
            shown = step.changes if args.all else step.alerting
            lines.append(
                f"version {step.from_version} → {step.to_version}: "
                f"{len(step.alerting)} change(s) would be alerted, "
                f"{len(step.changes) - len(step.alerting)} on no topic"
            )
            for change in shown:
                lines += ["  " + line for line in render_change(change, color=color)]
        lines.append("(replay: nothing was written or sent)")
        return "\n".join(lines)

    emit(args.json, data, render)
    return 0

"""What the history views need from the database: term counts per version and the changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from compare.diff import compare_documents
from compare.model import Change, Topic

# The timeline lives in its own module (no diffing loaded by `timeline`); re-exported here.
from guidewatch.report.timeline import (  # noqa: F401
    TimelineRow,
    select_topics,
    shown_terms,
    term_names,
    term_timeline,
    term_timelines,
)
from scrapers.base import get_extractor
from scrapers.model import DocumentSpec
from storage import checks, history, version_store
from storage.models import Version


@dataclass(frozen=True)
class VersionChanges:
    """The changes that made one version out of the one before it."""

    document_id: str
    from_version: int | None
    to_version: int
    first_seen_at: datetime
    changes: tuple[Change, ...]
    recorded: bool  # read from the changes table (True) or computed now (False)


def compare_now(
    session: Session, spec: DocumentSpec, old: Version, new: Version, *, topics: Sequence[Topic]
) -> list[Change]:
    """Compare two versions as the cycle does (like with like); stored texts for unknown kinds."""
    from compare.noise import resolve_ignore
    from guidewatch.changes import compare_versions

    try:
        extractor = get_extractor(spec.kind)
    except KeyError:  # no extractor for this kind here, so nothing to re-extract with
        before = version_store.version_document(session=session, version=old)
        after = version_store.version_document(session=session, version=new)
        ignore = resolve_ignore(spec.options.get("ignore", ()))
        return compare_documents(before, after, topics=topics, ignore=ignore)
    return compare_versions(
        session, spec, old, new, topics=topics, extractors=lambda _kind: extractor
    )


def document_changes(
    *, session: Session, spec: DocumentSpec, topics: Sequence[Topic]
) -> list[VersionChanges]:
    """Return the changes between consecutive versions, newest first, as the cycle recorded them.

    The recorded rows are the record: a version with none had no change. Only versions older
    than the first change ever recorded may predate change recording; those are compared now,
    the way the cycle compares.
    """
    versions = version_store.list_versions(session=session, document_id=spec.id)
    recorded: dict[int, list[Change]] = defaultdict(list)
    first_recorded: int | None = None
    if checks.has_changes_table(session=session):
        from storage.changes import list_changes

        first_recorded = history.first_recorded_version_id(session=session)
        for row in list_changes(session=session, document_id=spec.id, on_topic_only=False):
            recorded[row.to_version_id].append(Change.from_dict(row.data()))
    out: list[VersionChanges] = []
    for before, after in zip(versions, versions[1:], strict=False):
        assert after.id is not None
        # Ids only grow, so a version after the first recorded one was kept with recording on.
        from_table = first_recorded is not None and after.id >= first_recorded
        if from_table:
            changes = recorded.get(after.id, [])
        else:
            changes = compare_now(session, spec, before, after, topics=topics)
        out.append(
            VersionChanges(
                document_id=spec.id,
                from_version=before.number,
                to_version=after.number,
                first_seen_at=after.first_seen_at,
                changes=tuple(changes),
                recorded=from_table,
            )
        )
    return list(reversed(out))

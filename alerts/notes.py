"""The plain values a digest is made of: changes and document events, ready to tell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from compare.model import Change


@dataclass(frozen=True)
class ChangeNote:
    """One change on one topic, with what a reader needs to find the document."""

    topic: str
    document_id: str
    document_title: str
    live_url: str
    change: Change
    new_version: int
    new_seen_at: datetime
    old_version: int | None = None
    old_seen_at: datetime | None = None
    also_topics: tuple[str, ...] = ()
    old_last_seen_at: datetime | None = None  # the old wording was still there on this date
    document_url: str = ""  # the stored version's own address: for a PDF, the file itself
    archived_copy: str = ""  # the Wayback Machine's capture of the new version (the witness)
    change_id: int | None = None  # the recorded change (`guidewatch changes --id N`)


@dataclass(frozen=True)
class EventNote:
    """One event about a document: gone, moved, failing, recovered, discovered, compare-failed."""

    kind: str
    document_id: str
    document_title: str
    live_url: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class Digest:
    """Everything one message tells."""

    changes: tuple[ChangeNote, ...] = ()
    events: tuple[EventNote, ...] = ()

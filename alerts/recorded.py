"""Load recorded changes as ChangeNotes (what the digest, feeds and channels render)."""

from __future__ import annotations

from sqlmodel import Session

from alerts.notes import ChangeNote
from compare.model import Change
from storage.changes import ChangeRow
from storage.models import StoredDocument, Version


def note_for(session: Session, row: ChangeRow, topic: str | None = None) -> ChangeNote:
    """One recorded change as a note, filed under `topic` (default: its first topic)."""
    change = Change.from_dict(row.data())
    new = session.get(Version, row.to_version_id)
    old = session.get(Version, row.from_version_id) if row.from_version_id else None
    document = session.get(StoredDocument, row.document_id)
    assert new is not None
    first, *others = change.topics or ("",)
    chosen = topic if topic is not None else first
    return ChangeNote(
        topic=chosen,
        document_id=row.document_id,
        document_title=document.title if document else row.document_id,
        live_url=document.url if document else new.url,
        change=change,
        new_version=new.number,
        new_seen_at=new.first_seen_at,
        old_version=old.number if old else None,
        old_seen_at=old.first_seen_at if old else None,
        also_topics=tuple(t for t in change.topics if t != chosen),
        old_last_seen_at=old.last_seen_at if old else None,
        document_url=new.url,
        archived_copy=new.witness_url or "",
        change_id=row.id,
    )


def change_identity(note: ChangeNote, ordinal: int) -> str:
    """A change's stored identity, the same in every database: document, version, ordinal."""
    return f"{note.document_id}/v{note.new_version}/{ordinal}"

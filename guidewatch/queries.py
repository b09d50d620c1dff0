"""What the query commands share: the checks that a document is stored, and CSV output."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from guidewatch.app import App, UserError
from storage import repo
from storage.db import open_session
from storage.models import StoredDocument


def stored_document(app: App, document_id: str) -> StoredDocument:
    """The stored document, or a UserError that says whether it is declared but unchecked."""
    with open_session(app.engine) as session:
        row = repo.get_document(session=session, id=document_id)
    if row is None:
        if document_id in app.catalog.ids():
            raise UserError(
                f"{document_id} has no stored version yet: it has not been checked "
                f"(run `guidewatch run --document {document_id}`)"
            )
        known = ", ".join(app.catalog.ids())
        raise UserError(f"no document {document_id!r} (declared: {known})")
    return row


def known_document(app: App, document_id: str) -> None:
    """Fail with a helpful message when the database has no such document."""
    with open_session(app.engine) as session:
        if repo.get_document(session=session, id=document_id) is None:
            known = ", ".join(d.id for d in repo.list_documents(session=session)) or "none yet"
            raise UserError(f"no document {document_id!r} in the database (stored: {known})")


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")

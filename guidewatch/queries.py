"""What the query commands share: the checks that a document is stored, and CSV output."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from guidewatch.app import App, UserError
from storage import repo
from storage.db import open_reader


def stored_document(app: App, document_id: str) -> Row[Any]:
    """The stored document, or a UserError that says whether it is declared but unchecked."""
    try:
        return _stored(app, document_id)
    except repo.NoDocumentError as error:
        if document_id in app.catalog.ids():
            raise UserError(
                f"{document_id} has no stored version yet: it has not been checked "
                f"(run `guidewatch run --document {document_id}`)"
            ) from None
        raise UserError(str(error)) from None


def known_document(app: App, document_id: str) -> Row[Any]:
    """The stored document, or a UserError naming the documents the database has."""
    try:
        return _stored(app, document_id)
    except repo.NoDocumentError as error:
        raise UserError(str(error)) from None


def _stored(app: App, document_id: str) -> Row[Any]:
    with open_reader(app.engine) as connection:
        return repo.require_document(session=connection, id=document_id)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")

"""A version stored directly, without a fetch behind it, for tests of what reads versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from scrapers.model import Document, Section
from storage import version_store
from storage.db import open_session


def store_version(
    engine: Engine, document_id: str, url: str, sections: tuple[Section, ...], seen_at: datetime
) -> None:
    """Store the next version of a document (known already) holding these sections."""
    with open_session(engine) as session:
        version_store.add_version(
            session=session,
            document_id=document_id,
            document=Document(sections=sections),
            url=url,
            body_sha256="b" * 64,
            extractor="nice",
            extractor_version="1",
            fetch_id=None,
            seen_at=seen_at,
        )
        session.commit()

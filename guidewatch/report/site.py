"""Write the static report: an index of documents and one page per document.

What each page shows is guidewatch.report.view; the pages are the templates index.html and
document.html (guidewatch/report/templates), which escape every value by default.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from compare.model import Topic
from guidewatch.report import history
from guidewatch.report.html import render
from guidewatch.report.view import DocumentView, IndexEntry, document_view, index_entry
from scrapers.model import DocumentSpec
from storage import repo, version_store
from storage.db import open_session
from storage.models import StoredDocument

STYLE = Path(__file__).with_name("style.css")
Specs = Callable[[str], DocumentSpec | None]


def page_name(document_id: str) -> str:
    """Return a safe, stable file name for a document's page."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", document_id).strip(".") or "document"
    if safe != document_id:
        safe += "-" + hashlib.sha256(document_id.encode()).hexdigest()[:8]
    return f"{safe}.html"


def stored_spec(document: StoredDocument) -> DocumentSpec:
    """Describe a stored document that the sources file no longer declares."""
    return DocumentSpec(
        id=document.id,
        source=document.source,
        title=document.title,
        kind=document.kind,
        url=document.url,
    )


def document_page(view: DocumentView) -> str:
    """Return the HTML page of one document."""
    return render("document.html", doc=view)


def index_page(entries: Sequence[IndexEntry], generated_at: datetime) -> str:
    """Return the HTML index of every document with its last change."""
    return render("index.html", entries=entries, generated_at=generated_at)


def build_report(
    *,
    engine: Engine,
    out: Path,
    topics: Sequence[Topic],
    specs: Specs | None = None,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write the whole site under `out` (specs: each document's declaration); return the pages."""
    generated_at = generated_at or datetime.now(UTC)
    (out / "documents").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STYLE, out / "style.css")
    written: list[Path] = []
    entries: list[IndexEntry] = []
    with open_session(engine) as session:
        for document in repo.list_documents(session=session):
            versions = version_store.list_versions(session=session, document_id=document.id)
            rows = history.term_timeline(session=session, document_id=document.id, topics=topics)
            spec = (specs(document.id) if specs else None) or stored_spec(document)
            groups = history.document_changes(session=session, spec=spec, topics=topics)
            name = page_name(document.id)
            target = out / "documents" / name
            view = document_view(document, versions, rows, groups, topics)
            target.write_text(document_page(view), encoding="utf-8")
            written.append(target)
            entries.append(index_entry(document, f"documents/{name}", versions, groups))
    index = out / "index.html"
    index.write_text(index_page(entries, generated_at), encoding="utf-8")
    return [index, *written]

"""Write the static report: an index of documents and one page per document."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from compare.model import Topic
from guidewatch.report import history
from guidewatch.report.html import (
    bar_chart,
    change_block,
    day,
    esc,
    page,
    table,
    time_tag,
)
from scrapers.model import DocumentSpec
from storage import repo, version_store
from storage.db import open_session
from storage.models import StoredDocument, Version

STYLE = Path(__file__).with_name("style.css")
Specs = Callable[[str], DocumentSpec | None]


@dataclass(frozen=True)
class DocumentPage:
    """What the index says about one document page."""

    document: StoredDocument
    path: str
    versions: int
    last_change: datetime | None
    last_topics: tuple[str, ...]
    last_seen: datetime | None


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


def _source_cell(version: Version) -> str:
    """Where the version was first seen, and the archive's own copy when there is one."""
    cell = "live fetch"
    if version.provenance == "archive" and version.archive_url:
        cell = f'<a href="{esc(version.archive_url)}">archive capture</a>'
    if version.witness_url:
        cell += f' · <a href="{esc(version.witness_url)}">archived copy</a>'
    return cell


def _versions_table(versions: Sequence[Version]) -> str:
    rows = [
        [
            f"{v.number}",
            time_tag(v.first_seen_at),
            time_tag(v.last_seen_at),
            f"{v.text_size:,}",
            f'<code title="{esc(v.body_sha256)}">{esc(v.body_sha256[:16])}…</code>',
            _source_cell(v),
        ]
        for v in reversed(versions)
    ]
    return table(
        "Versions, newest first",
        ["Version", "First seen", "Last seen", "Characters", "Raw body SHA-256", "Seen in"],
        rows,
        row_headers=True,
    )


def _terms_section(rows: Sequence[history.TimelineRow], topics: Sequence[Topic]) -> str:
    terms = history.shown_terms(rows, topics)
    if not terms:
        return "<p>No watched term appears in any version.</p>"
    labels = [f"v{r.version}" for r in rows]
    dates = [day(r.first_seen_at) for r in rows]
    charts = [
        bar_chart(f"term-{i}", term, labels, dates, [r.counts.get(term, 0) for r in rows])
        for i, term in enumerate(terms)
    ]
    data = table(
        "Watched term counts per version",
        ["Version", "First seen", *terms],
        [
            [f"v{r.version}", time_tag(r.first_seen_at), *(str(r.counts.get(t, 0)) for t in terms)]
            for r in rows
        ],
        row_headers=True,
    )
    return (
        f'<div class="charts">{"".join(charts)}</div>'
        f"<details><summary>The same counts as a table</summary>{data}</details>"
    )


def _changes_section(groups: Sequence[history.VersionChanges]) -> str:
    if not groups:
        return "<p>Only one version is stored, so nothing has changed yet.</p>"
    out = []
    for group in groups:
        out.append(
            f'<section class="version" aria-labelledby="v{group.to_version}">'
            f'<h3 id="v{group.to_version}">Version {group.to_version}, first seen '
            f"{time_tag(group.first_seen_at)} (from version {group.from_version})</h3>"
        )
        if not group.changes:
            out.append("<p>No change beyond noise (whitespace, typography, ignore rules).</p>")
        out.extend(change_block(change) for change in group.changes)
        out.append("</section>")
    return "".join(out)


def document_page(
    document: StoredDocument,
    versions: Sequence[Version],
    rows: Sequence[history.TimelineRow],
    groups: Sequence[history.VersionChanges],
    topics: Sequence[Topic],
) -> str:
    """Return the HTML page of one document."""
    count = sum(len(g.changes) for g in groups)
    body = (
        f"<h1>{esc(document.title)}</h1>"
        f'<dl class="facts"><dt>Document</dt><dd><code>{esc(document.id)}</code></dd>'
        f"<dt>Source</dt><dd>{esc(document.source)}</dd>"
        f'<dt>Address</dt><dd><a href="{esc(document.url)}">{esc(document.url)}</a></dd>'
        f"<dt>Versions</dt><dd>{len(versions)}</dd><dt>Changes</dt><dd>{count}</dd></dl>"
        '<nav aria-label="On this page"><ul><li><a href="#versions">Versions</a></li>'
        '<li><a href="#terms">Watched terms</a></li><li><a href="#changes">Changes</a></li>'
        "</ul></nav>"
        f'<section aria-labelledby="versions"><h2 id="versions">Versions</h2>'
        f"{_versions_table(versions)}</section>"
        f'<section aria-labelledby="terms"><h2 id="terms">Watched terms</h2>'
        f"{_terms_section(rows, topics)}</section>"
        f'<section aria-labelledby="changes"><h2 id="changes">Changes</h2>'
        f"{_changes_section(groups)}</section>"
    )
    return page(f"{document.title}: history", body, css="../style.css", home="../index.html")


def index_page(pages: Sequence[DocumentPage], generated_at: datetime) -> str:
    """Return the HTML index of every document with its last change."""
    rows = [
        [
            f'<a href="{esc(p.path)}">{esc(p.document.title)}</a>',
            esc(p.document.source),
            str(p.versions),
            time_tag(p.last_change) if p.last_change else "none yet",
            esc(", ".join(p.last_topics) or "-"),
            time_tag(p.last_seen),
        ]
        for p in pages
    ]
    body = (
        "<h1>Watched documents</h1>"
        f"<p>{len(pages)} documents, report made {time_tag(generated_at)}.</p>"
        + table(
            "Documents and their last change",
            ["Document", "Source", "Versions", "Last change", "Topics", "Last seen"],
            rows,
            row_headers=True,
        )
    )
    return page("guidewatch: watched documents", body, css="style.css")


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
    pages: list[DocumentPage] = []
    with open_session(engine) as session:
        for document in repo.list_documents(session=session):
            versions = version_store.list_versions(session=session, document_id=document.id)
            rows = history.term_timeline(session=session, document_id=document.id, topics=topics)
            spec = (specs(document.id) if specs else None) or stored_spec(document)
            groups = history.document_changes(session=session, spec=spec, topics=topics)
            name = page_name(document.id)
            target = out / "documents" / name
            target.write_text(
                document_page(document, versions, rows, groups, topics), encoding="utf-8"
            )
            written.append(target)
            latest = next((group for group in groups if group.changes), None)
            pages.append(
                DocumentPage(
                    document=document,
                    path=f"documents/{name}",
                    versions=len(versions),
                    last_change=latest.first_seen_at if latest else None,
                    last_topics=tuple(
                        sorted({t for c in latest.changes for t in c.topics}) if latest else ()
                    ),
                    last_seen=versions[-1].last_seen_at if versions else None,
                )
            )
    index = out / "index.html"
    index.write_text(index_page(pages, generated_at), encoding="utf-8")
    return [index, *written]

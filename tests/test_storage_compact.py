"""A fetch row stores NULL for what it would only repeat, and reads back exactly (0010)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage import fetch_log, repo
from storage.db import make_engine, migrate, open_session
from storage.models import LIVE_FETCH, Fetch
from tests.support.databases import alembic

DOC = "nice-ng206-recommendations"
URL = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
MOVED = "https://www.nice.org.uk/guidance/ng206/chapter/1-recommendations"
# Rows as code before 0010 wrote them: everything in full.
ROWS: list[dict[str, Any]] = [
    # answered 200 at the URL asked, headers still in the row (before 0008)
    dict(final_url=URL, status=200, size=10, headers='{"etag": "\\"a\\""}'),
    # redirected, with a related body and a discovery record
    dict(
        final_url=MOVED,
        redirects=f'["{URL}"]',
        status=200,
        size=12,
        related='{"https://x/parent": "ab"}',
        discovery='{"method": "index-page"}',
    ),
    dict(final_url=URL, status=304, size=0),  # answered 304: size 0
    dict(final_url=None, status=None, size=None, outcome="failed"),  # no answer
    dict(final_url=None, status=503, size=None, outcome="failed"),  # a status, no answer kept
    dict(final_url=URL, status=200, size=5, provenance="archive", archive_url="https://w/a"),
]
FULL = {
    "redirects": "[]",
    "headers": "{}",
    "related": "{}",
    "discovery": "{}",
    "provenance": "live",
    "outcome": "unchanged",
    "archive_url": None,
}


def _insert_full_rows(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, source, title, kind, url, created_at) "
                "VALUES (:id, 'nice', 'NG206', 'nice-chapter', :url, :t)"
            ),
            {"id": DOC, "url": URL, "t": datetime(2024, 1, 1)},
        )
        for n, row in enumerate(ROWS, start=1):
            values = {**FULL, **row, "started_at": datetime(2024, 1, n, tzinfo=UTC)}
            connection.execute(
                text(
                    "INSERT INTO fetches (document_id, started_at, url, final_url, redirects, "
                    "status, headers, size, outcome, related, discovery, provenance, "
                    "archive_url) VALUES (:doc, :started_at, :url, :final_url, :redirects, "
                    ":status, :headers, :size, :outcome, :related, :discovery, :provenance, "
                    ":archive_url)"
                ),
                {"doc": DOC, "url": URL, **values},
            )


def _raw(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT * FROM fetches ORDER BY id"))]


def _read(engine: Engine) -> tuple[list[dict[str, Any]], list[int]]:
    """What every reader sees of the fetch log, and which fetches count as live."""
    with open_session(engine) as session:
        rows = session.exec(select(Fetch).order_by(col(Fetch.id))).all()
        seen = [
            {
                "final_url": fetch_log.final_url(f),
                "provenance": fetch_log.provenance(f),
                "redirects": fetch_log.redirects(f),
                "headers": fetch_log.fetch_headers(session=session, fetch=f),
                "related": fetch_log.related(f),
                "discovery": fetch_log.discovery(f),
            }
            for f in rows
        ]
        live = session.exec(select(Fetch.id).where(LIVE_FETCH).order_by(col(Fetch.id))).all()
    return seen, [int(i) for i in live if i is not None]


def _index_sql(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'fetches' AND type = 'index' "
                "AND sql IS NOT NULL ORDER BY name"
            )
        )
        return [str(r[0]) for r in found]


def test_migration_compacts_fetches_and_downgrade_restores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    alembic(engine, "upgrade", "0008")
    _insert_full_rows(engine)
    before, before_read = _raw(engine), _read(engine)
    sqlite = engine.dialect.name == "sqlite"
    indexes = _index_sql(engine) if sqlite else []

    migrate(engine)
    assert _read(engine) == before_read  # nothing read back differs
    with engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT final_url, redirects, headers, related, discovery, provenance "
                "FROM fetches ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in stored] == [
        (None, None, '{"etag": "\\"a\\""}', None, None, None),
        (MOVED, f'["{URL}"]', None, '{"https://x/parent": "ab"}', '{"method": "index-page"}', None),
        (None, None, None, None, None, None),
        (None, None, None, None, None, None),
        (None, None, None, None, None, None),
        (None, None, None, None, None, "archive"),
    ]
    assert before_read[1] == [1, 2, 3, 4, 5]
    if sqlite:
        assert _index_sql(engine) == indexes  # the rebuild kept them (the partial one too)

    alembic(engine, "downgrade", "0008")
    assert _raw(engine) == before
    if sqlite:
        assert _index_sql(engine) == indexes
    migrate(engine)
    assert _read(engine) == before_read
    engine.dispose()


def test_a_new_fetch_is_stored_compact_and_read_back_whole(engine: Engine) -> None:
    with open_session(engine) as session:
        repo.upsert_document(
            session=session, id=DOC, source="nice", title="NG206", kind="nice-chapter", url=URL
        )
        plain = Fetch(
            document_id=DOC,
            started_at=repo.utcnow(),
            url=URL,
            final_url=URL,
            redirects="[]",
            status=200,
            headers='{"content-type": "text/html"}',
            size=3,
            outcome="unchanged",
            related="{}",
            discovery="{}",
            provenance="live",
        )
        failed = Fetch(document_id=DOC, started_at=repo.utcnow(), url=URL, outcome="failed")
        for row in (plain, failed):
            fetch_log.add_fetch(session=session, fetch=row)
        session.commit()
    with engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT final_url, redirects, headers, related, discovery, provenance "
                "FROM fetches ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in stored] == [(None,) * 6, (None,) * 6]
    seen, live = _read(engine)
    assert seen[0] == {
        "final_url": URL,
        "provenance": "live",
        "redirects": [],
        "headers": {"content-type": "text/html"},
        "related": {},
        "discovery": {},
    }
    assert seen[1]["final_url"] is None and seen[1]["provenance"] == "live"
    assert len(live) == 2

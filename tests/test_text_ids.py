"""The section hash kept once, term counts keyed by the text's id (0012), and back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from compare.topics import count_terms, load_topics
from guidewatch.report.history import term_timelines
from guidewatch.settings import DEFAULT_TOPICS
from guidewatch.term_counts import fingerprint
from storage.db import make_engine, migrate, open_session
from tests.support.databases import alembic
from tests.test_section_texts import (
    DOC,
    GET,
    NEW,
    PACE,
    TEXT_IDS,
    _expected,
    _insert_old_rows,
    _read,
    _sha,
)

TOPICS = tuple(load_topics(DEFAULT_TOPICS))
KEY = fingerprint(TOPICS)
GONE = "A text no section holds any more."


def _counts(body: str) -> str:
    found = {t: n for t, n in count_terms(body, TOPICS).items() if n}
    return json.dumps(dict(sorted(found.items())), ensure_ascii=False)


def _rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(query))]


def _schema(engine: Engine) -> list[tuple[Any, ...]]:
    """The tables sections and term_counts as made: SQLite's SQL, PostgreSQL's columns and keys."""
    if engine.dialect.name == "sqlite":
        return _rows(
            engine,
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE tbl_name IN ('sections', 'term_counts') ORDER BY name",
        )
    columns = _rows(
        engine,
        "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_name IN ('sections', 'term_counts') "
        "ORDER BY 1, 2",
    )
    indexes = _rows(
        engine,
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE tablename IN ('sections', 'term_counts') ORDER BY 2",
    )
    return columns + indexes


def _timeline(engine: Engine) -> dict[int, dict[str, int]]:
    with open_session(engine) as session:
        rows = term_timelines(session=session, document_ids=[DOC], topics=TOPICS)
    return {r.version: r.counts for r in rows}


SECTION = "id, version_id, ordinal, key, heading_path, pages, text_sha256, text_id"
JOINED = (
    "SELECT s.id, s.version_id, s.ordinal, s.key, s.heading_path, t.text, s.pages "
    "FROM sections s JOIN section_texts t ON t.id = s.text_id ORDER BY s.id"
)


def test_term_counts_are_rekeyed_by_text_id_and_downgrade_gives_hashes_back(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    alembic(engine, "upgrade", "0010")
    _insert_old_rows(engine)  # some sections without a hash, as before 0008
    alembic(engine, "upgrade", "0011")
    with engine.begin() as connection:  # counts as 0008-0011 kept them; one text is gone
        for body in (GET, PACE, "", NEW, GONE):
            connection.execute(
                text(
                    "INSERT INTO term_counts (fingerprint, text_sha256, counts) VALUES (:f, :s, :c)"
                ),
                {"f": KEY, "s": _sha(body), "c": _counts(body)},
            )
    sections = _rows(engine, f"SELECT {SECTION} FROM sections ORDER BY id")
    assert any(row[6] is None for row in sections)
    kept = _rows(engine, "SELECT fingerprint, text_sha256, counts FROM term_counts ORDER BY 2")
    hashes = dict(_rows(engine, "SELECT id, text_sha256 FROM section_texts"))
    schema = _schema(engine)
    expected = _expected(_rows(engine, JOINED))

    migrate(engine)
    assert _read(engine) == expected  # documents, texts, section refs, search
    names = _rows(engine, "SELECT * FROM sections WHERE id = 1")
    assert len(names[0]) == len(sections[0]) - 1  # no hash in a section row
    assert _rows(engine, "SELECT fingerprint, text_id, counts FROM term_counts ORDER BY 2") == [
        (KEY, TEXT_IDS[body], _counts(body)) for body in (GET, PACE, "", NEW)
    ]
    # the timeline reads the converted counts (nothing counted again), and they are right
    timeline = _timeline(engine)
    assert _rows(engine, "SELECT count(*) FROM term_counts") == [(4,)]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM term_counts"))
    assert _timeline(engine) == timeline and any(timeline.values())
    assert _rows(engine, "SELECT count(*) FROM term_counts") == [(4,)]  # kept again

    alembic(engine, "downgrade", "0011")
    # every section its hash again (one older code left NULL gets the one it would be given)
    assert _rows(engine, f"SELECT {SECTION} FROM sections ORDER BY id") == [
        (*row[:6], row[6] or hashes[row[7]], row[7]) for row in sections
    ]
    assert _schema(engine) == schema
    assert _rows(engine, "SELECT fingerprint, text_sha256, counts FROM term_counts ORDER BY 2") == [
        row for row in kept if row[1] != _sha(GONE)
    ]
    migrate(engine)
    assert _read(engine) == expected
    assert _timeline(engine) == timeline
    engine.dispose()

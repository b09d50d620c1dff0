"""Each distinct section text is stored once (0011), and every reader sees what it saw before."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from scrapers.model import Document, Section
from storage import history, repo, terms, version_store
from storage.db import make_engine, migrate, open_session
from storage.search import search
from tests.support.databases import alembic
from tests.support.versions import store_version

DOC = "nice-ng206-recommendations"
URL = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
GET = "Do not offer graded exercise therapy (GET) to people with ME/CFS."
PACE = "Pacing up slowly helps some people; ask your care team \u2013 caf\u00e9 na\u00efve."
NEW = "Offer a Lightning Process course to everyone."
# (version number, [(key, text, stored text_sha256 or None as before 0008)])
VERSIONS: list[tuple[int, list[tuple[str, str, bool]]]] = [
    (1, [("1.1", GET, True), ("1.2", PACE, False), ("1.3", "", True)]),
    (2, [("1.1", GET, True), ("1.2", PACE, True), ("1.3", NEW, True)]),
    (3, [("1.1", NEW, True), ("1.2", PACE, True), ("1.3", GET, False)]),
]
COLUMNS = "id, version_id, ordinal, key, heading_path, text, pages, text_sha256"


def _sha(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _insert_old_rows(engine: Engine) -> None:
    """Versions and sections as code before 0011 wrote them: every section with its text."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, source, title, kind, url, created_at) "
                "VALUES (:id, 'nice', 'NG206', 'nice-chapter', :url, :t)"
            ),
            {"id": DOC, "url": URL, "t": datetime(2024, 1, 1, tzinfo=UTC)},
        )
        for number, sections in VERSIONS:
            document = Document(
                sections=tuple(Section(k, (f"{k} Heading",), t) for k, t, _h in sections),
                title="NG206",
            )
            seen = datetime(2024, number, 1, tzinfo=UTC)
            connection.execute(
                text(
                    "INSERT INTO versions (id, document_id, number, text_sha256, text_size, "
                    "title, meta, url, body_sha256, extractor, extractor_version, "
                    "first_seen_at, last_seen_at, provenance, witness_attempts) VALUES "
                    "(:n, :doc, :n, :sha, :size, 'NG206', '{}', :url, :body, 'nice', '1', "
                    ":seen, :seen, 'live', 0)"
                ),
                {
                    "n": number,
                    "doc": DOC,
                    "sha": version_store.text_hash(document),
                    "size": len(document.text),
                    "url": URL,
                    "body": "b" * 64,
                    "seen": seen,
                },
            )
            for ordinal, (key, body, hashed) in enumerate(sections):
                connection.execute(
                    text(
                        "INSERT INTO sections (version_id, ordinal, key, heading_path, text, "
                        "pages, text_sha256) VALUES (:v, :o, :k, :h, :t, '[1]', :sha)"
                    ),
                    {
                        "v": number,
                        "o": ordinal,
                        "k": key,
                        "h": f'["{key} Heading"]',
                        "t": body,
                        "sha": _sha(body) if hashed else None,
                    },
                )


def _raw(engine: Engine) -> list[tuple[Any, ...]]:
    """The sections as stored, by name (on PostgreSQL with the words of each)."""
    words = ", search_vector::text" if engine.dialect.name == "postgresql" else ""
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT {COLUMNS}{words} FROM sections ORDER BY id"))
        return [tuple(r) for r in found]


def _indexed(engine: Engine, word: str) -> list[int]:
    """The section ids the database's own index finds a word in (whatever it is built on)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master"))}
            on = "section_texts" if "section_texts" in names else "sections"
            column = "text_id" if on == "section_texts" else "id"
            query = (
                f"SELECT id FROM sections WHERE {column} IN "
                "(SELECT rowid FROM sections_fts WHERE sections_fts MATCH :w) ORDER BY id"
            )
        else:
            has_texts = connection.execute(
                text("SELECT to_regclass('section_texts') IS NOT NULL")
            ).scalar_one()
            query = (
                "SELECT s.id FROM sections s JOIN section_texts t ON t.id = s.text_id "
                "WHERE t.search_vector @@ to_tsquery('simple', :w) ORDER BY s.id"
                if has_texts
                else "SELECT id FROM sections WHERE search_vector @@ to_tsquery('simple', :w) "
                "ORDER BY id"
            )
        return [int(r[0]) for r in connection.execute(text(query), {"w": word})]


def _read(engine: Engine) -> dict[str, Any]:
    """What every reader of section text sees (on the schema of 0011)."""
    with open_session(engine) as session:
        rows = version_store.version_rows(session=session, document_id=DOC)
        return {
            "documents": [
                version_store.verified_document(session=session, version=v) for v in rows
            ],
            "texts": [history.section_texts(session=session, version_id=v.id) for v in rows],
            "refs": sorted(terms.version_sections(session=session)),
            "by_id": terms.section_texts(session=session, ids=list(range(1, 10))),
            "search": {
                phrase: [
                    (h.section_key, h.first_version, h.last_version, h.sentence, h.current)
                    for h in search(session=session, phrase=phrase)
                ]
                for phrase in ("graded exercise", "pacing up", "caf\u00e9", "lightning process")
            },
        }


def _expected(raw: list[tuple[Any, ...]]) -> dict[str, Any]:
    """What the readers saw before 0011, from the rows as stored then (by column name)."""
    by_version: dict[int, list[tuple[Any, ...]]] = {}
    for row in raw:
        by_version.setdefault(row[1], []).append(row)
    documents = [
        Document(
            sections=tuple(
                Section(r[3], tuple(json.loads(r[4])), r[5], tuple(json.loads(r[6])))
                for r in sorted(rows, key=lambda r: r[2])
            ),
            title="NG206",
            meta={},
        )
        for _v, rows in sorted(by_version.items())
    ]
    return {
        "documents": documents,
        "texts": [[r[5] for r in sorted(rows, key=lambda r: r[2])] for rows in by_version.values()],
        "refs": sorted(terms.SectionRef(r[0], r[1], TEXT_IDS[r[5]]) for r in raw),
        "by_id": {r[0]: r[5] for r in raw},
        "search": {
            "graded exercise": [("1.1", 1, 2, GET, False), ("1.3", 3, 3, GET, True)],
            "pacing up": [("1.2", 1, 3, PACE, True)],
            "caf\u00e9": [("1.2", 1, 3, PACE, True)],
            "lightning process": [("1.3", 2, 2, NEW, False), ("1.1", 3, 3, NEW, True)],
        },
    }


TEXT_IDS = {GET: 1, PACE: 2, "": 3, NEW: 4}  # section_texts rows, in first-seen order
INDEXED = [[1, 4, 9], [2, 5, 8], [6, 7]]  # the section ids holding graded, pacing, lightning


def _schema_sql(engine: Engine) -> list[tuple[str, str]]:
    """SQLite: the indexes and triggers on sections and the FTS table, as created."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type != 'table' "
                "AND tbl_name IN ('sections', 'sections_fts') OR name = 'sections_fts' "
                "ORDER BY name"
            )
        )
        return [(str(n), str(q)) for n, q in found]


def _indexed_all(engine: Engine) -> list[list[int]]:
    return [_indexed(engine, w) for w in ("graded", "pacing", "lightning")]


def test_migration_stores_each_text_once_and_downgrade_restores_sections(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    alembic(engine, "upgrade", "0010")
    _insert_old_rows(engine)
    before, schema = _raw(engine), _schema_sql(engine)
    assert _indexed_all(engine) == INDEXED
    expected = _expected(before)

    migrate(engine)
    assert _read(engine) == expected
    assert _indexed_all(engine) == INDEXED
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT text_sha256, text FROM section_texts ORDER BY id")
        ).all()
        pointed = connection.execute(
            text(
                "SELECT s.id, t.text_sha256, t.text FROM sections s "
                "JOIN section_texts t ON t.id = s.text_id ORDER BY s.id"
            )
        ).all()
    assert [tuple(r) for r in stored] == [(_sha(t), t) for t in (GET, PACE, "", NEW)]
    assert [tuple(r) for r in pointed] == [(r[0], _sha(r[5]), r[5]) for r in before]

    alembic(engine, "downgrade", "0010")
    # through 0012's downgrade a hash older code left NULL comes back as the one it would give
    assert _raw(engine) == [(*r[:7], r[7] or _sha(r[5]), *r[8:]) for r in before]
    assert _schema_sql(engine) == schema  # the old FTS table, triggers and indexes, as made
    assert _indexed_all(engine) == INDEXED
    migrate(engine)
    assert _read(engine) == expected
    engine.dispose()


def test_a_new_version_adds_only_the_texts_not_yet_stored(engine: Engine) -> None:
    def store(number: int, texts: list[str]) -> None:
        sections = tuple(Section(f"s{i}", (), t) for i, t in enumerate(texts))
        store_version(engine, DOC, URL, sections, datetime(2024, number, 1, tzinfo=UTC))

    with open_session(engine) as session:
        repo.upsert_document(
            session=session, id=DOC, source="nice", title="NG206", kind="nice-chapter", url=URL
        )
        session.commit()
    store(1, [GET, PACE, GET])
    store(2, [GET, PACE, NEW])
    with engine.connect() as connection:
        texts = connection.execute(text("SELECT text FROM section_texts ORDER BY id")).all()
        count = connection.execute(text("SELECT count(*) FROM sections")).scalar_one()
    assert [r[0] for r in texts] == [GET, PACE, NEW] and count == 6
    with open_session(engine) as session:
        rows = version_store.version_rows(session=session, document_id=DOC)
        assert [version_store.verified_document(session=session, version=v).text for v in rows]
        hits = search(session=session, phrase="lightning process")
    assert [(h.first_version, h.section_key) for h in hits] == [(2, "s2")]

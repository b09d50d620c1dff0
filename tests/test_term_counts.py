"""Watched-term counts kept once per distinct section text and topics selection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from compare.model import Topic
from compare.topics import count_terms, load_topics
from guidewatch.report.history import select_topics, term_timeline, term_timelines
from guidewatch.settings import DEFAULT_TOPICS
from guidewatch.term_counts import fingerprint, keep_version_counts, kept_sets, selection_counts
from storage import repo, version_store
from storage.db import MIGRATIONS, make_engine, migrate, open_session
from storage.models import TermCount, Version
from tests.test_search import BACME, NG206, build_history

TOPICS = load_topics(DEFAULT_TOPICS)


def _counted_now(engine: Engine, topics: tuple[Topic, ...]) -> dict[tuple[str, int], dict]:
    """Each version's counts, counted here section by section without any kept count, plus
    each distinct heading of the version once (what `timeline` promises)."""
    expected = {}
    with open_session(engine) as session:
        for version in session.exec(select(Version)):
            total: Counter[str] = Counter()
            headings: set[str] = set()
            for section in version_store.version_document(
                session=session, version=version
            ).sections:
                total.update(count_terms(section.text, topics))
                headings.update(section.heading_path)
            for heading in headings:
                total.update(count_terms(heading, topics))
            expected[(version.document_id, version.number)] = dict(total)
    return expected


def _kept(engine: Engine, topics: tuple[Topic, ...]) -> int:
    with open_session(engine) as session:
        rows = session.exec(select(TermCount).where(TermCount.fingerprint == fingerprint(topics)))
        return len(list(rows))


def test_timeline_counts_each_distinct_text_once_and_keeps_it(engine: Engine) -> None:
    build_history(engine)
    topics, _ = select_topics(TOPICS, topic="rehabilitation")
    assert _kept(engine, topics) == 0
    with open_session(engine) as session:
        rows = term_timelines(session=session, document_ids=None, topics=topics)
    expected = _counted_now(engine, topics)
    assert {(r.document_id, r.version): r.counts for r in rows} == expected
    assert any(r.counts for r in rows)
    with open_session(engine) as session:
        distinct = session.execute(text("SELECT count(DISTINCT text_id) FROM sections"))
        assert _kept(engine, topics) == distinct.scalar_one()
    # Read back from the kept counts, one document at a time as well
    with open_session(engine) as session:
        again = term_timelines(session=session, document_ids=None, topics=topics)
        one = term_timeline(session=session, document_id=BACME, topics=topics)
    assert again == rows
    assert one == [r for r in rows if r.document_id == BACME]


def test_storing_a_version_counts_its_new_texts_for_every_selection(engine: Engine) -> None:
    build_history(engine)
    with open_session(engine) as session:
        version = version_store.latest_version(session=session, document_id=NG206)
        assert version is not None
        keep_version_counts(session, version.id, TOPICS)
        session.commit()
        count = len(version_store.version_document(session=session, version=version).sections)
    for chosen in kept_sets(TOPICS):
        assert 0 < _kept(engine, chosen) <= count
    # The kept counts are the ones counting now gives
    with open_session(engine) as session:
        rows = term_timelines(session=session, document_ids=[NG206], topics=tuple(TOPICS))
    assert {(r.document_id, r.version): r.counts for r in rows} == {
        key: counts
        for key, counts in _counted_now(engine, tuple(TOPICS)).items()
        if key[0] == NG206
    }


def test_a_changed_topics_file_is_counted_afresh(sqlite_engine: Engine) -> None:
    build_history(sqlite_engine)
    topics, _ = select_topics(TOPICS, term="pacing up")
    narrower = (Topic("rehabilitation", "", (topics[0].terms[0],)),)
    with open_session(sqlite_engine) as session:
        term_timelines(session=session, document_ids=None, topics=topics)
    assert fingerprint(topics) != fingerprint((Topic("x", "", topics[0].terms),))
    assert _kept(sqlite_engine, narrower) == _kept(sqlite_engine, topics)  # same terms, same key


def test_a_database_before_0008_counts_at_query_time(sqlite_engine: Engine) -> None:
    build_history(sqlite_engine)
    topics = tuple(TOPICS)
    expected = _counted_now(sqlite_engine, topics)
    with open_session(sqlite_engine) as session:
        rows = term_timelines(session=session, document_ids=None, topics=topics)
    assert {(r.document_id, r.version): r.counts for r in rows} == expected
    with sqlite_engine.begin() as connection:
        connection.execute(text("DROP TABLE term_counts"))
    with open_session(sqlite_engine) as session:
        rows = term_timelines(session=session, document_ids=None, topics=topics)
    assert {(r.document_id, r.version): r.counts for r in rows} == expected


def test_migration_hashes_existing_sections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, source, title, kind, url, created_at) "
                "VALUES ('d', 's', 't', 'html', 'u', '2024-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO versions (id, document_id, number, text_sha256, text_size, title, "
                "meta, url, body_sha256, extractor, extractor_version, first_seen_at, "
                "last_seen_at) VALUES (1, 'd', 1, 'x', 1, '', '{}', 'u', 'b', 'e', '1', "
                "'2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sections (version_id, ordinal, key, heading_path, text, pages) "
                "VALUES (1, 0, 'k', '[]', 'Do not offer graded exercise therapy.', '[]')"
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        digest = connection.execute(
            text("SELECT t.text_sha256 FROM sections s JOIN section_texts t ON t.id = s.text_id")
        ).scalar_one()
        # the FTS triggers of 0003 survive: search still finds the old section
        found = connection.execute(
            text("SELECT count(*) FROM sections_fts WHERE sections_fts MATCH 'graded'")
        ).scalar_one()
    assert digest == repo.sha256(b"Do not offer graded exercise therapy.")
    assert found == 1
    engine.dispose()


def test_counting_every_selection_at_once_matches_counting_each(engine: Engine) -> None:
    build_history(engine)
    selections = kept_sets(TOPICS)
    texts = [
        "We do pacing up and pacing.",  # a rehabilitation term hides a safeguard inside it
        "Pacing and energy management.",
        "Nothing watched here.",
        "Graded exercise therapy (GET) and cognitive behavioural therapy; pacing.",
    ]
    with open_session(engine) as session:
        for version in session.exec(select(Version)):
            texts += [
                s.text
                for s in version_store.version_document(session=session, version=version).sections
            ]
    for sample in texts:
        expected = [
            {t: n for t, n in count_terms(sample, chosen).items() if n} for chosen in selections
        ]
        assert selection_counts(sample, selections) == expected, sample


def test_counts_from_the_extracted_texts_are_the_ones_read_back_in_two_statements(
    engine: Engine,
) -> None:
    from sqlalchemy import event

    from guidewatch.changes import section_texts

    build_history(engine)
    statements: list[str] = []

    def seen(_c: object, _cur: object, sql: str, *_: object) -> None:
        statements.append(" ".join(sql.split()))

    kept: list[list[tuple[str, int, str]]] = []
    for given in (True, False):
        with open_session(engine) as session:
            session.execute(text("DELETE FROM term_counts"))
            version = version_store.latest_version(session=session, document_id=NG206)
            assert version is not None
            texts = None
            if given:  # as a run hands them over: the document just extracted
                document = version_store.version_document(session=session, version=version)
                texts = section_texts(document)
            statements.clear()
            event.listen(engine, "before_cursor_execute", seen)
            try:
                keep_version_counts(session, version.id, TOPICS, texts)
            finally:
                event.remove(engine, "before_cursor_execute", seen)
            session.commit()
            rows = session.execute(
                text("SELECT fingerprint, text_id, counts FROM term_counts ORDER BY 1, 2")
            )
            kept.append([(r[0], r[1], r[2]) for r in rows])
        if given:  # one read of the kept counts and one write, for every topic selection
            work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
            assert [s.split()[0] for s in work] == ["SELECT", "INSERT"]
            assert "term_counts" in work[0] and "term_counts" in work[1]
    assert kept[0] == kept[1] and len({row[0] for row in kept[0]}) == len(kept_sets(TOPICS))

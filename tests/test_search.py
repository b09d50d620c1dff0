"""Full-text search over every version, on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, delete

from guidewatch.cli import main
from scrapers.model import Document, Section
from storage import blobs, fetch_log, repo, version_store
from storage.db import make_engine, migrate, open_session
from storage.models import Fetch, VersionSection
from storage.search import (
    PG_DOCUMENT,
    PG_QUERY,
    SearchError,
    find_phrase,
    fts5_query,
    phrase_pattern,
    phrase_words,
    search,
    sentence_around,
)
from tests.support.databases import PostgresCluster

ROOT = Path(__file__).resolve().parent.parent
NG206 = "nice-ng206-recommendations"
BACME = "bacme-guide-to-therapy"
MANAGING = ("1.11 Managing ME/CFS", "Physical activity and exercise")


def day(text_: str) -> datetime:
    """A UTC moment at noon on a date."""
    return datetime.fromisoformat(text_).replace(hour=12, tzinfo=UTC)


NG206_VERSIONS = [
    (
        "2021-10-29",
        "2022-12-31",
        Document(
            sections=(
                Section(
                    "1.11.13",
                    MANAGING,
                    "Do not offer people with ME/CFS any therapy based on physical activity "
                    "or exercise as a treatment or cure for ME/CFS.",
                ),
                Section(
                    "1.11.14",
                    MANAGING,
                    "Do not offer people with ME/CFS: any programme that does not follow the "
                    "principles in recommendation 1.11.3, or graded exercise therapy (GET), or "
                    "therapies based on it, such as the Lightning Process. Pacing is advised.",
                ),
            ),
            title="ME/CFS: diagnosis and management",
        ),
    ),
    (
        "2023-01-01",
        "2023-06-30",
        Document(
            sections=(
                Section(
                    "1.11.13",
                    MANAGING,
                    "Do not offer people with ME/CFS any therapy based on physical activity "
                    "or exercise as a treatment or cure for ME/CFS.",
                ),
                Section(
                    "1.11.14",
                    MANAGING,
                    "Do not offer people with ME/CFS: any programme that does not follow the "
                    "principles in recommendation 1.11.3, or graded exercise therapy (GET). "
                    "Pacing is advised.",
                ),
            ),
            title="ME/CFS: diagnosis and management",
        ),
    ),
    (
        "2023-07-01",
        "2024-03-01",
        Document(
            sections=(
                Section(
                    "1.11.13",
                    MANAGING,
                    "Do not offer people with ME/CFS any therapy based on physical activity "
                    "or exercise as a treatment or cure for ME/CFS.",
                ),
                Section(
                    "1.11.14",
                    MANAGING,
                    "Do not offer people with ME/CFS: any programme that does not follow the "
                    "principles in recommendation 1.11.3, or graded exercise therapy (GET). "
                    "Pacing is advised.",
                ),
                Section(
                    "box-4",
                    ("Box 4 Programmes",),
                    "Some clinics sell the Lightning Process (a brain training course) to "
                    "people with ME/CFS.",
                ),
            ),
            title="ME/CFS: diagnosis and management",
        ),
    ),
]

BACME_VERSIONS = [
    (
        "2020-05-01",
        "2021-05-01",
        Document(
            sections=(
                Section("3", ("3. Pacing",), "Pacing up should be slow. Keep a stable baseline."),
            ),
            title="Guide to Therapy",
        ),
    ),
    (
        "2021-06-01",
        "2022-06-01",
        Document(
            sections=(
                Section("3", ("3. Pacing",), "Pacing up should be slow. Then pacing up again."),
                Section("4", ("4. Energy",), "Energy management matters; pace up gently."),
            ),
            title="Guide to Therapy",
        ),
    ),
    (
        "2022-07-01",
        "2023-07-01",
        Document(
            sections=(
                Section("3", ("3. Pacing",), "Energy management is first. Rest <when> needed."),
            ),
            title="Guide to Therapy",
        ),
    ),
]


def page_bytes(document: Document) -> bytes:
    """The HTML a publisher might have served for a document."""
    parts = [f"<!doctype html><html><head><title>{document.title}</title></head><body>"]
    for section in document.sections:
        parts.append(f'<section id="{section.key}"><h2>{section.heading_path[-1]}</h2>')
        parts.append(f"<p>{section.text}</p></section>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def add_document_history(
    engine: Engine, document_id: str, versions: list[tuple[str, str, Document]], *, source: str
) -> None:
    """Store a document's versions with a new-version fetch and a later unchanged fetch each."""
    with open_session(engine) as session:
        repo.upsert_document(
            session=session,
            id=document_id,
            source=source,
            title=versions[0][2].title,
            kind="test-page",
            url=f"https://example.org/{document_id}",
        )
        session.flush()
        for first, last, document in versions:
            body = page_bytes(document)
            sha = blobs.put_blob(session=session, body=body)
            headers = {
                "content-type": "text/html; charset=utf-8",
                "etag": f'"{sha[:8]}"',
                "last-modified": "Mon, 01 Jan 2024 00:00:00 GMT",
            }
            fetch = fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id=document_id,
                    started_at=day(first),
                    url=f"https://example.org/{document_id}",
                    final_url=f"https://example.org/{document_id}",
                    status=200,
                    headers=json.dumps(headers),
                    body_sha256=sha,
                    size=len(body),
                    duration_ms=12,
                    outcome="new_version",
                ),
            )
            version = version_store.add_version(
                session=session,
                document_id=document_id,
                document=document,
                url=f"https://example.org/{document_id}",
                body_sha256=sha,
                extractor="test-page",
                extractor_version="1",
                fetch_id=fetch.id,
                seen_at=day(first),
            )
            fetch.version_id = version.id
            session.add(fetch)
            fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id=document_id,
                    started_at=day(last),
                    url=f"https://example.org/{document_id}",
                    final_url=f"https://example.org/{document_id}",
                    status=200,
                    headers=json.dumps(headers),
                    body_sha256=sha,
                    size=len(body),
                    duration_ms=9,
                    outcome="unchanged",
                    version_id=version.id,
                ),
            )
            version.last_seen_at = day(last)
            session.add(version)
        session.commit()


def build_history(engine: Engine) -> None:
    """Store the NG206 and BACME histories used by the history tests."""
    add_document_history(engine, NG206, NG206_VERSIONS, source="nice")
    add_document_history(engine, BACME, BACME_VERSIONS, source="bacme")


@dataclass
class Cli:
    """Runs guidewatch commands in this process against one database."""

    url: str
    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        """Run one command; return its status, stdout and stderr."""
        status = main(list(argv))
        out = self.capsys.readouterr()
        return status, out.out, out.err


@pytest.fixture
def history(engine: Engine) -> Engine:
    """A migrated database (SQLite and PostgreSQL) holding the test history."""
    build_history(engine)
    return engine


@pytest.fixture
def sqlite_history(sqlite_engine: Engine) -> Engine:
    """The test history in a SQLite file only."""
    build_history(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def postgres_history(postgres: PostgresCluster) -> Iterator[Engine]:
    """The test history on the PostgreSQL cluster only."""
    engine = make_engine(postgres.new_database())
    migrate(engine)
    build_history(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(
    history: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """The command line pointed at the history database."""
    url = history.url.render_as_string(hide_password=False)
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", url)
    yield Cli(url, capsys)


def test_phrase_hits_carry_section_versions_dates_and_sentence(history: Engine) -> None:
    with open_session(history) as session:
        hits = search(session=session, phrase="Lightning Process")
    found = [(h.document_id, h.section_key, h.first_version, h.last_version) for h in hits]
    assert found == [(NG206, "1.11.14", 1, 1), (NG206, "box-4", 3, 3)]
    old, new = hits
    assert old.first_seen_at == day("2021-10-29") and old.last_seen_at == day("2022-12-31")
    assert not old.current and new.current
    assert old.sentence.startswith("Do not offer people with ME/CFS: any programme")
    assert old.sentence.endswith("such as the Lightning Process.")
    assert "Pacing is advised" not in old.sentence
    assert new.sentence == (
        "Some clinics sell the Lightning Process (a brain training course) to people with ME/CFS."
    )


def test_unchanged_sentence_is_one_hit_over_consecutive_versions(history: Engine) -> None:
    with open_session(history) as session:
        hits = search(session=session, phrase="treatment or cure")
    assert [(h.first_version, h.last_version, h.current) for h in hits] == [(1, 3, True)]
    assert hits[0].first_seen_at == day("2021-10-29")
    assert hits[0].last_seen_at == day("2024-03-01")


def test_first_and_last_appearance_per_document(history: Engine) -> None:
    with open_session(history) as session:
        first = search(session=session, phrase="lightning process", which="first")
        last = search(session=session, phrase="lightning process", which="last")
        gone = search(session=session, phrase="pacing up", which="last")
    assert [(h.section_key, h.first_seen_at) for h in first] == [("1.11.14", day("2021-10-29"))]
    assert [(h.section_key, h.last_seen_at, h.current) for h in last] == [
        ("box-4", day("2024-03-01"), True)
    ]
    # "pacing up" vanished from BACME's guide: its last sighting is version 2, not current
    assert [(h.document_id, h.last_version, h.current) for h in gone] == [(BACME, 2, False)]
    assert gone[0].last_seen_at == day("2022-06-01")


def test_punctuation_and_query_syntax_in_user_input_are_harmless(history: Engine) -> None:
    with open_session(history) as session:
        for phrase in [
            'ME/CFS"',
            '"unbalanced',
            "NEAR(lightning process)",
            "lightning AND OR NOT",
            "column:text",
            "process*",
            "^pacing",
            "it's",
            "a & b | !c <-> d",
            "(GET)",
            "1.11.3",
            "'; DROP TABLE sections; --",
        ]:
            search(session=session, phrase=phrase)  # never a syntax error
        slash = search(session=session, phrase="ME/CFS", document_id=NG206)
        get = search(session=session, phrase="(GET)")
        number = search(session=session, phrase="recommendation 1.11.3")
        hyphen = search(session=session, phrase="brain-training")
        assert {h.section_key for h in slash} == {"1.11.13", "1.11.14", "box-4"}
        assert {h.section_key for h in get} == {"1.11.14"}
        assert [h.section_key for h in number] == ["1.11.14", "1.11.14"]  # v1 and v2-3 wording
        assert [h.section_key for h in hyphen] == ["box-4"]


def test_words_must_be_whole_and_in_order(history: Engine) -> None:
    with open_session(history) as session:
        assert search(session=session, phrase="lightning proc") == []
        assert search(session=session, phrase="process lightning") == []
        assert search(session=session, phrase="light") == []
        assert len(search(session=session, phrase="LIGHTNING   process")) == 2


def test_a_phrase_without_words_is_refused(history: Engine) -> None:
    with open_session(history) as session, pytest.raises(SearchError):
        search(session=session, phrase=' "/" -- ')


def test_since_and_until_select_versions_seen_in_the_window(history: Engine) -> None:
    with open_session(history) as session:
        window = search(
            session=session,
            phrase="Lightning Process",
            since=day("2023-02-01"),
            until=day("2023-12-31"),
        )
        early = search(session=session, phrase="Lightning Process", until=day("2022-01-01"))
    assert [(h.section_key, h.first_version) for h in window] == [("box-4", 3)]
    assert [(h.section_key, h.first_version) for h in early] == [("1.11.14", 1)]


def test_index_follows_new_and_deleted_sections(history: Engine) -> None:
    later = Document(
        sections=(Section("1.1", ("1.1 New",), "Offer a Mickel Therapy course."),), title="X"
    )
    add_document_history(history, "other", [("2024-01-01", "2024-02-01", later)], source="x")
    with open_session(history) as session:
        assert [h.document_id for h in search(session=session, phrase="mickel therapy")] == [
            "other"
        ]
        session.exec(delete(VersionSection).where(col(VersionSection.key) == "1.1"))  # type: ignore[call-overload]
        session.commit()
        assert search(session=session, phrase="mickel therapy") == []


def test_postgres_search_uses_the_gin_index(postgres_history: Engine) -> None:
    with postgres_history.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = connection.execute(
            text(
                f"EXPLAIN SELECT id FROM section_texts WHERE {PG_DOCUMENT} @@ {PG_QUERY}"
            ).bindparams(words="lightning process")
        ).all()
    assert "ix_sections_fts" in "\n".join(row[0] for row in plan)


def test_sqlite_index_is_filled_by_triggers(sqlite_history: Engine) -> None:
    with sqlite_history.connect() as connection:
        names = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master"))}
        indexed = connection.execute(
            text("SELECT count(*) FROM sections_fts WHERE sections_fts MATCH :q"),
            {"q": fts5_query(["pacing", "up"])},
        ).scalar_one()
    assert {"sections_fts", "sections_fts_insert", "sections_fts_delete"} <= names
    assert indexed == 2


def test_sentence_around_picks_the_sentence_and_trims_long_ones() -> None:
    body = "First one. Second holds the Lightning Process here! Third.\n\n- a list item"
    start = body.index("Lightning")
    assert sentence_around(body, start, start + 17) == "Second holds the Lightning Process here!"
    item = body.index("list")
    assert sentence_around(body, item, item + 4) == "- a list item"
    long = "word " * 200 + "Lightning Process " + "word " * 200
    start = long.index("Lightning")
    snippet = sentence_around(long, start, start + 17)
    assert "Lightning Process" in snippet and len(snippet) < 320
    assert snippet.startswith("\u2026") and snippet.endswith("\u2026")
    assert phrase_words('"ME/CFS" isn\'t') == ["ME", "CFS", "isn", "t"]
    pattern = phrase_pattern(["ning", "process"])
    assert list(find_phrase("Lightning Process; ning-process", pattern))[0].start() == 19
    assert [m.group() for m in find_phrase("ning processes", pattern)] == []


def test_search_command_prints_table_json_and_csv(cli: Cli) -> None:
    status, out, _ = cli.run("search", "Lightning Process")
    assert status == 0
    assert "box-4" in out and "still there" in out and "gone after that" in out
    status, out, _ = cli.run("search", "lightning process", "--first", "--json")
    data = json.loads(out)
    assert status == 0 and len(data) == 1
    assert data[0]["section"] == "1.11.14" and data[0]["first_seen_at"].startswith("2021-10-29")
    status, out, _ = cli.run("search", "pacing up", "--format", "csv", "--document", BACME)
    lines = out.strip().splitlines()
    assert lines[0] == (
        "document,section,first_version,last_version,first_seen_at,last_seen_at,current,sentence"
    )
    assert lines[1].startswith(f"{BACME},3,1,2,2020-05-01T12:00:00+00:00,")
    status, _, err = cli.run("search", "///")
    assert status == 2 and "no words" in err
    status, _, err = cli.run("search", "x", "--document", "nope")
    assert status == 2 and "no document 'nope'" in err


QUERY_COMMANDS = [
    ["search", "Lightning Process", "--json"],
    ["search", "pacing", "--last", "--format", "csv"],
    ["timeline", NG206, "--json"],
    ["timeline", "--topic", "safeguards", "--format", "csv"],
    ["history", NG206, "--json"],
    ["show", NG206, "--at", "2023-03-01", "--section", "1.11.14", "--json"],
]


@pytest.mark.parametrize("argv", QUERY_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_query_commands_do_not_import_prefect(sqlite_history: Engine, argv: list[str]) -> None:
    history = sqlite_history
    script = (
        "import sys\n"
        "from guidewatch.cli import main\n"
        f"status = main({argv!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.'))\n"
        "print('PREFECT', loaded, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    env = {
        **os.environ,
        "GUIDEWATCH_DATABASE_URL": history.url.render_as_string(hide_password=False),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "PREFECT []" in result.stderr


def test_database_before_the_search_migration_gets_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    build_history(engine)  # written by today's models, then taken back to before search
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    engine.dispose()
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", url)
    status, _, err = Cli(url, capsys).run("search", "pacing")
    assert status == 2 and "run `guidewatch run` once" in err

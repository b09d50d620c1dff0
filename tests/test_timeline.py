"""Watched term counts per version, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.engine import Engine

from compare.topics import load_topics
from guidewatch.report.history import select_topics, shown_terms, term_timeline
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section
from storage.db import open_session
from tests.test_search import BACME, NG206, Cli, add_document_history, build_history

TOPICS = load_topics(DEFAULT_TOPICS)


@pytest.fixture
def history(engine: Engine) -> Engine:
    """The test history on each kind of database."""
    build_history(engine)
    return engine


def test_counts_per_version_with_dates(history: Engine) -> None:
    topics, always = select_topics(TOPICS, term="pacing up")
    with open_session(history) as session:
        rows = term_timeline(session=session, document_id=BACME, topics=topics)
    assert always == ("pacing up",)
    # "Pacing up" once, then twice plus "pace up" (a variant of the same term), then gone
    assert [(r.version, r.counts.get("pacing up", 0)) for r in rows] == [(1, 1), (2, 3), (3, 0)]
    assert [r.first_seen_at.date().isoformat() for r in rows] == [
        "2020-05-01",
        "2021-06-01",
        "2022-07-01",
    ]


def test_a_topic_counts_only_its_terms_and_shows_those_that_occur(history: Engine) -> None:
    topics, always = select_topics(TOPICS, topic="safeguards")
    with open_session(history) as session:
        rows = term_timeline(session=session, document_id=BACME, topics=topics)
    terms = shown_terms(rows, topics, always)
    # "pacing" inside "pacing up" is the rehabilitation term, not the safeguard
    assert terms == ["energy management", "pacing"]
    assert [r.counts.get("energy management", 0) for r in rows] == [0, 1, 1]
    assert all("pacing up" not in r.counts for r in rows)


def test_a_term_in_a_heading_is_counted_once_per_version(engine: Engine) -> None:
    # A PDF edition renamed its section "What is Graded Exercise Therapy?": the term left the
    # document, and the timeline must show it going from 1 to 0, however many sections the
    # heading holds.
    def edition(heading: str) -> Document:
        return Document(
            sections=(
                Section("4a", (heading,), "Once a stable baseline is reached, increase it."),
                Section("4b", (heading,), "Increase by no more than 10-20% at a time."),
            ),
            title="Guide to Therapy",
        )

    add_document_history(
        engine,
        "guide",
        [
            ("2022-11-14", "2025-03-01", edition("4. What is Graded Exercise Therapy?")),
            ("2025-03-14", "2025-04-01", edition("4. What is Activity Management?")),
        ],
        source="bacme",
    )
    topics, always = select_topics(TOPICS, topic="rehabilitation")
    with open_session(engine) as session:
        rows = term_timeline(session=session, document_id="guide", topics=topics)
    assert "graded exercise therapy" in shown_terms(rows, topics, always)
    assert [r.counts.get("graded exercise therapy", 0) for r in rows] == [1, 0]


def test_unknown_topic_is_refused_and_unwatched_term_is_counted() -> None:
    with pytest.raises(ValueError, match="no topic 'nope'"):
        select_topics(TOPICS, topic="nope")
    topics, always = select_topics(TOPICS, term="Mickel  therapy")
    assert always == ("Mickel Therapy",) and topics[0].name == "brain-training"
    topics, always = select_topics(TOPICS, term="rest")
    assert always == ("rest",) and topics[0].name == "search"


@pytest.fixture
def cli(
    history: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """The command line on the history database."""
    url = history.url.render_as_string(hide_password=False)
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", url)
    return Cli(url, capsys)


def test_timeline_command_table_csv_json(cli: Cli) -> None:
    status, out, _ = cli.run("timeline", "--term", "pacing up", BACME)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["version", "first", "seen", "last", "seen", "pacing", "up"]
    assert lines[2].split() == ["1", "2020-05-01", "2021-05-01", "1"]
    assert lines[3].split()[-1] == "3" and lines[4].split()[-1] == "0"

    status, out, _ = cli.run("timeline", "--term", "rest", "--format", "csv", BACME)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["document", "version", "first_seen_at", "last_seen_at", "rest"]
    assert [r[-1] for r in rows[1:]] == ["0", "0", "1"]  # "Rest <when> needed." in version 3

    status, out, _ = cli.run("timeline", "--json")
    data = json.loads(out)
    assert {d["document"] for d in data} == {BACME, NG206}
    ng = [d for d in data if d["document"] == NG206]
    assert [d["counts"]["Lightning Process"] for d in ng] == [1, 0, 1]
    assert [d["counts"]["do not offer"] for d in ng] == [2, 2, 2]

    status, _, err = cli.run("timeline", "--topic", "nope")
    assert status == 2 and "no topic 'nope'" in err

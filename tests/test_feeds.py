"""Atom feeds: one per topic and one for all, valid by RFC 4287's grammar, stable across runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.engine import Engine

from compare.model import Change
from compare.topics import load_topics
from guidewatch.report.feeds import write_feeds
from guidewatch.settings import DEFAULT_TOPICS
from storage import alert_queue, version_store
from storage.db import open_session
from tests.support.feeds import ATOM, atom_errors
from tests.test_search import BACME, NG206, Cli, build_history

TOPICS = load_topics(DEFAULT_TOPICS)

CURE = Change(
    section_key="1.11.14",
    heading_path=("1.11 Managing ME/CFS", "Physical activity and exercise"),
    kind="modified",
    old_sentences=("any therapy based on physical activity or exercise as a treatment or cure",),
    new_sentences=("any therapy based on physical activity or exercise as a cure",),
    topics=("rehabilitation", "safeguards"),
    terms=("treatment or cure",),
    significance=70,
)
LIGHTNING = Change(
    section_key="box-4",
    heading_path=("Box 4",),
    kind="added",
    new_sentences=("Do not offer the Lightning Process & <b>similar</b>.",),
    topics=("brain-training",),
    terms=("Lightning Process",),
    significance=50,
)


def record(engine: Engine, document_id: str, number: int, changes: list[Change]) -> None:
    """Record changes that made version `number` of a document."""
    with open_session(engine) as session:
        old = version_store.get_version(session=session, document_id=document_id, number=number - 1)
        new = version_store.get_version(session=session, document_id=document_id, number=number)
        assert old is not None and new is not None and new.id is not None
        alert_queue.add_changes(
            session=session,
            document_id=document_id,
            from_version_id=old.id,
            to_version_id=new.id,
            payloads=[change.to_dict() for change in changes],
        )
        session.commit()


def entries(path: Path) -> list[etree._Element]:
    """The entries of one feed file."""
    return etree.fromstring(path.read_bytes()).findall(f"{ATOM}entry")


def test_feeds_validate_and_hold_each_topics_changes(engine: Engine, tmp_path: Path) -> None:
    build_history(engine)
    record(engine, NG206, 2, [CURE])
    record(engine, BACME, 3, [LIGHTNING])
    written = write_feeds(engine, tmp_path, TOPICS, base_url="https://feeds.example.org/gw/")
    names = sorted(p.name for p in written)
    assert names == sorted(["all.atom", *(f"{t.name}.atom" for t in TOPICS)])
    for path in written:
        assert atom_errors(path.read_bytes()) == [], path
    folder = tmp_path / "feeds"
    assert len(entries(folder / "all.atom")) == 2
    rehab = entries(folder / "rehabilitation.atom")
    assert len(rehab) == 1 and len(entries(folder / "safeguards.atom")) == 1
    brain = entries(folder / "brain-training.atom")
    assert len(brain) == 1
    title = rehab[0].findtext(f"{ATOM}title")
    assert str(title).endswith(' 1.11.14: "as a treatment or cure" → "as a cure"')
    content = rehab[0].findtext(f"{ATOM}content") or ""
    assert "<del>" in content and "treatment or" in content and "Versions: version 1" in content
    assert "Section: 1.11.14: 1.11 Managing ME/CFS › Physical activity" in content
    assert rehab[0].findtext(f"{ATOM}updated") == "2023-01-01T12:00:00+00:00"
    # hostile page text is escaped inside the HTML content, never markup
    assert "&lt;b&gt;similar&lt;/b&gt;" in (brain[0].findtext(f"{ATOM}content") or "")
    root = etree.fromstring((folder / "all.atom").read_bytes())
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == "https://feeds.example.org/gw/feeds/all.atom"
    # the same change has the same id in every feed it is in
    all_ids = {e.findtext(f"{ATOM}id") for e in entries(folder / "all.atom")}
    assert rehab[0].findtext(f"{ATOM}id") in all_ids


def test_feeds_are_the_same_bytes_on_every_run(engine: Engine, tmp_path: Path) -> None:
    build_history(engine)
    record(engine, NG206, 2, [CURE])
    first = {p.name: p.read_bytes() for p in write_feeds(engine, tmp_path / "a", TOPICS)}
    record(engine, BACME, 3, [LIGHTNING])
    second = {p.name: p.read_bytes() for p in write_feeds(engine, tmp_path / "b", TOPICS)}
    third = {p.name: p.read_bytes() for p in write_feeds(engine, tmp_path / "c", TOPICS)}
    assert second == third  # nothing new: byte for byte the same feed
    assert first["rehabilitation.atom"] == second["rehabilitation.atom"]
    old_ids = [e.findtext(f"{ATOM}id") for e in entries(tmp_path / "a" / "feeds" / "all.atom")]
    new_ids = [e.findtext(f"{ATOM}id") for e in entries(tmp_path / "b" / "feeds" / "all.atom")]
    assert len(new_ids) == 2 and old_ids[0] in new_ids
    assert all(str(i).startswith("urn:uuid:") for i in new_ids)


def test_an_empty_history_gives_valid_empty_feeds(engine: Engine, tmp_path: Path) -> None:
    build_history(engine)
    paths = write_feeds(engine, tmp_path, TOPICS)
    assert tmp_path / "feeds" / "all.atom" in paths  # not a loop over nothing
    for path in paths:
        assert atom_errors(path.read_bytes()) == [] and entries(path) == []


def test_the_validator_catches_broken_feeds() -> None:
    broken = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    assert any("id" in e for e in atom_errors(broken))
    twice = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:a:1</id>'
        b"<updated>2024-01-01T00:00:00Z</updated><author><name>a</name></author>"
        b"<entry><title>e</title><id>urn:a:1</id><updated>2024-01-01T00:00:00Z</updated>"
        b"<summary>s</summary></entry></feed>"
    )
    assert "two entries share an id (4.2.6)" in atom_errors(twice)


def test_report_command_writes_the_feeds(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_history(engine)
    record(engine, NG206, 2, [CURE])
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", engine.url.render_as_string(False))
    cli = Cli(engine.url.render_as_string(False), capsys)
    status, out, _ = cli.run("report", "--out", str(tmp_path / "site"))
    assert status == 0 and "Atom feeds" in out
    feed = tmp_path / "site" / "feeds" / "all.atom"
    assert atom_errors(feed.read_bytes()) == [] and len(entries(feed)) == 1


def test_each_subscriber_has_a_feed_of_what_they_follow(engine: Engine, tmp_path: Path) -> None:
    from alerts.subscribers import parse_subscribers

    build_history(engine)
    record(engine, NG206, 2, [CURE])
    record(engine, BACME, 3, [LIGHTNING])
    subscribers = parse_subscribers(
        {
            "subscribers": {
                "ana": {"email": "ana@example.org", "topics": ["safeguards"]},
                "bacme-reader": {"email": "b@example.org", "sources": ["bacme"]},
            }
        }
    )
    write_feeds(engine, tmp_path, TOPICS, subscribers=subscribers, base_url="https://x.org/")
    folder = tmp_path / "feeds" / "subscribers"
    ana, bacme = folder / "ana.atom", folder / "bacme-reader.atom"
    for path in (ana, bacme):
        assert atom_errors(path.read_bytes()) == []
    [cure] = entries(ana)
    assert str(cure.findtext(f"{ATOM}title")).endswith(
        ' 1.11.14: "as a treatment or cure" → "as a cure"'
    )
    [only] = entries(bacme)
    assert "Lightning" in (only.findtext(f"{ATOM}content") or "")
    root = etree.fromstring(ana.read_bytes())
    link = root.find(f"{ATOM}link[@rel='self']")
    assert link is not None and link.get("href") == "https://x.org/feeds/subscribers/ana.atom"

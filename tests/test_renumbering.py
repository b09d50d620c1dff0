"""When NICE inserts a recommendation, the ones after it are renumbered and cross-references
follow: the unchanged recommendations under new numbers are not changes, a reference that
followed is not a change, and the renumbering itself is one recorded, off-topic change."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag
from sqlalchemy.engine import Engine
from sqlmodel import select

from compare.diff import compare_documents
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document
from scrapers.nice import chapter_document
from storage.changes import AlertItem, ChangeRow
from storage.db import open_session
from tests.support.changes import NICE_V1, Keeper, settings_for, spec

TOPICS = load_topics(DEFAULT_TOPICS)
FIXTURE = Path(__file__).parent / "fixtures" / "nice" / "ng206-recommendations-v1.html"
NEW_REC = (
    '<div id="ng206_1_11_13" class="recommendation_text"><p class="numbered-paragraph">'
    '<span class="paragraph-number">1.11.13 </span>Explain to people with ME/CFS that they '
    "can stop a physical activity programme at any time.</p></div>\n      "
)


def nice_page(body: str) -> Document:
    chapter = BeautifulSoup(body, "html.parser").find("div", class_="chapter")
    assert isinstance(chapter, Tag)
    return chapter_document(chapter)


def inserted(body: str) -> str:
    """NG206 with a recommendation inserted before 1.11.13: 1.11.13 and 1.11.14 move up one,
    and 1.11.14's reference to "recommendation 1.11.13" follows to 1.11.14."""
    edits = [
        ('id="ng206_1_11_14"', 'id="ng206_1_11_15"'),
        ('paragraph-number">1.11.14 ', 'paragraph-number">1.11.15 '),
        ('id="ng206_1_11_13"', 'id="ng206_1_11_14"'),
        ('paragraph-number">1.11.13 ', 'paragraph-number">1.11.14 '),
        ("#ng206_1_11_13", "#ng206_1_11_14"),
        ("recommendation 1.11.13</a>", "recommendation 1.11.14</a>"),
    ]
    for old, new in edits:
        assert old in body, old
        body = body.replace(old, new)
    anchor = '<div id="ng206_1_11_14" class="recommendation_text">'
    return body.replace(anchor, NEW_REC + anchor, 1)


def test_an_inserted_nice_recommendation_is_one_addition_and_one_renumbering() -> None:
    body = FIXTURE.read_text(encoding="utf-8")
    changes = compare_documents(nice_page(body), nice_page(inserted(body)), topics=TOPICS)
    assert [(c.kind, c.section_key) for c in changes] == [
        ("added", "1.11.13"),
        ("renumbered", "1.11.14"),
    ]
    added, renumbered = changes
    assert added.statement.startswith('new statement: "Explain to people with ME/CFS that they')
    assert renumbered.topics == () and renumbered.significance < 50
    assert renumbered.renumbering == ("1.11.13 → 1.11.14", "1.11.14 → 1.11.15")
    assert renumbered.statement == (
        "recommendations renumbered: 1.11.13 → 1.11.14, 1.11.14 → 1.11.15"
    )


def test_a_real_edit_under_a_new_number_is_still_caught() -> None:
    body = FIXTURE.read_text(encoding="utf-8")
    edited = inserted(body).replace("as a treatment or cure", "as a cure")
    changes = compare_documents(nice_page(body), nice_page(edited), topics=TOPICS)
    kinds = [(c.kind, c.section_key, c.old_section_key) for c in changes]
    assert ("modified", "1.11.15", "1.11.14") in kinds
    [cure] = [c for c in changes if c.kind == "modified"]
    assert cure.statement == 'prohibition narrowed: "as a treatment or cure" → "as a cure"'
    assert "rehabilitation" in cure.topics
    assert ("renumbered", "1.11.14", "1.11.13") in kinds


def test_the_renumbering_is_recorded_but_not_alerted(engine: Engine, tmp_path: Path) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    renumbered = (
        NICE_V1.replace("## 1.12.28 |", "## 1.12.29 |")
        .replace("## 1.12.27 |", "## 1.12.28 |")
        .replace(
            "## 1.12.28 | 1 Recommendations > 1.12 Symptom management > Lightning Process",
            "## 1.12.27 | 1 Recommendations > 1.12 Symptom management > Rest\n"
            "Advise people with CFS/ME to rest when they need to.\n"
            "## 1.12.28 | 1 Recommendations > 1.12 Symptom management > Lightning Process",
        )
    )
    keeper.keep(renumbered)
    with open_session(engine) as session:
        rows = list(session.exec(select(ChangeRow).order_by(ChangeRow.ordinal)))  # type: ignore[arg-type]
        items = list(session.exec(select(AlertItem)))
    assert [(r.kind, r.section_key) for r in rows] == [
        ("added", "1.12.27"),
        ("renumbered", "1.12.28"),
    ]
    assert rows[1].topic_list() == []
    assert rows[1].data()["statement"] == (
        "recommendations renumbered: 1.12.27 → 1.12.28, 1.12.28 → 1.12.29"
    )
    assert all(item.change_id != rows[1].id for item in items)


def test_an_edit_to_a_renumbered_recommendation_pairs_it_by_wording_not_number() -> None:
    body = FIXTURE.read_text(encoding="utf-8")
    edited = inserted(body).replace(
        "refer them to a physiotherapist", "consider referring them to a physiotherapist"
    )
    changes = compare_documents(nice_page(body), nice_page(edited), topics=TOPICS)
    kinds = [(c.kind, c.section_key, c.old_section_key) for c in changes]
    assert ("added", "1.11.13", None) in kinds, kinds
    [moved] = [c for c in changes if c.kind == "modified"]
    assert (moved.section_key, moved.old_section_key) == ("1.11.14", "1.11.13")
    assert moved.statement.startswith("recommendation weakened (offer → consider)")

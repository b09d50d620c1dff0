"""The first line of an alert says what a change does to meaning, in plain words, quoting the
smallest changed phrase: one case per rule, written on real NG206, BACME, BHC and DHSC
wording (tests/fixtures/meaning/cases.toml), each rendered through the real digest builder."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alerts.digest import build_message
from alerts.html import render_html
from alerts.naming import place
from alerts.notes import ChangeNote, Digest
from alerts.text import render_text
from compare.diff import compare_documents
from compare.model import Change
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section

TOPICS = load_topics(DEFAULT_TOPICS)
CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "fixtures" / "meaning" / "cases.toml").read_text(encoding="utf-8")
)["case"]
RULES = {
    "exception", "condition", "strength", "reversed", "scope", "term renamed", "moved",
    "practice pattern", "new statement", "removed statement", "phrase pair", "renumbered",
    "terms came or went",
}  # fmt: skip


def documents(case: dict[str, Any]) -> tuple[Document, Document]:
    """The case's old and new documents."""
    if "old_sections" in case:
        return tuple(  # type: ignore[return-value]
            Document(tuple(Section(s["key"], tuple(s["heading"]), s["text"]) for s in case[side]))
            for side in ("old_sections", "new_sections")
        )
    old = Section(case.get("old_key", case["key"]), tuple(case.get("old_heading", case["heading"])),
                  case["old"])  # fmt: skip
    new = Section(case["key"], tuple(case["heading"]), case["new"])
    return Document((old,)), Document((new,))


def the_change(case: dict[str, Any]) -> Change:
    old, new = documents(case)
    changes = compare_documents(old, new, topics=TOPICS)
    assert len(changes) == 1, [c.statement for c in changes]
    return changes[0]


def alert(case: dict[str, Any], change: Change) -> Any:
    """The message the real digest builder makes for this change alone."""
    note = ChangeNote(
        topic=change.topics[0] if change.topics else "none",
        document_id="doc",
        document_title=case["title"],
        live_url="https://www.example.org/doc",
        change=change,
        new_version=2,
        new_seen_at=datetime(2026, 11, 2, tzinfo=UTC),
        old_version=1,
        old_seen_at=datetime(2021, 10, 29, tzinfo=UTC),
        change_id=7,
    )
    return build_message(Digest(changes=(note,)), sender="gw@example.org",
                         recipients=["a@example.org"], message_id="<m@example.org>",
                         date=datetime(2026, 11, 2, tzinfo=UTC))  # fmt: skip


def test_every_rule_has_a_case() -> None:
    assert {case["rule"] for case in CASES} == RULES


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_alert_opens_with_the_expected_line(case: dict[str, Any]) -> None:
    change = the_change(case)
    message = alert(case, change)
    assert message["Subject"] == case["line"]
    plain = " ".join(message.get_body(("plain",)).get_content().split())
    # the item's first line: its place in the document, then the same statement
    assert f"* {place(change)}: {' '.join(change.statement.split())}" in plain, plain
    rich = message.get_body(("html",)).get_content()
    assert change.statement.replace('"', "&quot;") in rich
    if "topic" in case:
        assert change.topics[0] == case["topic"], change.topics
    else:
        assert change.topics == () or change.significance < 50
    assert change.significance >= case.get("at_least", 0)


def test_a_practice_described_without_its_name_is_on_its_topic_with_the_pattern_named() -> None:
    [case] = [c for c in CASES if c["rule"] == "practice pattern"]
    change = the_change(case)
    assert change.topics == ("rehabilitation",)
    assert change.patterns == ("a fixed schedule of increase", "carrying on whatever the symptoms")
    note = ChangeNote(
        "rehabilitation", "doc", case["title"], "u", change, 2, datetime(2026, 1, 1, tzinfo=UTC)
    )
    text = render_text(Digest(changes=(note,)))
    assert "! Practice pattern: a fixed schedule of increase. A set amount" in text
    assert "box 4" in render_html(Digest(changes=(note,)))


def test_a_narrowed_prohibition_is_not_a_rename() -> None:
    [case] = [c for c in CASES if c["name"] == "nice-prohibition-narrowed"]
    change = the_change(case)
    assert change.kind == "modified" and "renamed" not in change.statement


def test_two_affirmations_are_never_reversed() -> None:
    [case] = [c for c in CASES if c["name"] == "bacme-two-affirmations-are-not-reversed"]
    change = the_change(case)
    assert not change.polarity_flip and "reversed" not in change.statement


def test_a_reworded_condition_is_not_a_condition_removed() -> None:
    old = Document((Section("1", ("Rest",), "Rest when needed, and stop before you are tired."),))
    new = Document(
        (Section("1", ("Rest",), "Rest whenever you need to, and stop before you are tired."),)
    )
    (change,) = compare_documents(old, new, topics=TOPICS)
    assert "condition" not in change.statement
    assert change.statement == '"Rest when needed" → "Rest whenever you need to"'


def test_a_practice_named_to_prohibit_it_is_not_described() -> None:
    intro = "Do not offer people with ME/CFS:\n- graded exercise therapy"
    old = Document((Section("1.11.14", ("Exercise",), intro + "."),))
    new = Document(
        (
            Section(
                "1.11.14",
                ("Exercise",),
                intro + "\n- programmes based on deconditioning and exercise avoidance theories.",
            ),
        )
    )
    (change,) = compare_documents(old, new, topics=TOPICS)
    assert "describes" not in change.statement
    assert change.statement.startswith('new statement: "programmes based on deconditioning')
    assert "rehabilitation" in change.topics  # still on its topic, the pattern named
    assert "deconditioning as the explanation" in change.patterns


def test_a_change_recorded_before_statements_gets_one_from_its_record() -> None:
    [case] = [c for c in CASES if c["name"] == "nice-reversed"]
    recorded = the_change(case).to_dict()
    del recorded["statement"]  # a row stored by an older guidewatch
    old = Change.from_dict(recorded)
    assert old.statement == ""
    message = alert(case, old)
    assert message["Subject"] == case["line"]

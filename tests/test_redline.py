"""One redline for every place that shows a change: the email, the report, the terminal and
the Prefect run page strike and add the same phrases, sentence by sentence."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from alerts.html import render_html
from alerts.notes import ChangeNote, Digest
from compare.model import Change
from compare.redline import ADDED, KEPT, REMOVED, Row, edges, rows, spaced, word_diff
from flows.report import redline as markdown_redline
from guidewatch.cmd_changes import redline_lines
from guidewatch.report.html import redline as report_redline

EDITED_OLD = "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS."
EDITED_NEW = "Offer the Lightning Process, or programmes based on it, to people with ME/CFS."
REWRITTEN_OLD = "What is Graded Exercise Therapy?"
REWRITTEN_NEW = "Energy management is a <self-management> approach."

CHANGE = Change(
    section_key="1.11.14",
    heading_path=("1.11 Managing ME/CFS",),
    kind="modified",
    old_sentences=(EDITED_OLD, REWRITTEN_OLD),
    new_sentences=(EDITED_NEW, REWRITTEN_NEW),
)
STRUCK = ["Do not offer", "therapies", REWRITTEN_OLD]
ADDED_PHRASES = ["Offer", "programmes", REWRITTEN_NEW]


def test_alike_sentences_are_edited_in_place_and_a_rewritten_one_is_shown_whole() -> None:
    found = rows(CHANGE.old_sentences, CHANGE.new_sentences)
    assert [(row.old, row.new, row.whole) for row in found] == [
        (EDITED_OLD, EDITED_NEW, ""),
        (REWRITTEN_OLD, "", REMOVED),
        ("", REWRITTEN_NEW, ADDED),
    ]
    assert found[0].runs == tuple(word_diff(EDITED_OLD, EDITED_NEW))
    assert found[1].shown() == [(REMOVED, REWRITTEN_OLD)]
    assert found[2].shown() == [(ADDED, REWRITTEN_NEW)]


def test_struck_and_added_words_are_spaced_apart_only_when_they_would_touch() -> None:
    touching = [(REMOVED, "should"), (ADDED, "can"), (KEPT, " be started")]
    assert spaced(touching) == [(REMOVED, "should"), (KEPT, " "), (ADDED, "can"), touching[2]]
    apart = [(REMOVED, "should "), (ADDED, "can"), (KEPT, " be")]
    assert spaced(apart) == apart
    row = Row("should be", "can be", tuple(word_diff("should be", "can be")))
    shown = "".join(text for _, text in row.shown())
    assert "shouldcan" not in shown and "should can" in shown


def test_edges_keep_the_spaces_apart_from_the_words() -> None:
    assert edges(" treatment or ") == (" ", "treatment or", " ")
    assert edges("cure") == ("", "cure", "")
    assert edges("  ") == ("  ", "", "")


def _between(pattern: str, text: str) -> list[str]:
    return [m.strip() for m in re.findall(pattern, text, re.DOTALL)]


def test_every_renderer_strikes_and_adds_the_same_phrases() -> None:
    note = ChangeNote(
        topic="rehabilitation",
        document_id="nice",
        document_title="NICE NG206",
        live_url="https://example.org/ng206",
        change=CHANGE,
        new_version=2,
        new_seen_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    email = render_html(Digest(changes=(note,)))
    report = report_redline(CHANGE).replace('<span class="sr-only">removed: </span>', "")
    report = report.replace('<span class="sr-only">added: </span>', "")
    terminal = "\n".join(redline_lines(CHANGE.old_sentences, CHANGE.new_sentences, color=False))
    markdown = "\n".join(markdown_redline(CHANGE))

    unescape = {"&lt;": "<", "&gt;": ">", "\\<": "<", "\\>": ">"}

    def plain(items: list[str]) -> list[str]:
        for escaped, char in unescape.items():
            items = [item.replace(escaped, char) for item in items]
        return items

    assert plain(_between(r"<del[^>]*>(.*?)</del>", email)) == STRUCK
    assert plain(_between(r"<ins[^>]*>(.*?)</ins>", email)) == ADDED_PHRASES
    assert plain(_between(r"<del>(.*?)</del>", report)) == STRUCK
    assert plain(_between(r"<ins>(.*?)</ins>", report)) == ADDED_PHRASES
    assert _between(r"\[-(.*?)-\]", terminal) == STRUCK
    assert _between(r"\{\+(.*?)\+\}", terminal) == ADDED_PHRASES
    assert plain(_between(r"~~(.*?)~~", markdown)) == STRUCK
    assert plain(_between(r"\*\*(.*?)\*\*", markdown)) == ADDED_PHRASES


def test_each_renderer_shows_a_sentence_per_row_labelled_when_whole() -> None:
    terminal = redline_lines(CHANGE.old_sentences, CHANGE.new_sentences, color=False)
    assert terminal == [
        "[-Do not offer-] {+Offer+} the Lightning Process, or [-therapies-] {+programmes+} "
        "based on it, to people with ME/CFS.",
        f"removed: [-{REWRITTEN_OLD}-]",
        f"added: {{+{REWRITTEN_NEW}+}}",
    ]
    markdown = markdown_redline(CHANGE)
    assert markdown[0].startswith("~~Do not offer~~ **Offer** the Lightning Process")
    assert markdown[1:] == [
        "Removed: ~~What is Graded Exercise Therapy?~~",
        r"Added: **Energy management is a \<self-management\> approach.**",
    ]
    report = report_redline(CHANGE)
    assert report.startswith('<div class="redline"><p>') and report.count("<p>") == 3
    assert "<p><strong>Removed:</strong> <del>What is Graded Exercise Therapy?</del></p>" in report
    assert "&lt;self-management&gt;" in report and "<self-management>" not in report


def test_markdown_keeps_spaces_outside_its_marks() -> None:
    change = Change(
        section_key="box-4",
        heading_path=(),
        kind="modified",
        old_sentences=("Rest when you need to",),
        new_sentences=("Rest when you need to and pace",),
    )
    assert word_diff(*change.old_sentences, *change.new_sentences)[-1] == (ADDED, " and pace")
    # "to** and pace**" would not be bold in markdown, nor "to**and pace**" spaced
    assert markdown_redline(change) == ["Rest when you need to **and pace**"]

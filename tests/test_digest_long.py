"""A long list of changes (a document rewritten between editions): the five that matter
first, in full, most significant first; then one line per other change, grouped by document,
each with the command that shows it in full; a text part short enough to read on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from alerts.digest import build_message
from alerts.html import render_html
from alerts.naming import FULL_ITEMS, headline, subject
from alerts.notes import ChangeNote, Digest
from alerts.text import render_text
from compare.diff import compare_documents
from compare.topics import load_topics
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section
from tests.test_meaning import CASES, the_change

TOPICS = load_topics(DEFAULT_TOPICS)
WHEN = datetime(2026, 11, 2, tzinfo=UTC)


def notes_of_the_cases() -> list[ChangeNote]:
    """Every meaning case as a recorded change of its document (one per source)."""
    notes = []
    for number, case in enumerate(CASES, start=1):
        change = the_change(case)
        document = case["title"].split(":")[0].lower().replace(" ", "-")
        notes.append(
            ChangeNote(
                topic=change.topics[0] if change.topics else "none",
                document_id=document,
                document_title=case["title"],
                live_url=f"https://www.example.org/{document}",
                change=change,
                new_version=3,
                new_seen_at=WHEN,
                old_version=2,
                old_seen_at=datetime(2025, 1, 1, tzinfo=UTC),
                change_id=100 + number,
            )
        )
    return notes


def rewritten_edition(sections: int = 60) -> list[ChangeNote]:
    """A guide rewritten between editions: every section's wording edited."""
    old = Document(
        tuple(
            Section(f"{k}. Part {k}", ("Guide", f"{k}. Part {k}"),
                    f"Part {k} explains step {k} of the plan. Keep a diary for week {k}.")
            for k in range(1, sections + 1)
        )
    )  # fmt: skip
    new = Document(
        tuple(
            Section(f"{k}. Part {k}", ("Guide", f"{k}. Part {k}"),
                    f"Part {k} explains stage {k} of the plan. Keep a diary for week {k}.")
            for k in range(1, sections + 1)
        )
    )  # fmt: skip
    changes = compare_documents(old, new, topics=TOPICS)
    assert len(changes) == sections
    return [
        ChangeNote("rehabilitation", "bacme-guide", "BACME: Guide to Therapy", "https://b.example",
                   change, 3, WHEN, 2, WHEN, change_id=1000 + k)
        for k, change in enumerate(changes)
    ]  # fmt: skip


def test_the_five_that_matter_come_first_in_full_most_significant_first() -> None:
    notes = notes_of_the_cases()
    digest = Digest(changes=tuple(notes))
    text = render_text(digest)
    lines = text.splitlines()
    assert lines[0].startswith(f"{len(notes)} changes. The 5 most significant first, in full;")
    ranked = sorted(notes, key=lambda n: -n.change.significance)
    flat = " ".join(text.split())
    # the items in full, in the order shown: the five most significant, most significant first
    # (among equals any order: several cases share a significance)
    in_full = sorted(
        (flat.index(f"* {headline(n)}"), n) for n in notes if f"* {headline(n)}" in flat
    )
    shown = [n.change.significance for _, n in in_full]
    assert shown == [n.change.significance for n in ranked[:FULL_ITEMS]], shown
    assert headline(ranked[0]) == headline(notes[6])  # the reversal leads
    assert subject(digest).startswith(headline(ranked[0]))
    # the others: one line each, grouped by document, with the command that shows it in full
    rest = text.split(f"== The other {len(notes) - FULL_ITEMS} changes ==")[1]
    for note in [n for n in notes if all(n is not m for _, m in in_full)]:
        assert f"(guidewatch changes --id {note.change_id})" in " ".join(rest.split())
        assert "* " + headline(note) not in flat
    titles = [line for line in rest.splitlines() if line and not line.startswith((" ", "-"))]
    assert len(titles) == len(set(titles))  # each document once
    assert "Report page: report/documents/nice-ng206.html#v3" in rest


def test_a_rewritten_edition_fits_on_a_few_phone_screens() -> None:
    notes = rewritten_edition()
    digest = Digest(changes=tuple(notes))
    text = render_text(digest)
    lines = text.splitlines()
    # five items in full (about 15 lines each), then about two lines per other change
    assert len(lines) < FULL_ITEMS * 18 + 2 * (len(notes) - FULL_ITEMS) + 20, len(lines)
    for line in lines:
        if len(line) > 72:
            assert re.fullmatch(r"\s*\S+", line), line  # only an address may run past the edge
        assert not line.startswith(" " * 5), line  # shallow indents: a narrow screen keeps it
    assert text.count("guidewatch changes --id ") == len(notes) - FULL_ITEMS
    html = render_html(digest)
    assert html.count("<li>") == len(notes) - FULL_ITEMS
    message = build_message(digest, sender="g@example.org", recipients=["a@example.org"],
                            message_id="<l@example.org>", date=WHEN)  # fmt: skip
    assert message["Subject"].endswith(f"(and {len(notes) - 1} more changes)")


def test_five_or_fewer_keep_the_list_and_the_topics() -> None:
    notes = notes_of_the_cases()[:FULL_ITEMS]
    text = render_text(Digest(changes=tuple(notes)))
    assert text.startswith(f"{FULL_ITEMS} changes in this message, most important first:")
    assert "== Topic:" in text and "guidewatch changes --id" not in text

"""The digest's templates: every value in the HTML part is escaped by default, wherever it
comes from (page text, titles, addresses, topics, events); the text part is not escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from alerts.html import render_html
from alerts.naming import FULL_ITEMS
from alerts.notes import ChangeNote, Digest, EventNote
from alerts.text import render_text
from compare.model import Change

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"
AT = datetime(2025, 9, 2, 8, 0, tzinfo=UTC)


def _note(number: int) -> ChangeNote:
    change = Change(
        section_key=f"1.11.{number}",
        heading_path=(f"Heading {HOSTILE}",),
        kind="modified",
        old_sentences=(f"Do not offer {HOSTILE} to people.",),
        new_sentences=(f"Offer {HOSTILE} to people.",),
        surviving=(f"Kept {HOSTILE}.",),
        lead_in=f"Lead {HOSTILE}:",
        pages=(3,),
        topics=("rehabilitation",),
    )
    return ChangeNote(
        topic=f"topic {HOSTILE}",
        document_id="nice-ng206-recommendations",
        document_title=f"Title {HOSTILE}",
        live_url=f'https://example.org/?a=1&b="{HOSTILE}',
        change=change,
        new_version=2,
        new_seen_at=AT,
        old_version=1,
        old_seen_at=AT,
        also_topics=(f"also {HOSTILE}",),
        document_url=f"https://example.org/file.pdf?x=<{HOSTILE}>",
        change_id=number,
    )


EVENT = EventNote(
    kind="gone",
    document_id="bacme-guide",
    document_title=f"BACME {HOSTILE}",
    live_url=f"https://example.org/gone?<{HOSTILE}>",
    detail=f"detail {HOSTILE}",
    at=AT,
)


@pytest.mark.parametrize("count", [1, 2, FULL_ITEMS + 2], ids=["one", "short", "long"])
def test_every_value_in_the_html_part_is_escaped(count: int) -> None:
    digest = Digest(changes=tuple(_note(n) for n in range(count)), events=(EVENT,))
    rich = render_html(digest)
    assert "<script" not in rich and "alert(&quot;x&quot;)" in rich
    assert "&#x27;quoted&#x27;" in rich and "&amp; " in rich
    # the only tags are the template's own
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", rich))
    assert tags <= {"html", "body", "div", "p", "ul", "li", "h2", "h3", "a", "br", "span",
                    "code", "del", "ins"}  # fmt: skip
    # every attribute value stays inside its quotes
    for value in re.findall(r'(?:href|style)="([^"]*)"', rich):
        assert "<" not in value and ">" not in value


def test_the_text_part_keeps_page_text_as_written() -> None:
    digest = Digest(changes=(_note(1), replace(_note(2), topic="other")), events=(EVENT,))
    plain = render_text(digest)
    assert "&lt;" not in plain and "&quot;" not in plain and "&amp;" not in plain
    assert "<script>" in plain and 'alert("x")' in plain

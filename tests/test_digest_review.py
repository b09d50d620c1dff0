"""The digest as its readers see it: real messages, made by real cycles over the loopback
mirror and delivered to a real SMTP server (scripts/sample_digest.py), and a few made-up
changes for the edge cases. Each test states one property a reader with little energy
needs: the edit in the subject, whole phrases in the redline, the list a changed item hangs
from, the PDF page, both dates, the most important change first, lines a terminal can show.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType

import pytest

from alerts.digest import build_message
from alerts.html import render_html
from alerts.naming import subject, what
from alerts.notes import ChangeNote, Digest
from alerts.text import render_text
from compare.model import Change
from compare.redline import word_diff as redline_runs

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "sample_digest.py"
LIMIT = 72


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_digest", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sample_digest"] = module
    spec.loader.exec_module(module)
    return module


samples = _load_script()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, EmailMessage]]:
    """The one message each sample delivers (real cycles, real SMTP on 127.0.0.1)."""
    received: dict[str, EmailMessage] = {}
    for sample in samples.SAMPLES:
        _, messages = samples.run_sample(sample, tmp_path_factory.mktemp(sample.name))
        assert len(messages) == 1, (sample.name, [m["Subject"] for m in messages])
        received[sample.name] = messages[0]
    yield received


LIST_INTRO = "Do not offer people with ME/CFS:"


@pytest.fixture(scope="module")
def list_flip(tmp_path_factory: pytest.TempPathFactory) -> EmailMessage:
    """The message a real cycle sends when NICE's list intro loses its "Do not"."""
    sample = samples.Sample(
        "nice-list-flip",
        'NICE 1.11.14: the list intro becomes "Offer people with ME/CFS:"',
        (samples.NICE,),
        samples.nice("ng206-recommendations-v1.html"),
        samples.nice_edited((LIST_INTRO, "Offer people with ME/CFS:")),
    )
    _, messages = samples.run_sample(sample, tmp_path_factory.mktemp(sample.name))
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    return plain.get_content().replace("\r\n", "\n"), rich.get_content()


def flat(text: str) -> str:
    return " ".join(text.split())


def note(
    change: Change, *, title: str = "NICE NG206: Recommendations", **extra: object
) -> ChangeNote:
    values: dict[str, object] = {
        "topic": "rehabilitation",
        "document_id": "doc",
        "document_title": title,
        "live_url": "https://www.example.org/doc",
        "change": change,
        "new_version": 2,
        "new_seen_at": datetime(2025, 9, 2, tzinfo=UTC),
        "old_version": 1,
        "old_seen_at": datetime(2021, 10, 29, tzinfo=UTC),
    }
    values.update(extra)
    return ChangeNote(**values)  # type: ignore[arg-type]


CURE = Change(
    section_key="1.11.14",
    heading_path=("1.11 Managing ME/CFS",),
    kind="modified",
    old_sentences=("any therapy based on physical activity or exercise as a treatment or cure",),
    new_sentences=("any therapy based on physical activity or exercise as a cure",),
    topics=("rehabilitation",),
    terms=("treatment or cure",),
    significance=70,
)
FLIP = Change(
    section_key="1.12.27",
    heading_path=("1.12 Symptom management",),
    kind="modified",
    old_sentences=("Do not offer the Lightning Process, or therapies based on it.",),
    new_sentences=("Offer the Lightning Process, or therapies based on it.",),
    topics=("brain-training",),
    terms=("Lightning Process",),
    polarity_flip=True,
    significance=95,
)


# ---------------------------------------------------------------- subjects


def test_the_subject_quotes_a_small_edit_with_its_context(inbox: dict[str, EmailMessage]) -> None:
    assert inbox["nice-cure"]["Subject"] == (
        'NICE NG206 1.11.14: prohibition narrowed: "as a treatment or cure" → "as a cure"'
    )


def test_a_reversal_is_said_in_plain_words_with_the_words_that_flipped(
    inbox: dict[str, EmailMessage],
) -> None:
    title = inbox["nice-polarity"]["Subject"]
    assert title == (
        "NICE NG206 1.12.27: reversed: "
        '"Do not offer the Lightning Process" → "Offer the Lightning Process"'
    )
    plain, _ = parts(inbox["nice-polarity"])
    assert "Meaning reversed" in plain


def test_a_long_subject_keeps_how_many_more_and_drops_no_line_break() -> None:
    long_key = "Neuroplasticity programs\ndesigned for autonomic nervous system " * 5
    long = Change(
        section_key=long_key,
        heading_path=("A",),
        kind="modified",
        old_sentences=("One.",),
        new_sentences=("Two.",),
        terms=("graded exercise therapy",),
        significance=90,
    )
    digest = Digest(changes=(note(long, title="A very long document title " * 3), note(CURE)))
    text = subject(digest)
    assert text.endswith("(and 1 more change)")
    assert len(text) <= 160 and "\n" not in text
    build_message(digest, sender="a@example.org", recipients=["b@example.org"],
                  message_id="<x@example.org>", date=datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip


# ---------------------------------------------------------------- the redline


def test_a_rewritten_phrase_is_one_struck_and_one_added_run_not_confetti() -> None:
    # the GOV.UK final plan's reworded sentence (tests/fixtures/govuk/*wording.json)
    runs = redline_runs(
        "The guideline is clear that graded exercise therapy (GET) must not be offered as a "
        "treatment for ME/CFS, and that any physical activity programme should stay within "
        "the person's energy limits.",
        "The guideline is clear that any increase in physical activity should be personalised "
        "and agreed with the person, as part of a rehabilitation programme led by a specialist "
        "team.",
    )
    assert [kind for kind, _ in runs] == ["=", "-", "+"]
    assert runs[0][1] == "The guideline is clear that "
    assert runs[2][1].startswith("any increase in physical activity should be personalised")
    # while separate small edits keep the words between them
    runs = redline_runs(
        "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS.",
        "Offer the Lightning Process, or programmes based on it, to people with ME/CFS.",
    )
    assert [(k, t.strip()) for k, t in runs] == [
        ("-", "Do not offer"),
        ("+", "Offer"),
        ("=", "the Lightning Process, or"),
        ("-", "therapies"),
        ("+", "programmes"),
        ("=", "based on it, to people with ME/CFS."),
    ]


def test_struck_and_added_words_never_touch(inbox: dict[str, EmailMessage]) -> None:
    _, rich = parts(inbox["nice-polarity"])
    assert re.search(r">Do not offer</del> <ins[^>]*>Offer</ins>", rich), rich


def test_each_sentence_is_its_own_row_so_a_heading_never_merges_into_the_text(
    inbox: dict[str, EmailMessage],
) -> None:
    _, rich = parts(inbox["bacme-get-renamed"])
    assert ">Graded Exercise Therapy?</del>" in rich
    assert ">Graded exercise therapy</del>" in rich


def test_a_sentence_rewritten_whole_is_labelled_removed_and_added(
    inbox: dict[str, EmailMessage],
) -> None:
    _, rich = parts(inbox["bhc-neuroplasticity"])
    removed = re.findall(r"Removed:</span> <del[^>]*>([^<]*)</del>", rich)
    added = re.findall(r"Added:</span> <ins[^>]*>([^<]*)</ins>", rich)
    assert "The evidence for them in ME/CFS is limited and they are not a cure." in removed
    assert "Several of our patients have reported benefit from them." in added
    assert len(removed) == 3 and len(added) == 3


def test_the_surviving_practice_wording_is_shown_in_full(inbox: dict[str, EmailMessage]) -> None:
    plain, rich = parts(inbox["bacme-get-renamed"])
    stayed = "increase your activity by no more than 10-20% at a time."
    assert stayed in flat(plain.split("Wording that stayed:")[1])
    # the wording that survived is the news here: shown at reading size, not as small print
    [paragraph] = [p for p in re.findall(r"<p style=[^>]*>.*?</p>", rich) if stayed in p]
    assert "font-size:13px" not in paragraph.split(">")[0]


# ---------------------------------------------------------------- context a reader needs


def test_a_changed_list_item_comes_with_the_sentence_it_hangs_from(
    inbox: dict[str, EmailMessage],
) -> None:
    plain, rich = parts(inbox["nice-cure"])
    assert "In the list: Do not offer people with ME/CFS:" in plain
    assert plain.index("Do not offer people with ME/CFS:") < plain.index("Was:")
    assert rich.index("Do not offer people with ME/CFS:") < rich.index("<del")


def test_a_pdf_change_links_the_pdf_at_its_page(inbox: dict[str, EmailMessage]) -> None:
    plain, rich = parts(inbox["bacme-get-renamed"])
    link = re.search(r"https?://\S+/BACME-Guide-to-Therapy-2022\.pdf#page=3", plain)
    assert link, plain
    assert f'href="{link.group(0)}"' in rich
    assert "(page 3)" in plain


def test_the_dates_bracket_the_change(inbox: dict[str, EmailMessage]) -> None:
    plain, rich = parts(inbox["nice-cure"])
    line = flat(plain.split("Versions:")[1].split("Stored copy:")[0])
    assert re.fullmatch(
        r"version 1 \(first seen \d+ \w+ \d{4}, last seen \d+ \w+ \d{4}\) → "
        r"version 2 \(first seen \d+ \w+ \d{4}\)",
        line,
    ), line
    assert "last seen" in rich


def test_the_document_is_named_once_and_each_change_by_its_place(
    inbox: dict[str, EmailMessage],
) -> None:
    plain, _ = parts(inbox["bhc-neuroplasticity"])
    assert plain.count("Bateman Horne Center: Clinical Care Guide (page)") == 1
    assert "* Neuroplasticity programs designed for…: no longer says:" in plain


# ---------------------------------------------------------------- several at once


def test_several_changes_open_with_a_list_most_important_first(
    inbox: dict[str, EmailMessage],
) -> None:
    message = inbox["several"]
    plain, rich = parts(message)
    lines = plain.splitlines()
    assert lines[0] == "5 changes in this message, most important first:"
    assert lines[1:3] == [
        '- NICE NG206 1.12.27: reversed: "Do not offer the Lightning Process" →',
        '  "Offer the Lightning Process"',
    ]
    assert message["Subject"].endswith("(and 4 more changes)")
    # the reversal sits in the last topic group, but a reader meets it in the first lines
    assert plain.index("1.12.27") < plain.index("== Topic: rehabilitation ==")
    assert rich.index("1.12.27") < rich.index("Topic: rehabilitation")


def test_one_change_has_no_list_of_changes() -> None:
    text = render_text(Digest(changes=(note(CURE),)))
    assert "in this message" not in text
    assert "in this message" in render_text(Digest(changes=(note(CURE), note(FLIP))))


# ---------------------------------------------------------------- plain text and escaping


def test_plain_text_fits_a_72_column_terminal(inbox: dict[str, EmailMessage]) -> None:
    for name, message in inbox.items():
        plain, _ = parts(message)
        for line in plain.splitlines():
            if len(line) > LIMIT:
                # only a token that cannot be broken (an address) may run past the edge
                assert re.fullmatch(r"\s*(?:PDF at that page:\s*)?\S+", line), (name, line)


def test_every_piece_of_page_text_is_escaped_in_html() -> None:
    nasty = Change(
        section_key="<b>4</b>",
        heading_path=("<i>Heading</i>",),
        kind="modified",
        pages=(2,),
        old_sentences=("Use <script>x()</script> now.",),
        new_sentences=("Use <img src=y> & more now.",),
        terms=("<u>term</u>",),
        surviving=("<s>kept</s>",),
        significance=50,
        lead_in="<marquee>Do not offer:</marquee>",
    )
    rich = render_html(
        Digest(
            changes=(
                note(
                    nasty,
                    title="<em>Doc</em>",
                    document_url='https://x.example/a.pdf?"><script>',
                ),
            )
        )
    )
    for tag in ("<b>", "<i>", "<script", "<img", "<u>", "<s>", "<em>", "<marquee>", 'pdf?"'):
        assert tag not in rich, tag
    assert "&lt;marquee&gt;Do not offer:&lt;/marquee&gt;" in rich


# ---------------------------------------------------------------- lists, terms lost and gained


def test_a_flipped_list_intro_tells_rehabilitation_what_is_now_offered(
    list_flip: EmailMessage,
) -> None:
    assert list_flip["Subject"] == (
        "NICE NG206 1.11.14: reversed: "
        '"Do not offer people with ME/CFS" → "Offer people with ME/CFS"'
    )
    plain, rich = parts(list_flip)
    assert plain.splitlines()[0] == "== Topic: rehabilitation =="
    stayed = flat(plain.split("Wording that stayed:")[1].split("Section:")[0])
    assert "for example, graded exercise therapy (see box 4)" in stayed
    assert "Also on: safeguards" in plain
    assert "graded exercise therapy (see box 4)" in rich


def test_the_list_intro_comes_from_the_change_itself() -> None:
    item = Change(
        section_key="1.11.14",
        heading_path=("1.11 Managing ME/CFS",),
        kind="modified",
        old_sentences=("any therapy as a treatment or cure",),
        new_sentences=("any therapy as a cure",),
        lead_in=LIST_INTRO,
    )
    text = render_text(Digest(changes=(note(item),)))
    assert f"In the list: {LIST_INTRO}" in text
    assert text.index(LIST_INTRO) < text.index("Was:")
    assert "In the list" not in render_text(Digest(changes=(note(CURE),)))


def test_a_rewrite_is_told_by_the_watched_terms_it_lost_and_gained(
    inbox: dict[str, EmailMessage],
) -> None:
    message = inbox["bhc-neuroplasticity"]
    assert message["Subject"].endswith(
        "Bateman Horne Center, Neuroplasticity programs…: no longer says: "
        "post-exertional malaise, PEM stability …; now says: rehabilitation"
    )
    plain, rich = parts(message)
    lost = (
        "No longer says: post-exertional malaise, PEM stability, energy management, pacing, "
        "not curative, supportive adjunct; now says: rehabilitation."
    )
    assert lost in flat(plain) and lost in flat(rich)
    # a small edit is still quoted, not listed by terms
    assert "no longer says" not in inbox["nice-cure"]["Subject"]


def test_a_change_is_filed_under_its_most_relevant_topic(inbox: dict[str, EmailMessage]) -> None:
    plain, _ = parts(inbox["several"])
    rehabilitation = plain.split("== Topic: rehabilitation ==")[1].split("== Topic:")[0]
    safeguards = plain.split("== Topic: safeguards ==")[1]
    assert "Neuroplasticity programs" not in rehabilitation
    assert "Neuroplasticity programs" in safeguards
    assert "Also on: brain-training, rehabilitation" in safeguards


def test_a_term_renamed_away_is_named_even_when_another_term_leads() -> None:
    renamed = Change(
        section_key="4",
        heading_path=("Guide",),
        kind="term-renamed",
        terms=("pacing", "graded exercise therapy"),
        terms_removed=("graded exercise therapy",),
        significance=85,
    )
    assert what(renamed) == '"graded exercise therapy" renamed away, the practice wording stays'

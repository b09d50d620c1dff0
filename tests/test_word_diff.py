"""The redline in alerts: whole phrases struck and added, not alternating single words."""

from __future__ import annotations

from compare.redline import word_diff


def test_one_word_change_keeps_the_context() -> None:
    runs = word_diff("as a treatment or cure for ME/CFS.", "as a cure for ME/CFS.")
    assert [(k, t.strip()) for k, t in runs] == [
        ("=", "as a"),
        ("-", "treatment or"),
        ("=", "cure for ME/CFS."),
    ]


def test_a_replaced_phrase_is_one_removal_and_one_addition() -> None:
    runs = word_diff("What is Graded Exercise Therapy now?", "What is Activity Management now?")
    assert [(k, t.strip()) for k, t in runs] == [
        ("=", "What is"),
        ("-", "Graded Exercise Therapy"),
        ("+", "Activity Management"),
        ("=", "now?"),
    ]


def test_the_runs_rebuild_both_texts() -> None:
    old = "Do not offer the Lightning Process, or therapies based on it, to people with ME/CFS."
    new = "Offer the Lightning Process, or programmes based on it, to people with ME/CFS."
    runs = word_diff(old, new)
    assert "".join(t for k, t in runs if k != "+") == old
    assert "".join(t for k, t in runs if k != "-") == new


def test_changes_command_shows_the_list_a_changed_item_belongs_to() -> None:
    from compare.model import Change
    from guidewatch.cmd_changes import render_change

    change = Change(
        section_key="1.11.14",
        heading_path=("1.11 Managing ME/CFS",),
        kind="modified",
        lead_in="Do not offer people with ME/CFS:",
        old_sentences=("- any therapy as a treatment or cure",),
        new_sentences=("- any therapy as a cure",),
    )
    lines = render_change(change, color=False)
    assert "  in the list: Do not offer people with ME/CFS:" in lines

"""The changes command (recorded changes, one line each), and how the terminal shows a change."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from compare.model import Change
from compare.redline import Markup
from compare.statement import statement_of
from guidewatch.app import App, UserError, emit, parse_when, stamp
from storage import changes as store
from storage import history
from storage.changes import ChangeRow
from storage.db import open_session

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Row

    Version: TypeAlias = Row[Any]  # a versions row, read only

RED_STRIKE = "\x1b[31;9m"
GREEN = "\x1b[32;1m"
DIM = "\x1b[2m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


class _Terminal(Markup):
    """The terminal's redline: ANSI colours, or [-removed-] and {+added+} without them."""

    def __init__(self, *, color: bool) -> None:
        self.color = color

    def removed(self, text: str) -> str:
        return f"{RED_STRIKE}{text}{RESET}" if self.color else f"[-{text}-]"

    def added(self, text: str) -> str:
        return f"{GREEN}{text}{RESET}" if self.color else f"{{+{text}+}}"

    def row(self, label: str, body: str) -> str:
        return super().row(label.lower(), body)


def redline_lines(old: Sequence[str], new: Sequence[str], *, color: bool) -> list[str]:
    """Old → new sentences, one line each: edited in place, or removed or added whole."""
    return _Terminal(color=color).render(old, new)


def render_change(change: Change, *, color: bool) -> list[str]:
    """A change as a few lines of text for the terminal, its statement first."""
    heading = " › ".join(change.heading_path)
    tags = []
    if change.topics:
        tags.append(", ".join(change.topics) + ": " + ", ".join(change.terms))
    if change.polarity_flip:
        tags.append("POLARITY FLIP")
    label = f"[{change.section_key}] {heading}  ({change.kind}, significance {change.significance})"
    lines = [f"{BOLD}{label}{RESET}" if color else label, f"  {statement_of(change)}"]
    if change.patterns:
        lines.append("  practice patterns: " + "; ".join(change.patterns))
    if change.old_section_key:
        lines.append(f"  was [{change.old_section_key}]")
    if tags:
        lines.append("  " + "; ".join(tags))
    if change.lead_in:
        lines.append(f"  in the list: {change.lead_in}")
    if change.old_sentences or change.new_sentences:
        lines += [
            "  " + line
            for line in redline_lines(change.old_sentences, change.new_sentences, color=color)
        ]
    for sentence in change.surviving:
        lines.append(f"  {DIM}= {sentence}{RESET}" if color else f"  = {sentence}")
    return lines


def use_color(choice: str) -> bool:
    """Whether to colour the output: always, never, or auto (on a terminal)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return sys.stdout.isatty()


def cmd_changes(args: argparse.Namespace, app: App) -> int:
    """List recorded changes, newest last, each by its one-line statement."""
    rows, versions = _recorded(args, app)

    def version_of(version_id: int | None) -> Version | None:
        return versions.get(version_id) if version_id is not None else None

    data = []
    changes: list[Change] = []
    for row in rows:
        change = Change.from_dict(row.data())
        changes.append(change)
        data.append(
            _change_dict(
                row, version_of(row.from_version_id), version_of(row.to_version_id), change
            )
        )
    emit(args.json, data, lambda: _render(data, rows, changes, one=args.id is not None))
    return 0


def _recorded(args: argparse.Namespace, app: App) -> tuple[list[ChangeRow], dict[int, Version]]:
    """The changes asked for (one by id, or a filtered list) and the versions they join."""
    since = parse_when(args.since, end_of_day=False) if args.since else None
    with open_session(app.engine) as session:
        if args.id is not None:
            rows = store.get_changes(session=session, ids=[args.id])
            if not rows:
                raise UserError(f"no recorded change {args.id} (see `guidewatch changes --all`)")
        else:
            rows = store.list_changes(
                session=session,
                document_id=args.document,
                since=since,
                topic=args.topic,
                on_topic_only=not args.all,
            )
        ids = {i for row in rows for i in (row.from_version_id, row.to_version_id) if i is not None}
        versions = history.versions_by_id(session=session, ids=ids)
    return rows, versions


def _change_dict(
    row: ChangeRow, old: Version | None, new: Version | None, change: Change
) -> dict[str, Any]:
    """One recorded change as a JSON-ready dict, with the versions it moved between."""
    return {
        "id": row.id,
        "document": row.document_id,
        "from_version": old.number if old else None,
        "from_first_seen_at": old.first_seen_at if old else None,
        "to_version": new.number if new else None,
        "to_first_seen_at": new.first_seen_at if new else None,
        "recorded_at": row.created_at,
        **row.data(),
        "statement": statement_of(change),
    }


def _render(
    data: Sequence[dict[str, Any]],
    rows: Sequence[ChangeRow],
    changes: Sequence[Change],
    *,
    one: bool,
) -> str:
    """The changes for people: a statement and a line of facts each (one asked for: in full)."""
    if not rows:
        return "no recorded changes match"
    lines: list[str] = []
    for item, row, change in zip(data, rows, changes, strict=True):
        versions_moved = f"v{item['from_version']} → v{item['to_version']}"
        topics = ", ".join(row.topic_list()) or "no topic"
        lines.append(statement_of(change))
        lines.append(
            f"  {row.document_id} {row.section_key[:40]} · {versions_moved} · {topics} · "
            f"significance {row.significance} · #{row.id} · {stamp(row.created_at)}"
        )
        if one:
            lines += ["  " + line for line in render_change(change, color=False)]
    if not one:
        lines.append("(one change in full: guidewatch changes --id N)")
    return "\n".join(lines)

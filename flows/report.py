"""What a monitor run shows in the Prefect UI: a redline of what changed, a table of outcomes.

A view only: artifacts can be vacuumed, the database is the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from compare.model import Change
from compare.redline import Markup, edges
from compare.statement import statement_of
from storage import changes as store
from storage import version_store
from storage.db import open_session
from storage.models import NOT_CLEAN

CHANGES_KEY = "guidewatch-changes"
DOCUMENTS_KEY = "guidewatch-documents"
_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_~[]<>#|"})


def load_changes(engine: Engine, results: Sequence[Mapping[str, Any]]) -> dict[str, list[Change]]:
    """Return the changes recorded for each new version in these results, by document id."""
    found: dict[str, list[Change]] = {}
    with open_session(engine) as session:
        for result in results:
            number = result.get("version_number")
            if result.get("outcome") != "new_version" or not number:
                continue
            document_id = str(result["document_id"])
            version = version_store.get_version(
                session=session, document_id=document_id, number=number
            )
            if version is None or version.id is None:
                continue
            rows = store.list_changes(
                session=session,
                document_id=document_id,
                to_version_id=version.id,
                on_topic_only=False,
            )
            found[document_id] = [Change.from_dict(row.data()) for row in rows]
    return found


def _escape(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIALS)


class _Markdown(Markup):
    """Markdown for the run page: removed words struck through, added words in bold."""

    def text(self, text: str) -> str:
        return _escape(text)

    def _mark(self, mark: str, text: str) -> str:
        lead, words, trail = edges(text)
        if not words:
            return _escape(text)
        # markdown wants its marks tight around the words, the spaces outside
        return f"{lead}{mark}{_escape(words)}{mark}{trail}"

    def removed(self, text: str) -> str:
        return self._mark("~~", text)

    def added(self, text: str) -> str:
        return self._mark("**", text)

    def row(self, label: str, body: str) -> str:
        # a line break inside a sentence could start a new list or heading in markdown
        return " ".join(super().row(label, body.strip()).split("\n"))


def redline(change: Change) -> list[str]:
    """Markdown for one change, a line per sentence: edited in place, or removed or added whole."""
    return _Markdown().render(change.old_sentences, change.new_sentences)


def changes_markdown(
    results: Sequence[Mapping[str, Any]], changes: Mapping[str, Sequence[Change]]
) -> str:
    """Summarise a run: each document with a new version, and each change with its redline."""
    new = [r for r in results if r.get("outcome") == "new_version"]
    failed = [r for r in results if r.get("outcome") in NOT_CLEAN]
    lines = [
        "# guidewatch run",
        "",
        f"{len(results)} document(s) checked, {len(new)} with a new version, "
        f"{len(failed)} not checked cleanly.",
    ]
    for result in new:
        document_id = str(result["document_id"])
        found = changes.get(document_id, [])
        lines += ["", f"## {document_id}: version {result.get('version_number')}", ""]
        if result.get("version_number") == 1:
            lines.append("First version kept; nothing to compare with yet.")
            continue
        if not found:
            lines.append("The text changed, but no change survived the noise rules.")
        for change in found:
            topics = f" — topics: {', '.join(change.topics)}" if change.topics else ""
            flip = " — negation flipped" if change.polarity_flip else ""
            heading = " > ".join(change.heading_path) or change.section_key
            lines.append(f"- **[{_escape(change.section_key)}] {_escape(heading)}**")
            lines.append(f"  {_escape(statement_of(change))}")
            lines.append(f"  ({change.kind}{topics}{flip})")
            lines += [f"  - {line}" for line in redline(change)]
    if failed:
        lines += ["", "## Not checked cleanly", ""]
        lines += [
            f"- {r['document_id']}: {r['outcome']} — {_escape(str(r.get('message')))}"
            for r in failed
        ]
    return "\n".join(lines) + "\n"


def outcome_table(results: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One row per document checked: its outcome, version and message."""
    return [
        {
            "document": str(r["document_id"]),
            "outcome": str(r.get("outcome", "")).replace("_", " "),
            "version": str(r.get("version_number") or ""),
            "message": str(r.get("message") or ""),
        }
        for r in results
    ]

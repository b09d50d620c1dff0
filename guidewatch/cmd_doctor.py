"""guidewatch doctor: check every source against the live sites and say what to fix."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from guidewatch.app import App, UserError, emit, table
from guidewatch.doctor import Finding, Robots, diagnose, fixes_file
from guidewatch.monitor import run_once
from guidewatch.sources import DEFAULT_SOURCES, SourcesError
from scrapers.fetch import HttpFetcher

WHAT_CHARS = 50  # the "what" column of the table; a longer message is printed in full below it
FIX_CHARS = 30  # the "fix" column names what to set; the lines to write come at the end


def short(text: str, limit: int) -> str:
    """Text on one line, cut at a word to `limit` characters with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    at_word = cut.rsplit(" ", 1)[0]
    if len(at_word) >= limit * 2 // 3:  # a long word (an address) is cut where it must be
        cut = at_word
    return cut.rstrip(" ,;:(") + "…"


def fix_keys(fix: list[str]) -> str:
    """The settings a fix changes ("selector", "url"), for the table; the lines come below."""
    keys = [line.split("=", 1)[0].strip() for line in fix if "=" in line]
    return short(", ".join(dict.fromkeys(keys)), FIX_CHARS)


def render(findings: list[Finding], fixes: str, own: Path | None = None) -> str:
    """Each document's report, then the verdict table (one short line each), the messages the
    table cut short in full, then the fixes to write."""
    lines: list[str] = []
    for f in findings:
        lines.append(f"== {f.document_id} ({f.kind})")
        lines += [f"  {line}" for line in f.report]
        lines.append("")
    rows = [
        [f.document_id, f.verdict, short(f.summary, WHAT_CHARS), fix_keys(f.fix)] for f in findings
    ]
    lines.append(table(rows, ["document", "verdict", "what", "fix (set; lines below)"]))
    counts = {v: sum(1 for f in findings if f.verdict == v) for v in ("ok", "warning", "broken")}
    lines.append("")
    lines.append(f"{counts['ok']} ok, {counts['warning']} warning, {counts['broken']} broken")
    cut = [f for f in findings if short(f.summary, WHAT_CHARS) != " ".join(f.summary.split())]
    if cut:
        lines += ["", "In full:"] + [f"  {f.document_id}: {f.summary}" for f in cut]
    if fixes and own is not None:  # the user's own file: its tables are edited, not added
        lines += ["", f"Change these lines in {own} (edit a table it already has),"]
        lines += ["then run `guidewatch doctor` again:", "", fixes.rstrip("\n")]
    elif fixes:
        lines += [
            "",
            "Write this in your own sources file (for example my-sources.toml), replacing any",
            "<...> with the address you find on the publisher's site, then run with",
            "`guidewatch --sources my-sources.toml doctor` (or set GUIDEWATCH_SOURCES):",
            "",
            fixes.rstrip("\n"),
        ]
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace, app: App) -> int:
    """Diagnose the chosen documents; store them only with --store."""
    try:
        specs = app.catalog.select([], args.document)
    except SourcesError as error:
        raise UserError(str(error)) from None
    with _fetcher(app) as getter:
        robots = Robots(lambda url: getter.get(url), app.policy().user_agent)
        findings = [diagnose(spec, lambda url: getter.get(url), robots) for spec in specs]
    in_force = Path(app.sources_path or app.settings.sources_path)
    own = None if in_force.resolve() == DEFAULT_SOURCES.resolve() else in_force
    fixes = fixes_file(findings, extends=own is None)
    data: dict[str, Any] = {
        "documents": [f.to_json() for f in findings],
        "fixes": fixes,
        "ok": all(f.verdict != "broken" for f in findings),
    }
    if args.store:
        working = [s for s, f in zip(specs, findings, strict=True) if f.verdict != "broken"]
        summary = run_once(app, working)
        data["stored"] = summary.to_dict()
    emit(args.json, data, lambda: render(findings, fixes, own) + _stored(data))
    return 0 if data["ok"] else 1


@contextmanager
def _fetcher(app: App) -> Iterator[HttpFetcher]:
    """The fetcher a run uses: the same politeness, and the same mirror rewrite if one is set."""
    with app.fetcher() as http:
        yield http


def _stored(data: dict[str, Any]) -> str:
    stored = data.get("stored")
    if not stored:
        return ""
    done = [f"  {d['document_id']}: {d['outcome'].replace('_', ' ')}" for d in stored["documents"]]
    return "\n\nStored (--store):\n" + "\n".join(done)

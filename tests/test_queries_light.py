"""Every query command answers from a stored history without importing Prefect or httpx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from compare.topics import load_topics
from guidewatch.changes import record_changes
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.html import HtmlExtractor
from scrapers.model import DocumentSpec, Fetched
from storage import blobs, fetch_log, repo, version_store
from storage.db import make_engine, migrate, open_session
from storage.models import Fetch

ROOT = Path(__file__).resolve().parent.parent
DOC = "example-guide"
URL = "https://example.org/guide"
HEAVY = ("prefect", "httpx")
SOURCES = f"""
[sources.example]
name = "Example"
homepage = "https://example.org"

[documents.{DOC}]
source = "example"
title = "Example guide"
kind = "html"
url = "{URL}"
"""
PAGES = [
    "Do not offer graded exercise therapy. Pacing is advised.",
    "Offer graded exercise therapy with care. Pacing is advised.",
    "Offer graded exercise therapy. The Lightning Process may help.",
]

# Runs each command in turn, noting its status, whether it printed JSON, and which of the
# heavy packages are loaded once it is done.
RUNNER = """
import contextlib, io, json, sys
from guidewatch.cli import main
report = []
for argv in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    try:
        printed = json.loads(out.getvalue()) not in (None, [], {})
    except ValueError:
        printed = False
    heavy = sorted(m for m in sys.argv[2].split(",") if m in sys.modules)
    report.append([" ".join(argv), status, printed, heavy])
print(json.dumps(report))
"""


def page(text: str) -> bytes:
    """An HTML page the html extractor reads as one section."""
    return (
        "<!doctype html><html><head><title>Example guide</title></head><body><main>"
        f"<h2>Managing ME/CFS</h2><p>{text}</p></main></body></html>"
    ).encode()


def store_history(database_url: str) -> None:
    """Store three versions as the cycle would, recording the changes of the last one only."""
    engine = make_engine(database_url)
    migrate(engine)
    spec = DocumentSpec(id=DOC, source="example", title="Example guide", kind="html", url=URL)
    extractor = HtmlExtractor()
    headers = {"content-type": "text/html; charset=utf-8"}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with open_session(engine) as session:
        repo.upsert_document(
            session=session, id=DOC, source="example", title=spec.title, kind="html", url=URL
        )
        session.flush()
        previous = None
        for month, text in enumerate(PAGES):
            body = page(text)
            seen = start + timedelta(days=30 * month)
            fetched = Fetched(URL, URL, 200, headers, body, "html")
            document = extractor.extract(spec, fetched)
            rows = []
            for at, outcome in ((seen, "new_version"), (seen + timedelta(days=7), "unchanged")):
                rows.append(
                    fetch_log.add_fetch(
                        session=session,
                        fetch=Fetch(
                            document_id=DOC,
                            started_at=at,
                            url=URL,
                            final_url=URL,
                            status=200,
                            headers=json.dumps(headers),
                            body_sha256=blobs.put_blob(session=session, body=body),
                            size=len(body),
                            outcome=outcome,
                        ),
                    )
                )
            version = version_store.add_version(
                session=session,
                document_id=DOC,
                document=document,
                url=URL,
                body_sha256=repo.sha256(body),
                extractor=extractor.kind,
                extractor_version=extractor.version,
                fetch_id=rows[0].id,
                seen_at=seen,
            )
            version.last_seen_at = rows[1].started_at
            for row in rows:
                row.version_id = version.id
                session.add(row)
            session.add(version)
            if month == len(PAGES) - 1:
                record_changes(session, spec, previous, version, topics=load_topics(DEFAULT_TOPICS))
            previous = version
        session.commit()
    engine.dispose()


def test_query_commands_import_neither_prefect_nor_httpx(tmp_path: Path) -> None:
    commands = [
        ["sources"],
        ["history", DOC],
        ["show", DOC],
        ["show", DOC, "--at", "2024-01-05", "--section", "Managing ME/CFS"],
        ["fetches", DOC],
        ["diff", DOC],
        ["changes", "--all"],
        ["alerts"],
        ["replay", DOC, "--all"],
        ["search", "graded exercise therapy"],
        ["timeline"],
        ["evidence", DOC, "--version", "1", "--out", str(tmp_path / "pack.zip")],
        ["report", "--out", str(tmp_path / "site")],
    ]
    env = history_env(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            json.dumps([[*argv, "--json"] for argv in commands]),
            ",".join(HEAVY),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert [row[0].split()[0] for row in report] == [argv[0] for argv in commands]
    for command, status, printed, heavy in report:
        assert (status, printed) == (0, True), (command, result.stderr)
        assert heavy == [], f"{command} imported {heavy}"
    assert (tmp_path / "pack.zip").is_file() and (tmp_path / "site" / "index.html").is_file()


# What a reading command does not need: the page parsers and the sources catalog (bs4 and
# soupsieve cost about a tenth of a second per process), the subscribers file's code; on
# SQLite, PostgreSQL's dialect (7% of a process: a `postgresql_*` option in storage/models.py
# loads it), pydantic-settings (the settings model reads the environment itself), the
# comparison code (`show` prints, it does not compare).
UNUSED_BY_QUERIES = (
    "bs4",
    "soupsieve",
    "guidewatch.sources",
    "alerts.subscribers",
    "sqlalchemy.dialects.postgresql",
    "pydantic_settings",
    "compare.diff",
    *HEAVY,
)
# `--help` needs no settings, database or validation library at all.
UNUSED_BY_HELP = ("guidewatch.settings", "pydantic", "sqlalchemy", "sqlmodel", *UNUSED_BY_QUERIES)
ALONE = """
import contextlib, io, json, sys
from guidewatch.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        status = main(json.loads(sys.argv[1]))
    except SystemExit as done:
        status = done.code
print(json.dumps([status, sorted(m for m in sys.argv[2].split(",") if m in sys.modules)]))
"""


def history_env(tmp_path: Path) -> dict[str, str]:
    """Store the small history under tmp_path; the environment that points commands at it."""
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    data = tmp_path / "data"
    store_history(f"sqlite:///{data / 'guidewatch.db'}")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUIDEWATCH_", "PREFECT_API"))
    }
    return env | {"GUIDEWATCH_DATA_DIR": str(data), "GUIDEWATCH_SOURCES": str(sources)}


def loaded_alone(
    argv: list[str], modules: Sequence[str], env: dict[str, str]
) -> tuple[int, list[str]]:
    """Run one command in a fresh process: its exit status and which of these modules it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", ALONE, json.dumps(argv), ",".join(modules)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    return status, loaded


def test_each_query_command_alone_imports_only_what_it_uses(tmp_path: Path) -> None:
    env = history_env(tmp_path)
    cases = [
        (["--help"], UNUSED_BY_HELP),
        (["history", DOC], UNUSED_BY_QUERIES),
        (["search", "graded exercise therapy"], UNUSED_BY_QUERIES),
        (["show", DOC, "--at", "2024-01-05"], UNUSED_BY_QUERIES),
    ]
    for argv, unused in cases:
        assert loaded_alone(argv, unused, env) == (0, []), argv

"""A run that stores new versions writes the same rows, column for column, as the ORM wrote.

The expected rows (tests/fixtures/rows/new-version-*.json) were recorded by running this same
scenario with the ORM path (storage.models through an ORM session, before the new-version path
moved to SQLAlchemy Core): set GUIDEWATCH_RECORD_ROWS=1 to write them again. Values that differ
from one run to the next (moments, durations, the Date header's offset) are compared by their
form: a moment's text as the database keeps it, with its digits masked.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from guidewatch.app import App
from tests.support.site import FixtureSite, Reply
from tests.support.world import BHC_PAGE_PATH, FIXTURES, NICE_PATH, html, make_app
from tests.test_unchanged_cheap import BHC, NICE, counting, cycle

EXPECTED = FIXTURES / "rows"
TABLES = (
    "documents",
    "header_sets",
    "fetches",
    "versions",
    "section_texts",
    "sections",
    "term_counts",
    "changes",
    "alert_items",
    "alerts",
)
# Columns whose value is not the same from one run to the next: compared by form only.
VARYING = {("fetches", "duration_ms"), ("fetches", "date_offset")}
_DIGITS = re.compile(r"\d")
_PYTHON = re.compile(r"Python/[\d.]+")
_ETAG = re.compile(r'"etag": "[^"\\]*(\\.[^"\\]*)*"')
_MOMENT = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _form(table: str, column: str, value: Any) -> Any:
    """A value as compared: itself, or its form when it varies between runs."""
    if isinstance(value, datetime):
        return f"moment {_DIGITS.sub('9', value.isoformat())} tz={value.utcoffset()}"
    if isinstance(value, str) and _MOMENT.match(value):
        return "moment " + _DIGITS.sub("9", value)
    if table == "header_sets" and column in ("sha256", "headers"):
        # the loopback server names the Python it runs on, and its ETags vary by run
        return "sha256" if column == "sha256" else _ETAG.sub("etag", _PYTHON.sub("Python/x", value))
    if (table, column) in VARYING:
        return None if value is None else type(value).__name__
    if isinstance(value, bytes | memoryview):
        return f"bytes {len(bytes(value))}"
    return value


def _dump(app: App) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables a run writes, in key order, as the database returns them."""
    found: dict[str, list[dict[str, Any]]] = {}
    with app.writable_engine().connect() as connection:
        for table in TABLES:
            order = "fingerprint, text_id" if table == "term_counts" else "1"
            result = connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))  # noqa: S608
            columns = list(result.keys())
            found[table] = [
                {c: _form(table, c, v) for c, v in zip(columns, row, strict=True)} for row in result
            ]
    return found


def _serve(site: FixtureSite, nice: str, bhc: str) -> None:
    site.set(NICE_PATH, html(f"nice/ng206-recommendations-{nice}.html"))
    page = html(f"pages/bhc-orthostatic-intolerance-{bhc}.html")  # served without validators
    site.set(BHC_PAGE_PATH, Reply(body=page.body, headers={"Content-Type": "text/html"}))


def test_a_changed_run_writes_the_rows_the_orm_wrote(
    site: FixtureSite, tmp_path: Path, database_url: str
) -> None:
    app = make_app(site, tmp_path, GUIDEWATCH_DATABASE_URL=database_url)
    outcomes = []
    # first versions; both changed (a change on a topic: changes and alert items); NICE
    # changed again while the BHC page is served the same
    for nice, bhc in (("v1", "v1"), ("v2-cure", "v2"), ("v2-polarity", "v2")):
        _serve(site, nice, bhc)
        outcomes.append(cycle(app))
    assert outcomes == [
        ["new_version", "new_version"],
        ["new_version", "new_version"],
        ["new_version", "unchanged"],
    ]
    rows = _dump(app)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    path = EXPECTED / f"new-version-{backend}.json"
    if os.environ.get("GUIDEWATCH_RECORD_ROWS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    for row in expected["header_sets"]:
        row["headers"] = _form("header_sets", "headers", row["headers"])
    assert rows["changes"] and rows["alert_items"] and rows["term_counts"]
    for table in TABLES:
        assert rows[table] == expected[table], table


def test_a_new_version_costs_few_statements_and_one_commit(
    site: FixtureSite, tmp_path: Path
) -> None:

    app = make_app(site, tmp_path)
    _serve(site, "v1", "v1")
    cycle(app)
    _serve(site, "v2-cure", "v2")  # NICE: one change, on two topics
    with counting(app.writable_engine()) as (statements, commits):
        assert cycle(app) == ["new_version", "new_version"]
    assert commits["commit"] == 2  # one per document
    starts = [i for i, s in enumerate(statements) if s.startswith("SELECT documents.source")]
    nice = statements[starts[0] : starts[1]]
    # declared fields, fetch state, gone mark, previous version; the body (2); a new header
    # set (2); the fetch; the version, its texts (2) and sections; the fetch's version; term
    # counts (2, in a savepoint); the older version's sections, the change and its two alert
    # items (in a savepoint)
    assert len(nice) == 23, nice
    assert not [s for s in nice if s.startswith("SELECT changes")]  # nothing read back
    for table in ("changes", "alert_items", "term_counts"):
        assert len([s for s in nice if s.startswith(f"INSERT INTO {table} ")]) == 1, table
    assert len([s for s in nice if "FROM term_counts" in s or "JOIN term_counts" in s]) == 1
    assert len([s for s in nice if s.startswith("SELECT header_sets.id")]) == 1


def test_a_failed_comparison_keeps_the_version_and_is_queued(
    site: FixtureSite, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comparison that fails after writing (here a statement the database refuses, then an
    error: a bug cannot be had on demand, so queueing the changes' items is replaced) costs
    neither the version nor the rest of the run; the failure is queued as an event."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage import alert_queue

    app = make_app(site, tmp_path, GUIDEWATCH_DATABASE_URL=database_url)
    _serve(site, "v1", "v1")
    cycle(app)

    def broken(*, session: Any, items: Any) -> None:
        try:  # on PostgreSQL this aborts the transaction, but for the savepoint
            session.execute(text("SELECT * FROM no_such_table"))
        except SQLAlchemyError as error:
            raise RuntimeError("comparing broke") from error

    monkeypatch.setattr(alert_queue, "queue_items", broken)
    _serve(site, "v2-cure", "v2")
    assert cycle(app) == ["new_version", "new_version"]
    monkeypatch.undo()
    with app.writable_engine().connect() as connection:
        versions = connection.execute(
            text("SELECT document_id, number, id FROM versions ORDER BY id")
        ).all()
        changes = connection.execute(text("SELECT count(*) FROM changes")).scalar_one()
        items = connection.execute(
            text("SELECT key, kind, fetch_id, payload FROM alert_items ORDER BY id")
        ).all()
        fetches = connection.execute(
            text("SELECT version_id FROM fetches WHERE outcome = 'new_version' ORDER BY id")
        ).scalars()
        pointed = list(fetches)
    assert [(d, n) for d, n, _ in versions] == [(NICE, 1), (BHC, 1), (NICE, 2), (BHC, 2)]
    assert pointed == [v[2] for v in versions]  # each fetch points at the version it brought
    assert changes == 0  # rolled back with the failed comparison
    newest = {d: (i, n) for d, n, i in versions}
    assert [(k, kind) for k, kind, _, _ in items] == [
        (f"compare-failed:{NICE}:{newest[NICE][0]}", "compare-failed"),
        (f"compare-failed:{BHC}:{newest[BHC][0]}", "compare-failed"),
    ]
    detail = json.loads(items[0][3])["detail"]
    assert detail.startswith("version 2 was kept, but comparing it with version 1 failed")
    assert "RuntimeError: comparing broke" in detail

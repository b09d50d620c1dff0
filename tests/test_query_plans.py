"""The fetch-log questions are answered from an index, never by sorting a document's whole log."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine

from storage import fetch_log
from storage.db import open_session


def _plans(engine: Engine, ask: object) -> list[str]:
    """Run `ask(session)` and return the SQLite query plan of every SELECT it made."""
    statements: list[tuple[str, object]] = []

    def grab(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with open_session(engine) as session:
            ask(session)  # type: ignore[operator]
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    plans = []
    with engine.connect() as connection:
        for statement, params in statements:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)  # type: ignore[arg-type]
            plans.append(" | ".join(str(row[3]) for row in rows))
    return plans


def test_confirming_fetches_use_the_version_index(sqlite_engine: Engine) -> None:
    when = datetime(2024, 7, 1, tzinfo=UTC)
    plans = _plans(
        sqlite_engine,
        lambda s: fetch_log.confirming_fetches(session=s, version_id=1, when=when),
    )
    assert len(plans) == 2
    for plan in plans:  # a version's own fetches, sorted: never a scan of the whole log
        assert "ix_fetches_version_id (version_id=?)" in plan


def test_validators_and_last_url_read_the_log_backwards_without_sorting(
    sqlite_engine: Engine,
) -> None:
    plans = _plans(
        sqlite_engine,
        lambda s: (
            fetch_log.validators_for(session=s, document_id="d", url="http://x/"),
            fetch_log.last_url(session=s, document_id="d"),
            fetch_log.fetch_state(session=s, document_id="d", url="http://x/"),
        ),
    )
    assert len(plans) == 3
    for plan in plans:
        assert "ix_fetches_document_started (document_id=?)" in plan
        assert "TEMP B-TREE" not in plan

"""Document events: queued one by one, bounded work on a long fetch log, comparisons that fail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from guidewatch.changes import record_event
from guidewatch.cycle import CheckResult
from storage import fetch_log, repo
from storage.changes import AlertItem
from storage.db import open_session
from storage.models import Fetch
from tests.support.changes import NICE_V1 as PAGE
from tests.support.changes import Keeper, settings_for, spec


def _items(engine: Engine) -> list[AlertItem]:
    with open_session(engine) as session:
        return list(session.exec(select(AlertItem).order_by(col(AlertItem.id))))


def _check(keeper: Keeper, outcome: str, **extra: Any) -> list[str]:
    url = extra.pop("url", None)
    fid = keeper.fetch(outcome, url=url)
    result = CheckResult(keeper.spec.id, outcome, "boom", fetch_id=fid, **extra)
    return record_event(keeper.engine, keeper.spec, result, threshold=3)


def test_an_event_queued_concurrently_does_not_cost_the_other_events(
    engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(PAGE)
    assert [_check(keeper, "failed") for _ in range(3)] == [[], [], ["failing"]]
    [failing] = _items(engine)
    recovered_key = f"recovered:{keeper.spec.id}:{failing.fetch_id}"

    # Another run queues the same "recovered" in the moment between this run deciding to
    # queue it and inserting it: the unique key refuses the second copy.
    done: list[bool] = []

    def other_run_first(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if not done and "INSERT INTO alert_items" in statement and recovered_key in repr(params):
            done.append(True)
            with engine.begin() as other:
                other.execute(
                    insert(AlertItem).values(
                        key=recovered_key,
                        kind="recovered",
                        document_id=keeper.spec.id,
                        payload="{}",
                        created_at=repo.utcnow(),
                    )
                )

    event.listen(engine, "before_cursor_execute", other_run_first)
    try:
        told = _check(
            keeper,
            "unchanged",
            url="http://127.0.0.1:9/new-place",
            moved_from="http://127.0.0.1:9/old-place",
        )
    finally:
        event.remove(engine, "before_cursor_execute", other_run_first)
    assert done, "the concurrent insert never ran"
    assert told == ["moved"]  # the recovery was queued by the other run, the move by this one
    assert [i.kind for i in _items(engine)] == ["failing", "recovered", "moved"]


def test_events_already_queued_are_skipped_and_the_rest_queued(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path))
    keeper.keep(PAGE)
    moved = {"url": "http://127.0.0.1:9/b", "moved_from": "http://127.0.0.1:9/a"}
    assert _check(keeper, "unchanged", **moved) == ["moved"]
    for _ in range(3):
        _check(keeper, "failed")
    assert _check(keeper, "unchanged", **moved) == ["recovered"]  # the move was told before
    assert [i.kind for i in _items(sqlite_engine)] == ["moved", "failing", "recovered"]


def _long_history(keeper: Keeper, runs: Iterator[str]) -> None:
    """Record old fetches (a minute apart, ending an hour ago) in one transaction."""
    outcomes = list(runs)
    start = repo.utcnow() - timedelta(hours=1, minutes=len(outcomes))
    with open_session(keeper.engine) as session:
        repo.upsert_document(
            session=session,
            id=keeper.spec.id,
            source=keeper.spec.source,
            title=keeper.spec.title,
            kind=keeper.spec.kind,
            url=keeper.spec.url,
        )
        session.flush()
        for n, outcome in enumerate(outcomes):
            fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id=keeper.spec.id,
                    started_at=start + timedelta(minutes=n),
                    url=keeper.spec.url,
                    outcome=outcome,
                ),
            )
        session.commit()


def _history(n: int) -> Iterator[str]:
    # Long stretches of success with short failing spells below the threshold.
    for index in range(n):
        yield "failed" if index % 50 in (10, 11) else "unchanged"


def test_failing_on_a_long_history_fires_once_at_the_threshold_and_recovery_once(
    engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    _long_history(keeper, _history(400))
    loaded: list[int] = []

    def count(target: Fetch, context: Any) -> None:
        loaded.append(target.id or 0)

    event.listen(Fetch, "load", count)
    try:
        told = [_check(keeper, "failed") for _ in range(6)]
        per_check = len(loaded) / 6
        told.append(_check(keeper, "unchanged"))
        told.append(_check(keeper, "unchanged"))
        told += [_check(keeper, "failed") for _ in range(2)]
        told.append(_check(keeper, "unchanged"))
        told += [_check(keeper, o) for o in ("failed", "gone", "failed", "suspect", "unchanged")]
    finally:
        event.remove(Fetch, "load", count)
    assert told == [
        [],
        [],
        ["failing"],
        [],
        [],
        [],
        ["recovered"],
        [],
        [],
        [],
        [],
        [],
        ["gone"],  # a gone spell inside a failing run is told (its own key)
        [],
        [],
        ["recovered"],
    ]
    failing = [i for i in _items(engine) if i.kind == "failing"]
    assert "3 runs in a row failed" in failing[0].data()["detail"]
    recovered = [i for i in _items(engine) if i.kind == "recovered"]
    assert "after 6 failed run(s)" in recovered[0].data()["detail"]
    assert "after 4 failed run(s)" in recovered[1].data()["detail"]
    # Each check reads a few rows of the fetch log, not all 400 of them.
    assert per_check <= 4


def test_a_failing_spell_is_counted_from_its_first_fetch_whatever_the_log_before(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path))
    _long_history(keeper, iter(["unchanged"] * 5 + ["failed"] * 2))  # a spell already running
    assert _check(keeper, "suspect") == ["failing"]
    [item] = _items(sqlite_engine)
    with open_session(sqlite_engine) as session:
        log = fetch_log.list_fetches(session=session, document_id=keeper.spec.id)
    spell = [f for f in log if f.outcome in ("failed", "suspect")]
    assert item.fetch_id == spell[-1].id  # the oldest failed fetch of the spell
    assert item.key == f"failing:{keeper.spec.id}:{spell[-1].id}"


def test_gone_is_told_once_per_state_change(engine: Engine, tmp_path: Path) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(PAGE)
    told = [_check(keeper, o) for o in ("gone", "failed", "gone", "gone", "unchanged", "gone")]
    assert told == [["gone"], [], [], [], ["recovered"], ["gone"]]

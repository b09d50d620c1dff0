"""A check stopped by the run stopping (Ctrl-C, TERM) is cancelled: not a failure of the site."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlmodel import select

from guidewatch.changes import make_hooks
from guidewatch.cycle import check_document
from guidewatch.monitor import RunSummary
from scrapers.fetch import HttpFetcher
from storage import fetch_log
from storage.changes import AlertItem
from storage.db import open_session
from tests.support.site import FixtureSite, Reply
from tests.support.world import NICE_PATH, html, make_app

NICE = "nice-ng206-recommendations"


def test_a_check_on_a_closed_client_is_cancelled_and_not_counted(
    site: FixtureSite, tmp_path: Path
) -> None:
    app = make_app(site, tmp_path, GUIDEWATCH_FAILURE_THRESHOLD="1")
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    engine = app.writable_engine()
    spec = app.catalog.document(NICE)
    after_version, after_check = make_hooks(app.settings, engine)
    http = HttpFetcher(app.policy())
    http.close()  # what the flow's stop does to a source's fetcher while its checks run
    fetcher = http  # the policy holds the mirror rules
    result = check_document(spec, engine=engine, fetcher=fetcher, after_version=after_version)
    after_check(spec, result)
    assert result.outcome == "cancelled", result.message
    assert RunSummary(results=[result]).ok
    with open_session(engine) as session:
        assert fetch_log.list_fetches(session=session, document_id=NICE) == []
        assert list(session.exec(select(AlertItem))) == []


def test_a_check_in_flight_when_the_run_stops_is_cancelled(
    site: FixtureSite, tmp_path: Path
) -> None:
    app = make_app(site, tmp_path, GUIDEWATCH_RETRIES="0")
    page = html("nice/ng206-recommendations-v1.html")
    site.set(NICE_PATH, Reply(body=page.body, headers=page.headers, delay=1.5))
    engine = app.writable_engine()
    http = HttpFetcher(app.policy())
    stop = threading.Event()

    def stop_soon() -> None:
        time.sleep(0.5)
        stop.set()
        http.close()

    threading.Thread(target=stop_soon, daemon=True).start()
    result = check_document(
        app.catalog.document(NICE),
        engine=engine,
        fetcher=http,
        stopped=stop.is_set,
    )
    assert result.outcome == "cancelled", result.message
    with open_session(engine) as session:
        outcomes = [f.outcome for f in fetch_log.list_fetches(session=session, document_id=NICE)]
    assert "failed" not in outcomes


def test_a_retry_backoff_ends_at_once_when_the_run_stops(site: FixtureSite, tmp_path: Path) -> None:
    from flows.fetchers import close_fetchers, fetcher_for, stopping

    app = make_app(site, tmp_path, GUIDEWATCH_RETRIES="3")
    site.set(NICE_PATH, Reply(status=503, body=b"busy", headers={"Retry-After": "60"}))
    engine = app.writable_engine()
    spec = app.catalog.document(NICE)
    run_id = "stop-during-backoff"
    fetcher = fetcher_for(app, run_id, spec.source)
    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            check_document(spec, engine=engine, fetcher=fetcher, stopped=lambda: stopping(run_id))
        )
    )
    worker.start()
    time.sleep(1.0)  # the first answer was a 503 asking for 60 s: the fetcher waits now
    began = time.monotonic()
    close_fetchers(run_id)
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert time.monotonic() - began < 3
    assert [r.outcome for r in results] == ["cancelled"]

"""One polite fetcher per source for the length of a flow run, shared by that source's tasks.

Documents of one source run one after another; sharing their fetcher means robots.txt is read
once and the pause between two requests to the same host holds across documents too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from guidewatch.app import App
from guidewatch.cycle import Fetcher
from scrapers.fetch import HttpFetcher

_lock = threading.Lock()
_open: dict[tuple[str, str], HttpFetcher] = {}
_stopping: set[str] = set()
# Set when a run's fetchers close: a pause or a retry backoff in progress ends at once.
_stop_events: dict[str, threading.Event] = {}


def _until(stop: threading.Event) -> Callable[[float], None]:
    """A sleep that ends early when the run stops."""

    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep


def fetcher_for(app: App, run_id: str, source: str) -> Fetcher:
    """Return the fetcher of one source in one run, opening it on first use.

    In mirror mode the fetcher itself rewrites every request (its policy holds the rules).
    """
    with _lock:
        http = _open.get((run_id, source))
        if http is None:
            stop = _stop_events.setdefault(run_id, threading.Event())
            http = _open[(run_id, source)] = HttpFetcher(app.policy(), sleep=_until(stop))
    return http


def stopping(run_id: str) -> bool:
    """Tell whether a run's fetchers were closed: its checks still in flight are cancelled."""
    with _lock:
        return run_id in _stopping


def close_fetchers(run_id: str) -> None:
    """Close every fetcher a run opened (a check still in flight then ends cancelled)."""
    with _lock:
        _stopping.add(run_id)
        _stop_events.setdefault(run_id, threading.Event()).set()
        keys = [key for key in _open if key[0] == run_id]
        fetchers = [_open.pop(key) for key in keys]
    for http in fetchers:
        http.close()


def pause(run_id: str, seconds: float) -> bool:
    """Wait that many seconds, less if the run stops; tell whether it stopped."""
    with _lock:
        stop = _stop_events.setdefault(run_id, threading.Event())
    return stop.wait(seconds)

"""One polite fetcher per source for the length of a flow run, shared by that source's tasks.

Documents of one source run one after another; sharing their fetcher means robots.txt is read
once and the pause between two requests to the same host holds across documents too.
"""

from __future__ import annotations

import threading

from guidewatch.app import App
from guidewatch.cycle import Fetcher
from scrapers.fetch import HttpFetcher

_lock = threading.Lock()
_open: dict[tuple[str, str], HttpFetcher] = {}


def fetcher_for(app: App, run_id: str, source: str) -> Fetcher:
    """Return the fetcher of one source in one run, opening it on first use.

    In mirror mode the fetcher itself rewrites every request (its policy holds the rules).
    """
    with _lock:
        http = _open.get((run_id, source))
        if http is None:
            http = _open[(run_id, source)] = app.fetcher()
    return http


def close_fetchers(run_id: str) -> None:
    """Close every fetcher a run opened."""
    with _lock:
        keys = [key for key in _open if key[0] == run_id]
        fetchers = [_open.pop(key) for key in keys]
    for http in fetchers:
        http.close()

"""The archive client as a command uses it: our fetcher, the archive's pace, the mirror rewrite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from guidewatch.app import App
from guidewatch.archive_settings import ArchiveSettings, archive_settings
from scrapers.wayback import WaybackClient


@contextmanager
def archive_client(
    app: App, settings: ArchiveSettings | None = None, *, retries: int | None = None
) -> Iterator[WaybackClient]:
    """Open a WaybackClient whose every request goes through the project's fetcher.

    The fetcher's per-host pause is replaced by the archive's own pace (searches and
    mementos are paced separately by the client); it waits out 429 and 5xx, honouring
    Retry-After, up to GUIDEWATCH_ARCHIVE_RETRIES times.
    """
    from scrapers.fetch import HttpFetcher

    settings = settings or archive_settings(app.settings)
    tries = settings.retries if retries is None else retries
    policy = replace(app.policy(), pause_seconds=0.0, retries=tries)
    with HttpFetcher(policy) as http:  # in mirror mode it rewrites every request itself
        yield WaybackClient(
            lambda url: http.get(url),
            base_url=settings.base_url,
            search_rate=settings.search_rate,
            memento_rate=settings.memento_rate,
        )

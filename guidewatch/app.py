"""What every command needs: settings, the sources catalog and the database, opened lazily."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from alerts.subscribers import Subscribers
    from compare.topics import TopicSet
    from guidewatch.settings import Settings
    from guidewatch.sources import Catalog
    from scrapers.fetch import FetchPolicy, HttpFetcher

from alerts.dates import stamp as stamp  # the terminal's date format, for the cmd_* modules


class UserError(Exception):
    """A mistake or missing state the user can fix; printed without a traceback."""


def read_topics(path: Path) -> TopicSet:
    """Load the topics file, or a UserError in one line that names it."""
    from compare.topics import TopicsFileError
    from compare.topics import read_topics as read_topics_file

    try:
        return read_topics_file(path)
    except TopicsFileError as error:
        raise UserError(str(error)) from None


def subscribers_in_force(settings: Settings) -> Subscribers:
    """The subscribers in force, or a UserError that says what is wrong with the file."""
    from alerts.subscribers import SubscribersError, load_subscribers

    topics = read_topics(settings.topics_path)
    try:
        return load_subscribers(settings.subscribers_path, settings.mail_to, topics)
    except SubscribersError as error:
        raise UserError(str(error)) from None


def _load_settings() -> Settings:
    """The settings in force (read only once a command runs)."""
    from guidewatch.settings import load_settings

    return load_settings()


@dataclass
class App:
    """Lazily opened settings, catalog and database for one command."""

    settings: Settings = field(default_factory=_load_settings)
    sources_path: str | None = None
    _writable: Engine | None = field(default=None, init=False, repr=False)

    @cached_property
    def catalog(self) -> Catalog:
        """The documents declared in the sources file in force."""
        path = self.settings.sources_path
        if self.sources_path:
            from pathlib import Path

            path = Path(self.sources_path)
        from guidewatch.sources import SourcesError, load_catalog

        try:
            return load_catalog(path)
        except SourcesError as error:
            raise UserError(str(error)) from None

    @cached_property
    def engine(self) -> Engine:
        """The database, which must already exist (queries never create it)."""
        from storage.db import database_exists, make_engine

        engine = make_engine(self.settings.database_url, create_folder=False)
        if not database_exists(engine):
            engine.dispose()
            raise UserError(
                f"no guidewatch database at {self.settings.database_url} yet: "
                "run `guidewatch run` (or `make run`) first"
            )
        return engine

    def writable_engine(self) -> Engine:
        """The database, created and migrated if needed (once per App)."""
        if self._writable is None:
            from storage.db import make_engine, migrate

            engine = make_engine(self.settings.database_url)
            migrate(engine)
            self._writable = engine
        return self._writable

    def fetcher(self) -> HttpFetcher:
        """A polite fetcher on this policy; in mirror mode it rewrites every request it makes."""
        from scrapers.fetch import HttpFetcher

        return HttpFetcher(self.policy())

    def policy(self) -> FetchPolicy:
        """The fetch policy from settings, mirror rules (GUIDEWATCH_REWRITE) included."""
        from scrapers.fetch import FetchPolicy  # httpx is slow to import: only when fetching

        s = self.settings
        return FetchPolicy(
            user_agent=s.user_agent,
            pause_seconds=s.pause_seconds,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            max_bytes=s.max_bytes,
            retries=s.retries,
            respect_robots=s.respect_robots,
            deadline_seconds=s.fetch_deadline,
            rewrites=s.rewrites,
            allow_uncovered=s.rewrite_allow_uncovered,
        )


# The largest number a PostgreSQL integer column holds (SQLite holds more): versions, limits.
MAX_NUMBER = 2**31 - 1


def number(text: str) -> int:
    """An argparse type: a whole number from 1 to MAX_NUMBER (what the database can hold)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"{text} is out of range (1 to {MAX_NUMBER})")
    return value


def parse_when(value: str, *, end_of_day: bool) -> datetime:
    """Parse a date or date-time from the command line (UTC unless it says otherwise).

    A bare date means the start of that day, or with end_of_day its last moment: `--since`
    takes the start, `--until` and `--at` the end.
    """
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"{value!r} is not a date (use YYYY-MM-DD or an ISO date-time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit(as_json: bool, data: Any, render: Callable[[], str]) -> None:
    """Print data as JSON, or as the text that `render` returns."""
    if as_json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=_json_value)
        sys.stdout.write("\n")
    else:
        text = render()
        if text:
            print(text)


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Render rows as a plain aligned text table."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)

"""Settings for the Wayback Machine: backfill and the witness (GUIDEWATCH_ARCHIVE*)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapers.wayback import DEFAULT_ARCHIVE_URL, MEMENTO_RATE, SEARCH_RATE

if TYPE_CHECKING:
    from guidewatch.settings import Settings


@dataclass(frozen=True)
class ArchiveSettings:
    """Where the archive is, how fast to ask it, and whether to ask it to witness changes."""

    witness: bool = False
    base_url: str = DEFAULT_ARCHIVE_URL
    search_rate: float = SEARCH_RATE
    memento_rate: float = MEMENTO_RATE
    retries: int = 6
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)


def archive_settings(s: Settings) -> ArchiveSettings:
    """The GUIDEWATCH_ARCHIVE* part of the one settings model."""
    return ArchiveSettings(
        witness=s.archive,
        base_url=s.archive_url.rstrip("/"),
        search_rate=s.archive_search_rate,
        memento_rate=s.archive_memento_rate,
        retries=s.archive_retries,
        access_key=s.archive_access_key,
        secret_key=s.archive_secret_key,
    )

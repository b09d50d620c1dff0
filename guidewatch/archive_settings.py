"""Settings for the Wayback Machine: backfill and the witness (GUIDEWATCH_ARCHIVE*)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from scrapers.wayback import DEFAULT_ARCHIVE_URL, MEMENTO_RATE, SEARCH_RATE


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


def _on(value: str) -> bool:
    return value.strip().lower() in ("1", "on", "yes", "true")


def load_archive_settings(env: Mapping[str, str] | None = None) -> ArchiveSettings:
    """Read GUIDEWATCH_ARCHIVE* from the environment."""
    env = os.environ if env is None else env
    return ArchiveSettings(
        witness=_on(env.get("GUIDEWATCH_ARCHIVE", "off")),
        base_url=env.get("GUIDEWATCH_ARCHIVE_URL", DEFAULT_ARCHIVE_URL).rstrip("/"),
        search_rate=float(env.get("GUIDEWATCH_ARCHIVE_SEARCH_RATE", str(SEARCH_RATE))),
        memento_rate=float(env.get("GUIDEWATCH_ARCHIVE_MEMENTO_RATE", str(MEMENTO_RATE))),
        retries=int(env.get("GUIDEWATCH_ARCHIVE_RETRIES", "6")),
        access_key=env.get("GUIDEWATCH_ARCHIVE_ACCESS_KEY") or None,
        secret_key=env.get("GUIDEWATCH_ARCHIVE_SECRET_KEY") or None,
    )

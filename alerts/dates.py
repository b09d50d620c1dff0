"""Dates for people, written once: the email, the report and the terminal all use these (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def day(moment: datetime | None, *, missing: str = "-", padded: bool = False) -> str:
    """A day as "2 Sep 2025" ("02 Sep 2025" when `padded`), `missing` when unknown."""
    if moment is None:
        return missing
    utc = moment.astimezone(UTC)
    return f"{utc.day:02d} {utc:%b %Y}" if padded else f"{utc.day} {utc:%b %Y}"


def utc_date(moment: datetime) -> str:
    """The UTC day of a moment as "2025-09-02", the date part of `stamp`."""
    return moment.astimezone(UTC).date().isoformat()  # strftime costs more in long tables


def iso(moment: datetime | None, *, missing: str = "") -> str:
    """An ISO date-time to the second, for machines (`missing` when unknown)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else missing


def stamp(moment: datetime | None, *, missing: str = "-") -> str:
    """A date and minute for a table in the terminal, "2025-09-02 14:05 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else missing

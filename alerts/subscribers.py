"""Subscribers: who follows what, on which channels, how often; read from a TOML file.

    [subscribers.ana]
    email = "ana@example.org"            # and/or
    apprise = ["ntfys://ntfy.example.org/${NTFY_TOPIC}"]   # any Apprise URL; ${VAR}: from env
    topics = ["rehabilitation"]          # each list given narrows what they get (all: AND)
    documents = ["nice-ng206-recommendations"]
    sources = ["nice"]
    frequency = "daily"                  # "at-once" (default), "daily" or "weekly"
    time = "08:00"                       # when a daily or weekly digest is due
    day = "monday"                       # the weekly digest's day
    timezone = "Europe/London"           # of `time` (default)

A channel is named in the database by its URL as written (the ${VAR} left in), so secrets
stay in the environment and never reach the outbox, the logs or `guidewatch subscribers`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compare.model import Topic

FREQUENCIES = ("at-once", "daily", "weekly")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_ZONE = "Europe/London"
MAIL_TO_NAME = "mail-to"  # the subscriber GUIDEWATCH_MAIL_TO stands for
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {
    "email",
    "apprise",
    "topics",
    "documents",
    "sources",
    "frequency",
    "time",
    "day",
    "timezone",
}


class SubscribersError(ValueError):
    """The subscribers file cannot be used (says which subscriber and field)."""


@dataclass(frozen=True)
class Channel:
    """Where one subscriber's messages go: an email address or an Apprise URL."""

    kind: str  # "email" or "apprise"
    target: str  # the address, or the URL as written (${VAR} unexpanded)

    @property
    def label(self) -> str:
        """The channel's name in the outbox (no secret in it)."""
        return f"mailto:{self.target}" if self.kind == "email" else self.target

    def url(self, env: Mapping[str, str] | None = None) -> str:
        """The Apprise URL with its ${VAR}s filled from the environment."""
        env = os.environ if env is None else env

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if not env.get(name):
                raise SubscribersError(f"channel {self.target!r} needs {name} in the environment")
            return env[name]

        return _VAR.sub(fill, self.target)

    def secrets(self, env: Mapping[str, str] | None = None) -> list[str]:
        """The values of the ${VAR}s in this channel (to scrub from error messages)."""
        env = os.environ if env is None else env
        return [env[n] for n in _VAR.findall(self.target) if env.get(n)]


@dataclass(frozen=True)
class Subscriber:
    """One reader (or group): channels, what they follow, and how often they hear."""

    name: str
    channels: tuple[Channel, ...]
    topics: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    frequency: str = "at-once"
    at: time = time(8, 0)
    day: str = "monday"
    timezone: str = DEFAULT_ZONE

    def follows(self, *, kind: str, topic: str | None, document: str, source: str) -> bool:
        """Whether an item is theirs: every list they gave must match (events: no topic)."""
        if self.documents and document not in self.documents:
            return False
        if self.sources and source not in self.sources:
            return False
        if kind == "change" and self.topics:
            return topic in self.topics
        return True

    def last_due(self, now: datetime) -> datetime:
        """The latest moment at or before `now` when a digest was due; items queued before it
        go in the digest (at once: now)."""
        if self.frequency == "at-once":
            return now
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        due = datetime.combine(local.date(), self.at, tzinfo=zone)
        if self.frequency == "daily":
            return due if due <= local else due - timedelta(days=1)
        back = (local.weekday() - DAYS.index(self.day)) % 7
        due -= timedelta(days=back)
        return due if due <= local else due - timedelta(days=7)

    def schedule(self) -> str:
        """How often, in words ("daily at 08:00 Europe/London")."""
        if self.frequency == "at-once":
            return "at once"
        when = f"at {self.at:%H:%M} {self.timezone}"
        if self.frequency == "weekly":
            return f"weekly on {self.day.capitalize()} {when}"
        return f"daily {when}"

    def following(self) -> str:
        """What they follow, in words."""
        parts = [
            f"{label}: {', '.join(values)}"
            for label, values in (
                ("topics", self.topics),
                ("documents", self.documents),
                ("sources", self.sources),
            )
            if values
        ]
        return "; ".join(parts) or "every topic and document"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, channels by their labels (no secrets)."""
        return {
            "name": self.name,
            "channels": [{"kind": c.kind, "channel": c.label} for c in self.channels],
            "topics": list(self.topics),
            "documents": list(self.documents),
            "sources": list(self.sources),
            "frequency": self.frequency,
            "time": f"{self.at:%H:%M}",
            "day": self.day if self.frequency == "weekly" else None,
            "timezone": self.timezone,
            "schedule": self.schedule(),
        }


@dataclass(frozen=True)
class Subscribers:
    """Everyone to tell, from the file plus GUIDEWATCH_MAIL_TO."""

    subscribers: tuple[Subscriber, ...] = field(default_factory=tuple)

    def by_name(self, name: str) -> Subscriber | None:
        """One subscriber by name."""
        return next((s for s in self.subscribers if s.name == name), None)


def _strings(name: str, key: str, value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise SubscribersError(f"subscriber {name!r}: {key} must be a list of strings")
    return tuple(str(v).strip() for v in items)


def _time(name: str, value: object) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise SubscribersError(f"subscriber {name!r}: time must be HH:MM, not {value!r}") from None


def parse_subscriber(name: str, data: Mapping[str, Any]) -> Subscriber:
    """One subscriber from its TOML table."""
    if not _NAME.match(name):
        raise SubscribersError(f"subscriber name {name!r}: use letters, digits, '.', '_', '-'")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SubscribersError(f"subscriber {name!r}: unknown field(s) {', '.join(unknown)}")
    channels = [Channel("email", a) for a in _strings(name, "email", data.get("email", []))]
    for address in (c.target for c in channels):
        if "@" not in address or "${" in address:
            raise SubscribersError(f"subscriber {name!r}: {address!r} is not an email address")
    for url in _strings(name, "apprise", data.get("apprise", [])):
        if "://" not in url:
            raise SubscribersError(f"subscriber {name!r}: {url!r} is not an Apprise URL")
        channels.append(Channel("apprise", url))
    if not channels:
        raise SubscribersError(f"subscriber {name!r} has no email and no apprise channel")
    frequency = str(data.get("frequency", "at-once")).lower()
    if frequency in ("immediate", "immediately", "at once"):
        frequency = "at-once"
    if frequency not in FREQUENCIES:
        raise SubscribersError(
            f"subscriber {name!r}: frequency must be one of {', '.join(FREQUENCIES)}, "
            f"not {frequency!r}"
        )
    day = str(data.get("day", "monday")).lower()
    if day not in DAYS:
        raise SubscribersError(f"subscriber {name!r}: day must be a weekday name, not {day!r}")
    zone = str(data.get("timezone", DEFAULT_ZONE))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SubscribersError(f"subscriber {name!r}: unknown timezone {zone!r}") from None
    return Subscriber(
        name=name,
        channels=tuple(dict.fromkeys(channels)),
        topics=_strings(name, "topics", data.get("topics", [])),
        documents=_strings(name, "documents", data.get("documents", [])),
        sources=_strings(name, "sources", data.get("sources", [])),
        frequency=frequency,
        at=_time(name, data.get("time", "08:00")),
        day=day,
        timezone=zone,
    )


def parse_subscribers(data: Mapping[str, Any]) -> tuple[Subscriber, ...]:
    """Every subscriber of a parsed file."""
    table = data.get("subscribers", {})
    if not isinstance(table, dict):
        raise SubscribersError("the file must hold [subscribers.NAME] tables")
    unknown = sorted(set(data) - {"subscribers"})
    if unknown:
        raise SubscribersError(f"unknown top-level key(s) {', '.join(unknown)}")
    return tuple(parse_subscriber(name, entry) for name, entry in table.items())


def load_subscribers(
    path: Path | None, mail_to: Sequence[str] = (), topics: Sequence[Topic] = ()
) -> Subscribers:
    """The subscribers file (if any), GUIDEWATCH_MAIL_TO as subscriber "mail-to", and each
    topic's recipients (topics file) as subscriber "topic-NAME" following that topic."""
    found: list[Subscriber] = []
    if path is not None:
        try:
            with open(path, "rb") as handle:
                found = list(parse_subscribers(tomllib.load(handle)))
        except OSError as error:
            raise SubscribersError(f"cannot read subscribers file {path}: {error}") from None
        except tomllib.TOMLDecodeError as error:
            raise SubscribersError(f"subscribers file {path}: {error}") from None
    if mail_to and not any(s.name == MAIL_TO_NAME for s in found):
        channels = tuple(Channel("email", a) for a in dict.fromkeys(mail_to))
        found.append(Subscriber(name=MAIL_TO_NAME, channels=channels))
    for topic in topics:
        name = f"topic-{topic.name}"
        if topic.recipients and not any(s.name == name for s in found):
            channels = tuple(Channel("email", a) for a in dict.fromkeys(topic.recipients))
            found.append(Subscriber(name=name, channels=channels, topics=(topic.name,)))
    return Subscribers(tuple(found))

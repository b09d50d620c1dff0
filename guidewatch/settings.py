"""Settings from GUIDEWATCH_* environment variables, declared once in a frozen dataclass.

A new setting is one annotated field of Settings made by `setting(default, description, limits)`;
its variable is GUIDEWATCH_ and the field's name in capitals, unless ENV_NAMES says otherwise.
Settings checks and converts every value itself, defaults too (strings from the environment
to the field's type, limits such as ge=0, no NaN or infinity), with the messages pydantic gave:
the standard library only, so no command pays 50-70 ms for importing pydantic to read them.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from scrapers.rewrite import Rewrites, parse_rewrites
from scrapers.wayback import DEFAULT_ARCHIVE_URL, MEMENTO_RATE, SEARCH_RATE

PACKAGE_DIR = Path(__file__).parent
DEFAULT_TOPICS = PACKAGE_DIR / "topics.toml"
DEFAULT_SOURCES = PACKAGE_DIR / "sources.toml"
DEFAULT_CONTACT = "guidewatch-operator@example.org"
DEFAULT_DATA_DIR = "data"
VERSION = "0.1.0"
PREFIX = "GUIDEWATCH_"
# Fields whose variable is not GUIDEWATCH_ + the field's name in capitals.
ENV_NAMES = {
    "sources_path": "GUIDEWATCH_SOURCES",
    "topics_path": "GUIDEWATCH_TOPICS",
    "rewrites": "GUIDEWATCH_REWRITE",
    "subscribers_path": "GUIDEWATCH_SUBSCRIBERS",
}

log = logging.getLogger("guidewatch.settings")


class SettingsError(ValueError):
    """A GUIDEWATCH_* variable holds a value guidewatch cannot use; the message names it."""


class _Invalid(SettingsError):
    """One field's value refused: which field, and what is wrong (load_settings adds the value)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{env_name(field_name)}: {message}")
        self.field_name = field_name
        self.message = message


def setting(
    default: Any,
    description: str = "",
    *,
    secret: bool = False,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
) -> Any:
    """One setting's default, description and limits, said once (a dataclasses.field)."""
    limits = {"ge": ge, "gt": gt, "le": le, "min_length": min_length}
    metadata = {"description": description} | {k: v for k, v in limits.items() if v is not None}
    return field(default=default, repr=not secret, metadata=metadata)  # a secret: not in repr


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a run needs to know that is not in the sources or topics files."""

    data_dir: Path = setting(Path(DEFAULT_DATA_DIR), "where the SQLite database lives")
    database_url: str = setting("", "sqlite:///<data dir>/guidewatch.db when empty")
    sources_path: Path = setting(DEFAULT_SOURCES, "the sources file")
    topics_path: Path = setting(DEFAULT_TOPICS, "the topics file")
    contact: str = setting(DEFAULT_CONTACT, "sent in the User-Agent", min_length=1)
    pause_seconds: float = setting(5.0, "pause between requests to one host", ge=0)
    connect_timeout: float = setting(10.0, "seconds", gt=0)
    read_timeout: float = setting(30.0, "seconds", gt=0)
    max_bytes: int = setting(50 * 1024 * 1024, "size cap for one body", gt=0)
    retries: int = setting(3, "retries on errors worth retrying", ge=0, le=20)
    respect_robots: bool = setting(True, "honour robots.txt")
    rewrites: Rewrites = setting((), "LIVE=MIRROR;... prefix pairs (a mirror)")
    rewrite_allow_uncovered: bool = setting(False, "fetch uncovered addresses live")
    fetch_deadline: float = setting(300.0, "seconds for one whole fetch", gt=0)
    smtp_host: str | None = setting(None, "the mail server; none: alerts wait")
    smtp_port: int = setting(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = setting("starttls")
    smtp_user: str | None = setting(None)
    smtp_password: str | None = setting(None, secret=True)
    smtp_ca_file: Path | None = setting(None)
    mail_from: str = setting("guidewatch@localhost", min_length=1)
    mail_to: tuple[str, ...] = setting((), "comma-separated recipients")
    failure_threshold: int = setting(3, "failed runs in a row before an alert", ge=1)
    retry_delay_seconds: float = setting(120.0, "between a Prefect task's tries", ge=0)
    prefect_port: int = setting(4200, "make run's Prefect server", ge=1, le=65535)
    workers: int = setting(2, "how many workers `make run-postgres` starts", ge=1)
    archive: bool = setting(False, "ask the Wayback Machine to witness new versions")
    archive_url: str = setting(DEFAULT_ARCHIVE_URL, "the archive", min_length=1)
    archive_search_rate: float = setting(SEARCH_RATE, "searches a second", ge=0)
    archive_memento_rate: float = setting(MEMENTO_RATE, "mementos a second", ge=0)
    archive_retries: int = setting(6, "retries per archive request", ge=0, le=20)
    archive_access_key: str | None = setting(None)
    archive_secret_key: str | None = setting(None, secret=True)
    report_url: str | None = setting(None, "where `report` is served (feed links)")
    subscribers_path: Path | None = setting(None, "the subscribers file")
    mail_unsubscribe: str | None = setting(None, "gets unsubscribe mail (mail_from)")

    def __post_init__(self) -> None:
        """Convert and check every field in declaration order; the first problem is raised."""
        for spec in dataclasses.fields(self):
            value = _checked(spec, getattr(self, spec.name))
            object.__setattr__(self, spec.name, value)
        if not self.database_url:
            url = f"sqlite:///{self.data_dir / 'guidewatch.db'}"
            object.__setattr__(self, "database_url", url)

    @property
    def user_agent(self) -> str:
        """The User-Agent sent with every request: the project and a contact."""
        return f"guidewatch/{VERSION} (+mailto:{self.contact}; ME/CFS guidance monitor)"


SECRETS = tuple(f.name for f in dataclasses.fields(Settings) if not f.repr)  # never echoed


def env_name(field_name: str) -> str:
    """The environment variable that sets a Settings field."""
    return ENV_NAMES.get(field_name, PREFIX + field_name.upper())


def default_of(field_name: str) -> Any:
    """A field's declared default, as written in Settings (before conversion)."""
    return Settings.__dataclass_fields__[field_name].default


def settings_from(values: Mapping[str, Any]) -> Settings:
    """Settings from field names and values; an unknown name is refused, with the close match."""
    names = [f.name for f in dataclasses.fields(Settings)]
    for name in values:
        if name not in names:
            close = get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingsError(f"{env_name(name)}: unknown setting{hint}")
    return Settings(**values)


# Converting one value -----------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_NOT_INT = "Input should be a valid integer, unable to parse string as an integer"
_NOT_NUMBER = "Input should be a valid number, unable to parse string as a number"


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            raise ValueError(_NOT_INT)
        return int(text.partition(".")[0])
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("Input should be a valid integer, got a number with a fractional part")
        return int(value)
    if isinstance(value, int):
        return int(value)
    raise ValueError("Input should be a valid integer")


def _to_float(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            raise ValueError(_NOT_NUMBER)
        try:
            number = float(text)
        except ValueError:
            raise ValueError(_NOT_NUMBER) from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise ValueError("Input should be a valid number")
    if not math.isfinite(number):
        raise ValueError("Input should be a finite number")
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError("Input should be a valid boolean, unable to interpret input")
    raise ValueError("Input should be a valid boolean")


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    return value


def _to_path(value: Any) -> Path:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise ValueError("Input is not a valid path")


def _to_addresses(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split(",") if a.strip())
    if isinstance(value, list | tuple):
        return tuple(_to_str(item) for item in value)
    raise ValueError("Input should be a valid tuple")


def _to_rewrites(value: Any) -> Rewrites:
    if isinstance(value, str):
        return parse_rewrites(value)
    if isinstance(value, list | tuple) and all(
        isinstance(rule, list | tuple) and len(rule) == 2 for rule in value
    ):
        return tuple((_to_str(old), _to_str(new)) for old, new in value)
    raise ValueError("Input should be LIVE_PREFIX=MIRROR_PREFIX pairs")


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    said = [repr(c) for c in choices]
    expected = ", ".join(said[:-1]) + f" or {said[-1]}" if len(said) > 1 else said[0]

    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"Input should be {expected}")
        return str(value)

    return convert


_BY_TYPE: dict[Any, Callable[[Any], Any]] = {
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    str: _to_str,
    Path: _to_path,
}
# By field name: a field's type alone does not say how its string is written.
_BY_NAME: dict[str, Callable[[Any], Any]] = {
    "mail_to": _to_addresses,
    "rewrites": _to_rewrites,
}
_AFTER: dict[str, Callable[[Any], Any]] = {
    "data_dir": lambda path: path.expanduser().resolve(),  # absolute, as the database's home
    "smtp_ca_file": lambda path: path.expanduser() if path else None,
    "subscribers_path": lambda path: path.expanduser() if path else None,
}


@cache
def _converters() -> dict[str, tuple[Callable[[Any], Any], bool]]:
    """How to convert each field's value, and whether it may be None (from its annotation)."""
    found = {}
    for name, hint in get_type_hints(Settings).items():
        args = get_args(hint)
        optional = get_origin(hint) in (Union, types.UnionType) and type(None) in args
        if optional:
            (hint,) = (arg for arg in args if arg is not type(None))
        if name in _BY_NAME:
            found[name] = (_BY_NAME[name], optional)
        elif get_origin(hint) is Literal:
            found[name] = (_one_of(get_args(hint)), optional)
        else:
            found[name] = (_BY_TYPE[hint], optional)
    return found


def _checked(spec: dataclasses.Field[Any], value: Any) -> Any:
    """One field's value converted to its type and checked against its limits."""
    convert, optional = _converters()[spec.name]
    try:
        if value is None and optional:
            return None
        value = convert(value)
        _check_limits(value, spec.metadata)
        after = _AFTER.get(spec.name)
        return after(value) if after else value
    except ValueError as error:
        raise _Invalid(spec.name, str(error)) from None


def _check_limits(value: Any, limits: Mapping[str, Any]) -> None:
    """Raise ValueError, worded as pydantic words it, if value is outside its field's limits."""
    if "ge" in limits and not value >= limits["ge"]:
        raise ValueError(f"Input should be greater than or equal to {limits['ge']}")
    if "gt" in limits and not value > limits["gt"]:
        raise ValueError(f"Input should be greater than {limits['gt']}")
    if "le" in limits and not value <= limits["le"]:
        raise ValueError(f"Input should be less than or equal to {limits['le']}")
    least = limits.get("min_length")
    if least is not None and len(value) < least:
        plural = "" if least == 1 else "s"
        raise ValueError(f"String should have at least {least} character{plural}")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the GUIDEWATCH_* variables (an empty one counts as unset).

    Raise SettingsError with one line naming the variable; warn about unknown GUIDEWATCH_*
    names (a typo would otherwise be silently ignored).
    """
    env = os.environ if env is None else env
    by_name = {env_name(f.name): f.name for f in dataclasses.fields(Settings)}
    values: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name, value in env.items():
        if not name.startswith(PREFIX):
            continue
        field_name = by_name.get(name)
        if field_name is None:
            close = get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            log.warning("unknown setting %s is ignored%s", name, hint)
        elif value.strip():
            values[field_name] = value.strip() if field_name not in SECRETS else value
            raw[name] = value
    try:
        return Settings(**values)  # type: ignore[arg-type]  # strings, converted by Settings
    except _Invalid as error:
        name = env_name(error.field_name)
        if name in raw and error.field_name not in SECRETS:
            raise SettingsError(f"{name}={raw[name]!r} is not valid: {error.message}") from None
        raise SettingsError(f"{name}: {error.message}") from None

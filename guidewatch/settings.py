"""Settings from GUIDEWATCH_* environment variables, declared once in a pydantic model.

A new setting is one annotated field of Settings with its default and a `Field(description)`;
its variable is GUIDEWATCH_ and the field's name in capitals, unless ENV_NAMES says otherwise.
load_settings reads the environment itself (one pass over GUIDEWATCH_*), so the model is a plain
pydantic model: pydantic-settings, whose import costs every command 10-20 ms, is not needed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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

SECRETS = ("smtp_password", "archive_secret_key")  # never echoed in an error

log = logging.getLogger("guidewatch.settings")


class SettingsError(ValueError):
    """A GUIDEWATCH_* variable holds a value guidewatch cannot use; the message names it."""


class Settings(BaseModel):
    """Everything a run needs to know that is not in the sources or topics files."""

    # As pydantic-settings configured it: defaults validated too (data_dir made absolute).
    model_config = ConfigDict(
        frozen=True,
        allow_inf_nan=False,
        extra="forbid",
        validate_default=True,
        arbitrary_types_allowed=True,
    )

    data_dir: Path = Field(Path(DEFAULT_DATA_DIR), description="where the SQLite database lives")
    database_url: str = Field("", description="sqlite:///<data dir>/guidewatch.db when empty")
    sources_path: Path = Field(DEFAULT_SOURCES, description="the sources file")
    topics_path: Path = Field(DEFAULT_TOPICS, description="the topics file")
    contact: str = Field(DEFAULT_CONTACT, min_length=1, description="sent in the User-Agent")
    pause_seconds: float = Field(5.0, ge=0, description="pause between requests to one host")
    connect_timeout: float = Field(10.0, gt=0, description="seconds")
    read_timeout: float = Field(30.0, gt=0, description="seconds")
    max_bytes: int = Field(50 * 1024 * 1024, gt=0, description="size cap for one body")
    retries: int = Field(3, ge=0, le=20, description="retries on errors worth retrying")
    respect_robots: bool = Field(True, description="honour robots.txt")
    rewrites: Rewrites = Field((), description="LIVE=MIRROR;... prefix pairs (a mirror)")
    rewrite_allow_uncovered: bool = Field(False, description="fetch uncovered addresses live")
    fetch_deadline: float = Field(300.0, gt=0, description="seconds for one whole fetch")
    smtp_host: str | None = Field(None, description="the mail server; none: alerts wait")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    smtp_ca_file: Path | None = None
    mail_from: str = Field("guidewatch@localhost", min_length=1)
    mail_to: tuple[str, ...] = Field((), description="comma-separated recipients")
    failure_threshold: int = Field(3, ge=1, description="failed runs in a row before an alert")
    retry_delay_seconds: float = Field(120.0, ge=0, description="between a Prefect task's tries")
    prefect_port: int = Field(4200, ge=1, le=65535, description="make run's Prefect server")
    workers: int = Field(2, ge=1, description="how many workers `make run-postgres` starts")
    archive: bool = Field(False, description="ask the Wayback Machine to witness new versions")
    archive_url: str = Field(DEFAULT_ARCHIVE_URL, min_length=1, description="the archive")
    archive_search_rate: float = Field(SEARCH_RATE, ge=0, description="searches a second")
    archive_memento_rate: float = Field(MEMENTO_RATE, ge=0, description="mementos a second")
    archive_retries: int = Field(6, ge=0, le=20, description="retries per archive request")
    archive_access_key: str | None = None
    archive_secret_key: str | None = Field(None, repr=False)
    report_url: str | None = Field(None, description="where `report` is served (feed links)")
    subscribers_path: Path | None = Field(None, description="the subscribers file")
    mail_unsubscribe: str | None = Field(None, description="gets unsubscribe mail (mail_from)")

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url"):
            folder = Path(data.get("data_dir") or DEFAULT_DATA_DIR).expanduser().resolve()
            data = {**data, "database_url": f"sqlite:///{folder / 'guidewatch.db'}"}
        return data

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("smtp_ca_file", "subscribers_path", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value else None

    @field_validator("mail_to", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(a.strip() for a in value.split(",") if a.strip())
        return value

    @field_validator("rewrites", mode="before")
    @classmethod
    def _rewrites(cls, value: Any) -> Any:
        return parse_rewrites(value) if isinstance(value, str) else value

    @property
    def user_agent(self) -> str:
        """The User-Agent sent with every request: the project and a contact."""
        return f"guidewatch/{VERSION} (+mailto:{self.contact}; ME/CFS guidance monitor)"


def env_name(field: str) -> str:
    """The environment variable that sets a Settings field."""
    return ENV_NAMES.get(field, PREFIX + field.upper())


def _one_line(error: ValidationError, raw: Mapping[str, str]) -> str:
    """The first problem, naming the variable and the value it holds."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    name = env_name(field) if field else "settings"
    message = str(first["msg"]).removeprefix("Value error, ")
    if name in raw and field not in SECRETS:
        return f"{name}={raw[name]!r} is not valid: {message}"
    return f"{name}: {message}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the GUIDEWATCH_* variables (an empty one counts as unset).

    Raise SettingsError with one line naming the variable; warn about unknown GUIDEWATCH_*
    names (a typo would otherwise be silently ignored).
    """
    env = os.environ if env is None else env
    by_name = {env_name(field): field for field in Settings.model_fields}
    values: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name, value in env.items():
        if not name.startswith(PREFIX):
            continue
        field = by_name.get(name)
        if field is None:
            close = get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            log.warning("unknown setting %s is ignored%s", name, hint)
        elif value.strip():
            values[field] = value.strip() if field not in SECRETS else value
            raw[name] = value
    try:
        return Settings(**values)  # type: ignore[arg-type]  # strings, validated by the model
    except ValidationError as error:
        raise SettingsError(_one_line(error, raw)) from None

"""Settings from the environment, with embedded defaults (SQLite under ./data)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scrapers.rewrite import Rewrites, live_url, mirror_url, parse_rewrites

__all__ = ["Rewrites", "Settings", "live_url", "load_settings", "mirror_url"]

PACKAGE_DIR = Path(__file__).parent
DEFAULT_TOPICS = PACKAGE_DIR / "topics.toml"
DEFAULT_CONTACT = "guidewatch-operator@example.org"
VERSION = "0.1.0"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know that is not in the sources or topics files."""

    data_dir: Path
    database_url: str
    sources_path: Path
    topics_path: Path
    contact: str
    pause_seconds: float = 5.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    respect_robots: bool = True
    rewrites: Rewrites = ()
    rewrite_allow_uncovered: bool = False
    fetch_deadline: float = 300.0
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_ca_file: Path | None = None
    mail_from: str = "guidewatch@localhost"
    mail_to: tuple[str, ...] = ()
    failure_threshold: int = 3
    report_url: str | None = None  # where `guidewatch report` is served (feeds' own links)
    subscribers_path: Path | None = None  # the subscribers file; None: MAIL_TO and topics only
    mail_unsubscribe: str | None = None  # who handles "unsubscribe" mail (default: mail_from)

    @property
    def user_agent(self) -> str:
        """The User-Agent sent with every request: the project and a contact."""
        return f"guidewatch/{VERSION} (+mailto:{self.contact}; ME/CFS guidance monitor)"

    def rewrite(self, url: str) -> str:
        """Apply the configured URL prefix rewrites (for a local mirror)."""
        return mirror_url(url, self.rewrites)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from GUIDEWATCH_* environment variables."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("GUIDEWATCH_DATA_DIR", "data")).expanduser().resolve()
    default_db = f"sqlite:///{data_dir / 'guidewatch.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=env.get("GUIDEWATCH_DATABASE_URL", default_db),
        sources_path=Path(env.get("GUIDEWATCH_SOURCES", PACKAGE_DIR / "sources.toml")),
        topics_path=Path(env.get("GUIDEWATCH_TOPICS", DEFAULT_TOPICS)),
        contact=env.get("GUIDEWATCH_CONTACT", DEFAULT_CONTACT),
        pause_seconds=float(env.get("GUIDEWATCH_PAUSE_SECONDS", "5")),
        connect_timeout=float(env.get("GUIDEWATCH_CONNECT_TIMEOUT", "10")),
        read_timeout=float(env.get("GUIDEWATCH_READ_TIMEOUT", "30")),
        max_bytes=int(env.get("GUIDEWATCH_MAX_BYTES", str(50 * 1024 * 1024))),
        retries=int(env.get("GUIDEWATCH_RETRIES", "3")),
        respect_robots=env.get("GUIDEWATCH_RESPECT_ROBOTS", "1") not in ("0", "false", "no"),
        rewrites=parse_rewrites(env.get("GUIDEWATCH_REWRITE", "")),
        rewrite_allow_uncovered=env.get("GUIDEWATCH_REWRITE_ALLOW_UNCOVERED", "0").lower()
        not in ("0", "false", "no", ""),
        fetch_deadline=float(env.get("GUIDEWATCH_FETCH_DEADLINE", "300")),
        smtp_host=env.get("GUIDEWATCH_SMTP_HOST") or None,
        smtp_port=int(env.get("GUIDEWATCH_SMTP_PORT", "587")),
        smtp_security=env.get("GUIDEWATCH_SMTP_SECURITY", "starttls"),
        smtp_user=env.get("GUIDEWATCH_SMTP_USER") or None,
        smtp_password=env.get("GUIDEWATCH_SMTP_PASSWORD") or None,
        smtp_ca_file=Path(env["GUIDEWATCH_SMTP_CA_FILE"]).expanduser()
        if env.get("GUIDEWATCH_SMTP_CA_FILE")
        else None,
        mail_from=env.get("GUIDEWATCH_MAIL_FROM", "guidewatch@localhost"),
        mail_to=tuple(a.strip() for a in env.get("GUIDEWATCH_MAIL_TO", "").split(",") if a.strip()),
        failure_threshold=int(env.get("GUIDEWATCH_FAILURE_THRESHOLD", "3")),
        report_url=env.get("GUIDEWATCH_REPORT_URL") or None,
        subscribers_path=Path(env["GUIDEWATCH_SUBSCRIBERS"]).expanduser()
        if env.get("GUIDEWATCH_SUBSCRIBERS")
        else None,
        mail_unsubscribe=env.get("GUIDEWATCH_MAIL_UNSUBSCRIBE") or None,
    )

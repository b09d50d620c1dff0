"""Send a built message over SMTP: STARTTLS, implicit TLS or plain; login only with a user."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

SECURITY_MODES = ("starttls", "tls", "none")


class MailSettings(Protocol):
    """The settings fields that mail delivery reads (guidewatch.settings.Settings has them)."""

    @property
    def smtp_host(self) -> str | None: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_security(self) -> str: ...
    @property
    def smtp_user(self) -> str | None: ...
    @property
    def smtp_password(self) -> str | None: ...
    @property
    def mail_from(self) -> str: ...
    @property
    def mail_to(self) -> tuple[str, ...]: ...


class SmtpConfigError(Exception):
    """The SMTP settings cannot work (no host, unknown security mode)."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over; the password is kept out of repr."""

    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: MailSettings) -> SmtpConfig:
        """Build the config from settings, or raise SmtpConfigError saying what is missing."""
        if not settings.smtp_host:
            raise SmtpConfigError("no SMTP server configured (set GUIDEWATCH_SMTP_HOST)")
        if settings.smtp_security not in SECURITY_MODES:
            raise SmtpConfigError(
                f"GUIDEWATCH_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, "
                f"not {settings.smtp_security!r}"
            )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
        )

    def scrub(self, text: str) -> str:
        """Remove the password from a text (an error message) before it is logged or stored."""
        if self.password:
            text = text.replace(self.password, "********")
        return text


def is_permanent(error: BaseException) -> bool:
    """Tell whether the server refused for good (5xx), rather than being unreachable or busy."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, SmtpConfigError)


def send_message(message: EmailMessage, config: SmtpConfig) -> None:
    """Hand one message to the SMTP server; raise on any failure (nothing is retried here)."""
    context = config.ssl_context or ssl.create_default_context()
    client: smtplib.SMTP
    if config.security == "tls":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    elif config.security in ("starttls", "none"):
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    else:
        raise SmtpConfigError(f"unknown SMTP security mode {config.security!r}")
    with client:
        client.ehlo()
        if config.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password or "")
        client.send_message(message)

"""Send a built message over SMTP: STARTTLS, implicit TLS or plain; login only with a user."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from alerts.secrets import scrub

SECURITY_MODES = ("starttls", "tls", "none")


log = logging.getLogger("guidewatch.alerts")


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
    def smtp_ca_file(self) -> Path | None: ...
    @property
    def mail_from(self) -> str: ...
    @property
    def mail_to(self) -> tuple[str, ...]: ...


class SmtpConfigError(Exception):
    """The SMTP settings cannot work (no host, unknown security mode, unreadable CA file)."""


class SmtpSecurityError(Exception):
    """The connection could not be made as secure as configured; nothing was sent.

    Not a permanent refusal: the message stays pending and goes out once the settings or the
    server's certificate are fixed, without `guidewatch alerts --retry`.
    """


def load_ca_file(path: Path) -> ssl.SSLContext:
    """Return a verifying TLS client context that trusts only the CAs in a PEM file."""
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise SmtpConfigError(
            f"GUIDEWATCH_SMTP_CA_FILE {str(path)!r} is not a readable PEM CA file ({reason})"
        ) from None


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over; the password is kept out of repr.

    The server's certificate is checked against `ca_file` when one is given (its CAs only),
    otherwise against the system trust store; `ssl_context`, when set, overrides both.
    """

    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    ca_file: Path | None = None

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
        ca_file = settings.smtp_ca_file
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            ssl_context=load_ca_file(ca_file) if ca_file is not None else None,
            ca_file=ca_file,
        )

    def tls_context(self) -> ssl.SSLContext:
        """Return the verifying client context for this server (hostname and chain checked)."""
        if self.ssl_context is not None:
            return self.ssl_context
        if self.ca_file is not None:
            return load_ca_file(self.ca_file)
        return ssl.create_default_context()

    def scrub(self, text: str) -> str:
        """Remove the password from a text (an error message) before it is logged or stored."""
        return scrub(text, [self.password])


def is_permanent(error: BaseException) -> bool:
    """Tell whether the server refused for good (5xx), rather than being unreachable or busy."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, SmtpConfigError)


def _where(config: SmtpConfig) -> str:
    return f"{config.host}:{config.port}"


def _tls_failure(config: SmtpConfig, error: ssl.SSLError) -> SmtpSecurityError:
    """Explain a failed TLS handshake in terms of the settings that fix it."""
    if isinstance(error, ssl.SSLCertVerificationError):
        trusted = (
            f"the CAs in GUIDEWATCH_SMTP_CA_FILE ({config.ca_file})"
            if config.ca_file is not None
            else "the system trust store (set GUIDEWATCH_SMTP_CA_FILE to the PEM file of the "
            "CA that signed it)"
        )
        return SmtpSecurityError(
            f"the TLS certificate of {_where(config)} is not trusted "
            f"({error.verify_message}); it was checked against {trusted}; nothing was sent"
        )
    other = "starttls" if config.security == "tls" else "tls"
    return SmtpSecurityError(
        f"TLS handshake with {_where(config)} failed ({error.reason or error}); "
        f"GUIDEWATCH_SMTP_SECURITY is {config.security!r}: does this port expect {other!r}?"
    )


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        context = config.tls_context()
        try:
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        except ssl.SSLError as error:
            raise _tls_failure(config, error) from error
    if config.security in ("starttls", "none"):
        return smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    raise SmtpConfigError(f"unknown SMTP security mode {config.security!r}")


def _converse(client: smtplib.SMTP, message: EmailMessage, config: SmtpConfig) -> None:
    client.ehlo()
    if config.security == "starttls":
        if not client.has_extn("starttls"):
            raise SmtpSecurityError(
                f"{_where(config)} does not offer STARTTLS, so the connection would not be "
                "encrypted; nothing was sent (GUIDEWATCH_SMTP_SECURITY=tls for implicit TLS, "
                "none for a server that has no TLS)"
            )
        try:
            client.starttls(context=config.tls_context())
        except ssl.SSLError as error:
            raise _tls_failure(config, error) from error
        client.ehlo()
    if config.user:
        if not client.has_extn("auth"):
            hint = (
                " (it offers STARTTLS: many servers only allow login after it, "
                "set GUIDEWATCH_SMTP_SECURITY=starttls)"
                if client.has_extn("starttls")
                else ""
            )
            raise SmtpSecurityError(
                f"{_where(config)} does not offer login (AUTH) on this "
                f"{config.security!r} connection, but GUIDEWATCH_SMTP_USER is set{hint}; "
                "nothing was sent"
            )
        client.login(config.user, config.password or "")
    refused = client.send_message(message)
    if refused:
        # Accepted for the others: sending again would give them a second copy.
        log.warning("the server refused some recipients: %s", ", ".join(sorted(refused)))


def send_message(message: EmailMessage, config: SmtpConfig) -> None:
    """Hand one message to the SMTP server; raise on any failure (nothing is retried here).

    The login happens only after the server's certificate has been verified (starttls, tls);
    TLS failures and missing STARTTLS or AUTH raise SmtpSecurityError naming the setting.
    """
    client = _connect(config)
    try:
        _converse(client, message, config)
    except BaseException:
        client.close()  # no QUIT: after a failed handshake the stream is not usable
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()  # the server has accepted the message: a failed goodbye changes nothing

"""Mail over STARTTLS and implicit TLS to a real aiosmtpd on 127.0.0.1, with a test-made CA."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from alerts.outbox import DeliveryReport, deliver_pending
from alerts.smtp import SmtpConfig
from guidewatch.settings import Settings
from storage import changes as store
from storage.changes import Alert
from storage.db import open_session
from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, smtp_env, spec
from tests.support.smtp import (
    Certificates,
    SmtpServer,
    certificates,
    free_port,
    make_certificates,
    smtp_auth_server,
)

__all__ = ["certificates", "smtp_auth_server"]  # fixtures used by name below

USER = "watcher"
PASSWORD = "relay-Pa55-word-tls"


@contextmanager
def running(server: SmtpServer) -> Iterator[SmtpServer]:
    """Run a server for the length of a with block."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def tls_server(certs: Certificates, *, implicit: bool = False) -> SmtpServer:
    """A server presenting certs that refuses mail before TLS and login without TLS."""
    context = certs.server_context()
    return SmtpServer(
        user=USER,
        password=PASSWORD,
        require_tls=True,
        starttls=None if implicit else context,
        implicit_tls=context if implicit else None,
    )


def mail_settings(
    tmp_path: Path,
    server: SmtpServer,
    security: str,
    ca_file: Path | None,
    password: str = PASSWORD,
) -> Settings:
    """Settings sending to server with a login, trusting ca_file (None: the system store)."""
    env = smtp_env(server.port) | {
        "GUIDEWATCH_SMTP_SECURITY": security,
        "GUIDEWATCH_SMTP_USER": USER,
        "GUIDEWATCH_SMTP_PASSWORD": password,
    }
    if ca_file is not None:
        env["GUIDEWATCH_SMTP_CA_FILE"] = str(ca_file)
    return settings_for(tmp_path, **env)


def queue_one_change(engine: Engine, settings: Settings) -> None:
    """Store two versions of NICE 1.11.14 so that one digest waits in the outbox."""
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))


def only_alert(engine: Engine) -> Alert:
    """The one message in the outbox."""
    with open_session(engine) as session:
        [alert] = store.list_alerts(session=session)
    return alert


def stored_text(engine: Engine) -> str:
    """Every row of every table, as text."""
    dump: list[str] = []
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        for (name,) in list(tables):
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


def one_error(report: DeliveryReport) -> str:
    """The single error of a delivery that sent nothing and left one message pending."""
    assert (report.sent, report.pending, report.failed) == (0, 1, 0)
    [error] = report.errors
    return error


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_over_verified_tls_delivers(
    security: str, sqlite_engine: Engine, tmp_path: Path, certificates: Certificates
) -> None:
    with running(tls_server(certificates, implicit=security == "tls")) as server:
        settings = mail_settings(tmp_path, server, security, certificates.ca_file)
        queue_one_change(sqlite_engine, settings)
        report = deliver_pending(sqlite_engine, settings)
    assert (report.sent, report.pending, report.errors) == (1, 0, [])
    [received] = server.inbox
    assert received.tls is not None and received.tls.startswith("TLSv1.")
    assert received.message["Message-ID"] == report.sent_message_ids[0]
    assert received.recipients == ["alice@example.org"]
    assert server.logins == [(USER, PASSWORD)]
    assert only_alert(sqlite_engine).status == "sent"


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.parametrize("trust", ["system store", "another CA file"])
def test_untrusted_certificate_is_refused_and_the_message_waits(
    security: str,
    trust: str,
    sqlite_engine: Engine,
    tmp_path: Path,
    certificates: Certificates,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    stranger = make_certificates(tmp_path / "stranger", ca_name="a CA nobody trusts")
    ca_file = certificates.ca_file if trust == "another CA file" else None
    with running(tls_server(stranger, implicit=security == "tls")) as server:
        refused = mail_settings(tmp_path, server, security, ca_file)
        queue_one_change(sqlite_engine, refused)
        error = one_error(deliver_pending(sqlite_engine, refused))
        assert error.startswith(
            f"SmtpSecurityError: the TLS certificate of 127.0.0.1:{server.port}"
        )
        assert "is not trusted" in error and "nothing was sent" in error
        assert "GUIDEWATCH_SMTP_CA_FILE" in error
        assert server.logins == [] and server.inbox == []  # the password never left
        alert = only_alert(sqlite_engine)
        assert (alert.status, alert.attempts, alert.last_error) == ("pending", 1, error)
        assert PASSWORD not in stored_text(sqlite_engine) + caplog.text + error

        trusting = mail_settings(tmp_path, server, security, stranger.ca_file)
        assert deliver_pending(sqlite_engine, trusting).sent == 1
    [received] = server.inbox
    assert received.message["Message-ID"] == alert.message_id


def test_a_certificate_for_another_host_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    elsewhere = make_certificates(tmp_path / "elsewhere", hosts=("mail.example.org",))
    with running(tls_server(elsewhere)) as server:
        settings = mail_settings(tmp_path, server, "starttls", elsewhere.ca_file)
        queue_one_change(sqlite_engine, settings)
        error = one_error(deliver_pending(sqlite_engine, settings))
    assert "is not trusted" in error and "mismatch" in error and "'127.0.0.1'" in error
    assert server.logins == [] and server.inbox == []


def test_wrong_password_over_tls_is_kept_out_of_errors_and_logs(
    sqlite_engine: Engine,
    tmp_path: Path,
    certificates: Certificates,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = PASSWORD + "-wrong"
    with running(tls_server(certificates, implicit=True)) as server:
        settings = mail_settings(tmp_path, server, "tls", certificates.ca_file, password=wrong)
        queue_one_change(sqlite_engine, settings)
        error = one_error(deliver_pending(sqlite_engine, settings))
    assert error.startswith("SMTPAuthenticationError: (535")
    assert set(server.logins) == {(USER, wrong)}  # it reached the server (PLAIN, then LOGIN)
    everything = stored_text(sqlite_engine) + caplog.text + error
    assert "as a cure" in everything  # the dump really holds the stored records
    assert wrong not in everything and PASSWORD not in everything


def test_none_against_a_server_that_requires_starttls_fails_clearly(
    sqlite_engine: Engine, tmp_path: Path, certificates: Certificates
) -> None:
    with running(tls_server(certificates)) as server:
        settings = mail_settings(tmp_path, server, "none", None)
        queue_one_change(sqlite_engine, settings)
        error = one_error(deliver_pending(sqlite_engine, settings))
    assert error.startswith("SmtpSecurityError: 127.0.0.1:")
    assert "does not offer login (AUTH) on this 'none' connection" in error
    assert "set GUIDEWATCH_SMTP_SECURITY=starttls" in error
    assert server.logins == [] and server.inbox == []  # no password in the clear


def test_starttls_mode_never_logs_in_on_a_server_without_starttls(
    sqlite_engine: Engine, tmp_path: Path, smtp_auth_server: SmtpServer
) -> None:
    settings = mail_settings(tmp_path, smtp_auth_server, "starttls", None)
    queue_one_change(sqlite_engine, settings)
    error = one_error(deliver_pending(sqlite_engine, settings))
    assert "does not offer STARTTLS" in error and "nothing was sent" in error
    assert smtp_auth_server.logins == [] and smtp_auth_server.inbox == []


def test_implicit_tls_against_a_starttls_port_fails_clearly(
    sqlite_engine: Engine, tmp_path: Path, certificates: Certificates
) -> None:
    with running(tls_server(certificates)) as server:
        settings = mail_settings(tmp_path, server, "tls", certificates.ca_file)
        queue_one_change(sqlite_engine, settings)
        error = one_error(deliver_pending(sqlite_engine, settings))
    assert error.startswith(f"SmtpSecurityError: TLS handshake with 127.0.0.1:{server.port} failed")
    assert "GUIDEWATCH_SMTP_SECURITY is 'tls': does this port expect 'starttls'?" in error
    assert server.logins == [] and server.inbox == []


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_an_unusable_ca_file_keeps_alerts_waiting(
    content: str | None, sqlite_engine: Engine, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    if content is not None:
        ca_file.write_text(content)
    server = SmtpServer(port=free_port())  # never started: nothing may try to connect
    settings = mail_settings(tmp_path, server, "starttls", ca_file)
    queue_one_change(sqlite_engine, settings)
    error = one_error(deliver_pending(sqlite_engine, settings))
    assert error.startswith(f"GUIDEWATCH_SMTP_CA_FILE '{ca_file}' is not a readable PEM CA file")
    assert only_alert(sqlite_engine).attempts == 0


def test_ca_file_setting(tmp_path: Path, certificates: Certificates) -> None:
    assert settings_for(tmp_path).smtp_ca_file is None
    system = SmtpConfig.from_settings(settings_for(tmp_path, GUIDEWATCH_SMTP_HOST="127.0.0.1"))
    assert system.ca_file is None and system.ssl_context is None
    home = settings_for(tmp_path, GUIDEWATCH_SMTP_CA_FILE="~/relay-ca.pem")
    assert home.smtp_ca_file == Path.home() / "relay-ca.pem"
    env = smtp_env(1) | {"GUIDEWATCH_SMTP_CA_FILE": str(certificates.ca_file)}
    config = SmtpConfig.from_settings(settings_for(tmp_path, **env))
    assert config.ca_file == certificates.ca_file
    assert config.ssl_context is not None and config.ssl_context.check_hostname
    assert [c["subject"] for c in config.ssl_context.get_ca_certs()] == [
        ((("commonName", "guidewatch test CA"),),)
    ]

"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

It can also speak TLS (STARTTLS or implicit) with a throwaway CA made at test time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Re-exported: tests/test_schedule_smoke.py and tests/test_smtp_tls.py import it from here.
from tests.support.ports import free_port as free_port


@dataclass
class Received:
    """One accepted message with its envelope."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    tls: str | None = None  # the TLS version the message came over, None for plain SMTP


class _Handler:
    def __init__(self, inbox: list[Received], refuse: set[str]) -> None:
        self.inbox = inbox
        self.refuse = refuse

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = bytes(envelope.original_content or envelope.content)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        ssl_object = server.transport.get_extra_info("ssl_object")
        tls = ssl_object.version() if ssl_object is not None else None
        self.inbox.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw, tls))
        return "250 OK"


class _SMTP(SMTP):
    """aiosmtpd's server, counting a connection made over implicit TLS as encrypted.

    aiosmtpd only counts STARTTLS as TLS, so with auth_require_tls it would never offer AUTH
    over implicit TLS (aio-libs/aiosmtpd#281, #274).
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the session; on an implicit-TLS connection, allow AUTH."""
        super().connection_made(transport)
        if self._original_transport is None and transport.get_extra_info("ssl_object"):
            self._auth_require_tls = False


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class SmtpServer:
    """The loopback SMTP server: start/stop it to play an outage; `inbox` holds what arrived.

    `starttls` offers STARTTLS with that server context, `implicit_tls` wraps every
    connection in TLS; `require_tls` refuses mail before STARTTLS and login without TLS.
    """

    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    user: str | None = None
    password: str | None = None
    inbox: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    starttls: ssl.SSLContext | None = None
    implicit_tls: ssl.SSLContext | None = None
    require_tls: bool = False
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    _controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == (self.user, self.password)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    def start(self) -> None:
        """Start listening (again) on the same port."""
        if self._controller is not None:
            return
        options: dict[str, Any] = {}
        if self.user is not None:
            options = {"authenticator": self._authenticate, "auth_require_tls": self.require_tls}
        if self.starttls is not None:
            options |= {"tls_context": self.starttls, "require_starttls": self.require_tls}
        if self.implicit_tls is not None:
            options["ssl_context"] = self.implicit_tls
        controller = _Controller(
            _Handler(self.inbox, self.refuse), hostname=self.host, port=self.port, **options
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        """The messages received so far, in order."""
        return [r.message for r in self.inbox]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running loopback SMTP server without authentication."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """A running loopback SMTP server that requires LOGIN/PLAIN authentication."""
    server = SmtpServer(user="watcher", password="s3cret-Pa55-word")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Certificates:
    """A throwaway CA and a server certificate it signed, as PEM files."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """A TLS server context presenting the server certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificates(
    directory: Path,
    *,
    ca_name: str = "guidewatch test CA",
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
) -> Certificates:
    """Write a new CA and a server certificate for `hosts` (IPs or DNS names) under directory."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_public = ca_key.public_key()
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(ca_name))
        .issuer_name(_name(ca_name))
        .public_key(ca_public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(_pem(key))
    return files


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A test CA and its certificate for 127.0.0.1 and localhost (clients trust it by CA file)."""
    return make_certificates(tmp_path_factory.mktemp("tls"))

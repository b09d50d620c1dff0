"""The fetcher over TLS on loopback: certificates verified as before, the context shared."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scrapers import tls
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import ScrapeError
from tests.support.site import FixtureSite
from tests.support.smtp import Certificates, certificates

__all__ = ["certificates"]  # fixture used by name below

PAGE = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Over TLS</p></body></html>"


class _Handler(BaseHTTPRequestHandler):
    """Serves PAGE on every path but robots.txt (404)."""

    def do_GET(self) -> None:  # noqa: N802
        found = not self.path.startswith("/robots.txt")
        body = PAGE if found else b"not found\n"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet."""


@pytest.fixture
def https_url(certificates: Certificates) -> Iterator[str]:
    """The address of a loopback HTTPS page whose certificate the test CA signed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.socket = certificates.server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/page"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _policy() -> FetchPolicy:
    return FetchPolicy(
        user_agent="guidewatch-test/0.1 (+mailto:tests@example.org)",
        pause_seconds=0.0,
        connect_timeout=2.0,
        read_timeout=2.0,
        retries=0,
    )


def test_an_unknown_certificate_is_refused(https_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with HttpFetcher(_policy()) as fetcher, pytest.raises(ScrapeError, match="(?i)certificate"):
        fetcher.get(https_url)


def test_a_certificate_from_ssl_cert_file_is_trusted_and_the_context_shared(
    https_url: str, certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    with HttpFetcher(_policy()) as first:
        assert first.get(https_url).body == PAGE
    with HttpFetcher(_policy()) as second:
        assert second.get(https_url).body == PAGE
    assert tls.tls_context() is tls.tls_context()
    assert tls.tls_context().verify_mode.name == "CERT_REQUIRED"


def test_plain_http_builds_no_tls_context(
    site: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tls, "_contexts", {})
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    site.set("/page", PAGE)
    with HttpFetcher(_policy()) as fetcher:
        assert fetcher.get(site.url("/page")).body == PAGE
    assert tls._contexts == {}

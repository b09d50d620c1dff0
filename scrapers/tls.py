"""TLS for the fetcher: one verifying context per process, built on the first https request."""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any
from urllib.request import getproxies

import httpx

_lock = threading.Lock()
_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), built once."""
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _lock:
        context = _contexts.get(key)
        if context is None:
            context = _contexts[key] = httpx.create_ssl_context(verify=True, trust_env=True)
        return context


def _refusing_context() -> ssl.SSLContext:
    """A context that trusts no certificate, for the plain-HTTP pool that never does TLS."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verification required, no trust anchors


class LazyTlsTransport(httpx.BaseTransport):
    """httpx's own transport, one pool for http:// and one, made on first use, for https://."""

    def __init__(self) -> None:
        self._plain = httpx.HTTPTransport(verify=_refusing_context())
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send over the plain pool, or over the TLS pool when the address is https."""
        if request.url.scheme != "https":
            return self._plain.handle_request(request)
        with self._lock:
            if self._tls is None:
                self._tls = httpx.HTTPTransport(verify=tls_context())
            tls = self._tls
        return tls.handle_request(request)

    def close(self) -> None:
        """Close both pools."""
        self._plain.close()
        with self._lock:
            if self._tls is not None:
                self._tls.close()


def open_client(**options: Any) -> httpx.Client:
    """An httpx.Client verifying as httpx does by default, its TLS context shared and lazy."""
    if getproxies():  # httpx mounts the environment's proxies only when given no transport
        return httpx.Client(verify=tls_context(), **options)
    return httpx.Client(transport=LazyTlsTransport(), **options)

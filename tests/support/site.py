"""A real HTTP server on 127.0.0.1 that serves fixture pages to tests."""

from __future__ import annotations

import json
import mimetypes
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest


@dataclass
class Reply:
    """What the site answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Send the body with chunked transfer encoding and no Content-Length.
    chunked: bool = False
    # Send the body one byte at a time, this many seconds apart (a server that trickles).
    trickle: float = 0.0


@dataclass
class RecordedRequest:
    """One request the site received; header names are lower-cased, times are monotonic.

    A request is recorded as soon as it arrives; ended_at is set just before the last byte of
    the answer is written (so it is set by the time a client has the whole answer), and stays
    None while the answer is pending.
    """

    method: str
    path: str
    headers: dict[str, str]
    started_at: float
    ended_at: float | None = None
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Return a request header by case-insensitive name, or None."""
        return self.headers.get(name.lower())


Responder = Callable[[RecordedRequest], "Reply | bytes | str"]


def sniff_content_type(body: bytes) -> str:
    """Guess a Content-Type for a body given as plain bytes."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf-"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html; charset=utf-8"
    if head.startswith((b"{", b"[")):
        try:
            json.loads(body)
            return "application/json"
        except ValueError:
            pass
    try:
        body.decode("utf-8")
        return "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        return "application/octet-stream"


def as_reply(value: Reply | bytes | str) -> Reply:
    """Turn bytes or text into a 200 Reply with a sniffed content type."""
    if isinstance(value, Reply):
        return value
    body = value.encode("utf-8") if isinstance(value, str) else value
    return Reply(body=body, headers={"Content-Type": sniff_content_type(body)})


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list against one ETag."""
    if if_none_match.strip() == "*":
        return True

    def bare(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return any(bare(tag) == bare(etag) for tag in if_none_match.split(","))


def _not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    """True when the resource has not changed since the client's copy."""
    if if_modified_since.strip() == last_modified.strip():
        return True
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def is_not_modified(request: RecordedRequest, reply: Reply) -> bool:
    """Decide whether a conditional GET/HEAD deserves a 304."""
    if request.method not in ("GET", "HEAD") or reply.status != 200:
        return False
    headers = {k.lower(): v for k, v in reply.headers.items()}
    if_none_match = request.header("If-None-Match")
    if if_none_match is not None:
        return "etag" in headers and _etag_matches(if_none_match, headers["etag"])
    if_modified_since = request.header("If-Modified-Since")
    if if_modified_since is not None and "last-modified" in headers:
        return _not_modified_since(if_modified_since, headers["last-modified"])
    return False


class _Handler(BaseHTTPRequestHandler):
    """Answers every request from the owning FixtureSite's routes."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: pytest output is for test results."""

    def _answer(self) -> None:
        site = self.server.site
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            started_at=time.monotonic(),
        )
        site.record(request)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            request.body = self.rfile.read(length)
        reply = site.reply_for(request)
        if reply.delay and site.closing.wait(reply.delay):
            return
        self._send(request, reply)

    def _finish(self, request: RecordedRequest) -> None:
        """Mark the request answered; called right before the answer's last write."""
        request.ended_at = time.monotonic()

    def _send(self, request: RecordedRequest, reply: Reply) -> None:
        headers = dict(reply.headers)
        names = {k.lower() for k in headers}
        if is_not_modified(request, reply):
            self.send_response(304)
            for name, value in headers.items():
                if name.lower() in ("etag", "last-modified", "cache-control", "date"):
                    self.send_header(name, value)
            self._finish(request)
            self.end_headers()
            return
        self.send_response(reply.status)
        send_body = self.command != "HEAD" and reply.status not in (204, 304)
        if reply.chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif "content-length" not in names:
            headers["Content-Length"] = str(len(reply.body))
        for name, value in headers.items():
            self.send_header(name, value)
        if not send_body:
            self._finish(request)
            self.end_headers()
            return
        self.end_headers()
        if reply.trickle:
            for index in range(len(reply.body)):
                if index and self.server.site.closing.wait(reply.trickle):
                    return
                if index == len(reply.body) - 1:
                    self._finish(request)
                self.wfile.write(reply.body[index : index + 1])
                self.wfile.flush()
        elif reply.chunked:
            step = 64 * 1024
            for start in range(0, len(reply.body), step):
                chunk = reply.body[start : start + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self._finish(request)
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._finish(request)
            self.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its FixtureSite and hides client hang-ups."""

    daemon_threads = True
    site: FixtureSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up early (timeouts, size caps); print anything else."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class FixtureSite:
    """A loopback web site whose pages tests set, and which records every request."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Reply | Responder] = {}
        self._requests: list[RecordedRequest] = []
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.site = self
        host, port = self._server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on this site."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def set(self, path: str, reply: Reply | Responder | bytes | str) -> None:
        """Serve a reply (or bytes/text as a 200, or a function of the request) on a path."""
        route: Reply | Responder = reply if callable(reply) else as_reply(reply)
        with self._lock:
            self._routes[path] = route

    def set_file(self, path: str, file: Path, content_type: str | None = None) -> None:
        """Serve a file's bytes on a path, with a given or guessed content type."""
        body = file.read_bytes()
        if content_type is None:
            guessed = mimetypes.guess_type(file.name)[0]
            content_type = guessed or sniff_content_type(body)
        self.set(path, Reply(body=body, headers={"Content-Type": content_type}))

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        """Answer a path with a redirect to another path or URL."""
        self.set(path, Reply(status=status, headers={"Location": to}))

    def remove(self, path: str) -> None:
        """Stop serving a path (it answers 404 afterwards)."""
        with self._lock:
            self._routes.pop(path, None)

    def reply_for(self, request: RecordedRequest) -> Reply:
        """Find the reply for a request: exact path with query first, then the bare path."""
        with self._lock:
            route = self._routes.get(request.path)
            if route is None:
                route = self._routes.get(urlsplit(request.path).path)
        if route is None:
            return Reply(
                status=404,
                body=b"not found\n",
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        if isinstance(route, Reply):
            return route
        return as_reply(route(request))

    def record(self, request: RecordedRequest) -> None:
        """Keep a request as it arrives (called by the handler)."""
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in the order they arrived."""
        with self._lock:
            return sorted(self._requests, key=lambda r: r.started_at)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests received whose path (query included, or bare) equals path."""
        return [r for r in self.requests if r.path == path or urlsplit(r.path).path == path]

    def close(self) -> None:
        """Stop the server and release its port."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """A fresh loopback site for one test."""
    fixture_site = FixtureSite()
    try:
        yield fixture_site
    finally:
        fixture_site.close()


def stop_on_term() -> threading.Event:
    """An event SIGTERM sets (for the scripts that serve fixtures until stopped)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def serve_until(stop: threading.Event) -> None:
    """Return when `stop` is set or on Ctrl-C."""
    try:
        # Waking up now and then lets the signal handlers run.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass

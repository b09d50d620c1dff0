"""A loopback HTTP receiver for webhook channels (Apprise json://): keeps what is posted.

`down = True` makes it answer 503 to every post (the channel is down, nothing is kept).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Posted:
    """One accepted post."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """The running receiver: its port, what it took, and a switch to refuse."""

    port: int = 0
    posts: list[Posted] = field(default_factory=list)
    refused: int = 0
    down: bool = False

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts JSON here."""
        return f"json://127.0.0.1:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.down:
                receiver.refused += 1
                self.send_response(503)
                self.end_headers()
                return
            receiver.posts.append(Posted(self.path, dict(self.headers), json.loads(data)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

"""The report in a real headless Chromium: no console errors, a visible redline, keyboard use.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages ending in NUL on file descriptors 3 and 4), so nothing beyond the standard library
is needed. `make test` installs Debian's `chromium` package; without it these tests fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from compare.topics import load_topics
from guidewatch.report.site import build_report, page_name
from guidewatch.settings import DEFAULT_TOPICS
from tests.test_search import NG206, build_history

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-pipe",
]
TIMEOUT = 30.0


def chromium() -> str | None:
    """Return the Chromium executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(Exception):
    """Chromium answered a command with an error, or went away."""


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="guidewatch-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # bash puts Chromium's pipe ends on fds 3 and 4 (which must not be ours to begin with).
        child_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        script = f'exec "$@" 3<&{child_in} 4>&{child_out} {child_in}<&- {child_out}>&-'
        self.process = subprocess.Popen(
            ["bash", "-c", script, "bash", executable, *FLAGS, f"--user-data-dir={self.profile}"],
            pass_fds=(child_in, child_out),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        self.writer = to_chrome_w
        self.reader = from_chrome_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self, deadline: float) -> dict[str, Any]:
        """Read one message, waiting at most until the deadline."""
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self.reader], [], [], left)
            if ready:
                chunk = os.read(self.reader, 1 << 16)
                if not chunk:
                    raise BrowserError("Chromium closed the pipe")
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return dict(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        """Send a command (to a page when session= is given) and return its result."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if kw.get("session"):
            message["sessionId"] = kw["session"]
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str, *, width: int = 1100, height: int = 900) -> str:
        """Open a URL in a new tab, wait for it to load, and return the tab's session."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.call("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + TIMEOUT
        while not any(
            e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session
            for e in self.events
        ):
            self.events.append(self._receive(deadline))
        return str(session)

    def evaluate(self, session: str, expression: str) -> Any:
        """Evaluate JavaScript in a tab and return its JSON value."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=session,
        )
        if "exceptionDetails" in result:
            raise BrowserError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def key(self, session: str, key: str, code: int) -> None:
        """Press and release one key."""
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code},
                session=session,
            )

    def problems(self, session: str) -> list[str]:
        """Return the console errors, warnings and uncaught exceptions of one tab."""
        found = []
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return found

    def close(self) -> None:
        """Close Chromium and remove its profile."""
        try:
            self.call("Browser.close")
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.writer)
        os.close(self.reader)
        shutil.rmtree(self.profile, ignore_errors=True)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB or RGBA PNG into (width, height, RGB pixels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        start = row * (stride + 1)
        method, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if method == 1:
                line[i] = (line[i] + left) & 255
            elif method == 2:
                line[i] = (line[i] + up) & 255
            elif method == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif method == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 255
        pixels.extend((line[i], line[i + 1], line[i + 2]) for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


def near(pixel: tuple[int, int, int], colour: str, slack: int = 6) -> bool:
    """Whether a pixel is within slack of a #rrggbb colour."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= slack for a, b in zip(pixel, target, strict=True))


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(css: str) -> float:
        parts = css[css.index("(") + 1 : css.index(")")].split(",")[:3]
        channels = [int(float(p)) / 255 for p in parts]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for this module."""
    executable = chromium()
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    running = Browser(executable)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def site(sqlite_engine: Engine, tmp_path: Path) -> Path:
    """The report of the test history, on disk."""
    build_history(sqlite_engine)
    out = tmp_path / "site"
    build_report(engine=sqlite_engine, out=out, topics=load_topics(DEFAULT_TOPICS))
    return out


def test_every_page_loads_without_console_errors(browser: Browser, site: Path) -> None:
    pages = [site / "index.html", *sorted((site / "documents").glob("*.html"))]
    assert len(pages) == 3
    for page in pages:
        session = browser.open(page.as_uri())
        assert browser.problems(session) == [], page.name
        title = browser.evaluate(session, "document.querySelector('h1').textContent")
        assert title
        # the stylesheet really applied (a missing one would be a console error too)
        colour = browser.evaluate(session, "getComputedStyle(document.body).color")
        assert colour == "rgb(26, 26, 26)"


def test_a_broken_page_is_noticed(browser: Browser, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!doctype html><html lang="en"><head><title>x</title>'
        '<link rel="stylesheet" href="missing.css"></head>'
        "<body><script>console.error('boom'); undefined_call();</script></body></html>"
    )
    problems = browser.problems(browser.open(broken.as_uri()))
    assert any("boom" in p for p in problems)
    assert any(p.startswith("exception") for p in problems)
    assert any("missing.css" in p or "ERR_FILE_NOT_FOUND" in p for p in problems), problems


def test_screenshot_shows_the_redline(browser: Browser, site: Path, tmp_path: Path) -> None:
    session = browser.open((site / "documents" / page_name(NG206)).as_uri())
    box = browser.evaluate(
        session,
        """(() => {
            const line = [...document.querySelectorAll('.redline')]
                .find(p => p.querySelector('del') && p.querySelector('ins'))
                || document.querySelector('.redline del').parentElement;
            line.scrollIntoView();
            const r = line.getBoundingClientRect();
            return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height};
        })()""",
    )
    assert box["width"] > 100 and box["height"] > 10
    shot = browser.call(
        "Page.captureScreenshot",
        {"format": "png", "clip": {**box, "scale": 1}, "captureBeyondViewport": True},
        session=session,
    )
    png = base64.b64decode(shot["data"])
    (tmp_path / "redline.png").write_bytes(png)
    width, height, pixels = png_pixels(png)
    assert width >= 100 and height >= 10
    removed = sum(near(p, "#ffd7d5") for p in pixels)
    added = sum(near(p, "#c6f0cf") for p in pixels)
    dark = sum(max(p) < 110 for p in pixels)  # the text itself
    assert removed > 200, "no removed-text background in the screenshot"
    assert added > 200, "no added-text background in the screenshot"
    assert dark > 100, "no text in the screenshot"
    # a full-page view for people who look at the test's output
    full = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
    (tmp_path / "page.png").write_bytes(base64.b64decode(full["data"]))


def test_keyboard_reaches_the_skip_link_first_and_focus_is_visible(
    browser: Browser, site: Path
) -> None:
    session = browser.open((site / "documents" / page_name(NG206)).as_uri())
    browser.key(session, "Tab", 9)
    focused = browser.evaluate(
        session,
        """(() => { const e = document.activeElement; const s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            return {text: e.textContent, href: e.getAttribute('href'), outline: s.outlineStyle,
                    left: r.left, width: r.width}; })()""",
    )
    assert focused["text"] == "Skip to content" and focused["href"] == "#main"
    assert focused["outline"] == "solid" and focused["left"] >= 0 and focused["width"] > 0
    browser.key(session, "Enter", 13)
    assert browser.evaluate(session, "location.hash") == "#main"
    reached = set()
    for _ in range(12):
        browser.key(session, "Tab", 9)
        reached.add(browser.evaluate(session, "document.activeElement.tagName"))
    assert "A" in reached


def test_text_colours_have_enough_contrast(browser: Browser, site: Path) -> None:
    session = browser.open((site / "documents" / page_name(NG206)).as_uri())
    pairs = browser.evaluate(
        session,
        """(() => ['body', 'del', 'ins', 'a', 'thead th'].map(sel => {
            const e = document.querySelector(sel); const s = getComputedStyle(e);
            let bg = s.backgroundColor, p = e;
            while (bg === 'rgba(0, 0, 0, 0)' && p.parentElement) {
                p = p.parentElement; bg = getComputedStyle(p).backgroundColor; }
            if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
            return [sel, s.color, bg]; }))()""",
    )
    for selector, colour, background in pairs:
        assert contrast(colour, background) >= 4.5, (selector, colour, background)

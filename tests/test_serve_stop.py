"""`make run` (scripts/serve.sh) started in the background stops within seconds on TERM.

A shell started in the background by another shell (`make run &`, nohup, a CI step) begins
with SIGINT ignored, and its children inherit that. Prefect's worker stops on TERM by sending
itself SIGINT: with SIGINT ignored it never stopped, and serve.sh killed it after 30 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.support.site import FixtureSite
from tests.support.smtp import free_port
from tests.support.world import NICE_PATH, html

ROOT = Path(__file__).parent.parent
SOURCES = """
[sources.nice]
name = "NICE"

[documents.nice-ng206-recommendations]
source = "nice"
title = "NICE NG206: Recommendations"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
"""


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background job of a shell has it
    os.setsid()


def _tree(pid: int) -> set[int]:
    """pid and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        here = todo.pop()
        found.add(here)
        todo += children.get(here, [])
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def test_serve_started_in_the_background_stops_within_seconds_on_term(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUIDEWATCH_"))}
    env |= {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_PREFECT_PORT": str(free_port()),
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_REWRITE": f"https://www.nice.org.uk={site.base_url}/nice",
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }
    out = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [str(ROOT / "scripts" / "serve.sh")],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        preexec_fn=_ignore_sigint,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while b"Press Ctrl-C to stop." not in (tmp_path / "serve.log").read_bytes():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        started = _tree(serve.pid)
        assert len(started) >= 3  # serve.sh, the Prefect server, the worker
        asked = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        while _alive(started) and time.monotonic() - asked < 60:
            time.sleep(0.1)
        took = time.monotonic() - asked
        assert not _alive(started)
        log = (tmp_path / "serve.log").read_text()
        assert "did not stop in 30 s" not in log, log
        assert took < 25, f"stopped after {took:.1f} s"
    finally:
        for pid in _alive(started | _tree(serve.pid)):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        serve.wait(timeout=10)

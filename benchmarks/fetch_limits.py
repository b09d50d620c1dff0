"""Measure what bounds one fetch: the overall deadline against a trickling server, and the
decoded-size cap against a gzip body that decodes to 1 GiB.

    uv run python benchmarks/fetch_limits.py

The loopback server runs in its own process, and each fetch in a fresh one, so the peak
memory printed is the fetcher's alone. Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import gzip, sys, time
from tests.support.site import FixtureSite, Reply
site = FixtureSite()
site.set("/slow", Reply(body=b"x" * 600, trickle=1.0))
raw = gzip.compress(b"\\0" * (1024 * 1024 * 1024), 9)
site.set("/bomb", Reply(body=raw, headers={"Content-Encoding": "gzip"}))
print(site.base_url, len(raw), flush=True)
sys.stdin.read()
"""

CLIENT = """
import resource, sys, time
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import ScrapeError
policy = FetchPolicy(user_agent="bench", pause_seconds=0, respect_robots=False,
                     deadline_seconds=float(sys.argv[2]))
started = time.monotonic()
try:
    HttpFetcher(policy).get(sys.argv[1])
    outcome = "fetched"
except ScrapeError as error:
    outcome = str(error)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{time.monotonic() - started:.2f} s, peak memory {peak} MiB: {outcome}")
"""


def fetch(url: str, deadline: float) -> str:
    """Fetch url in a fresh process and return its one-line report."""
    run = [sys.executable, "-c", CLIENT, url, str(deadline)]
    return subprocess.run(run, cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> None:
    """Start the server, print the figures, stop the server."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    base, raw = server.stdout.readline().split()
    try:
        for deadline in (1.0, 2.0, 5.0):
            print(f"trickle, deadline {deadline:g} s: {fetch(base + '/slow', deadline)}")
        print(f"gzip body of {int(raw):,} bytes decoding to 1 GiB: {fetch(base + '/bomb', 300)}")
    finally:
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

"""Time how long `make run` (scripts/serve.sh) takes to stop, in the cases people hit.

Starts scripts/serve.sh the way a script does, in the background (so it inherits SIGINT
ignored), on a fresh data folder and a free port, against a loopback site; waits until the
first flow run is checking documents, then sends SIGINT (Ctrl-C) or SIGTERM and times how long
until serve.sh and everything it started are gone.

    .venv/bin/python benchmarks/stop_times.py                 # both signals, a busy site
    .venv/bin/python benchmarks/stop_times.py --signal INT --site ok --runs 3

`--site busy` answers every request 503 with Retry-After: 60, so every check sits in a retry
backoff when the signal comes; `--site ok` serves small pages (the checks sit in the pause
between two requests to a host). Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402
from tests.support.site import FixtureSite, RecordedRequest, Reply  # noqa: E402

HOSTS = (
    "https://www.nice.org.uk",
    "https://www.gov.uk",
    "https://bacme.info",
    "https://batemanhornecenter.org",
)
PAGE = b"<!doctype html><html><body><main><h1>A page</h1><p>Some text.</p></main></body></html>"


class OneAnswerSite(FixtureSite):
    """A loopback site that answers every path the same way."""

    def __init__(self, busy: bool) -> None:
        super().__init__()
        if busy:
            self.answer = Reply(status=503, body=b"busy", headers={"Retry-After": "60"})
        else:
            self.answer = Reply(body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"})

    def reply_for(self, request: RecordedRequest) -> Reply:
        """The one answer, whatever was asked."""
        return self.answer


def group_alive(pgid: int) -> bool:
    """True while any process of the group is left."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def one_stop(sig: signal.Signals, site: OneAnswerSite) -> float:
    """Start serve.sh in the background, wait for a run to be checking, signal, time the stop."""
    data = Path(tempfile.mkdtemp(prefix="guidewatch-stop-"))
    log = data / "serve.log"
    env = dict(os.environ)
    env.update(
        GUIDEWATCH_DATA_DIR=str(data),
        GUIDEWATCH_PREFECT_PORT=str(free_port()),
        GUIDEWATCH_REWRITE=";".join(f"{h}={site.base_url}/{h[8:]}" for h in HOSTS),
        GUIDEWATCH_PAUSE_SECONDS="5",
        GUIDEWATCH_RESPECT_ROBOTS="false",
    )
    # `&` in a non-interactive shell: serve.sh starts with SIGINT ignored, as from a script.
    launcher = subprocess.run(
        ["bash", "-c", f"setsid scripts/serve.sh >{log} 2>&1 & echo $!"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(launcher.stdout.strip())
    deadline = time.monotonic() + 300
    while b"A first run of every document has started" not in log.read_bytes():
        if time.monotonic() > deadline:
            raise SystemExit(f"serve.sh did not start in 300 s; see {log}")
        time.sleep(0.5)
    # The flow run starts within the worker's poll (about 10 s), then checks documents.
    asked = len(site.requests)
    while len(site.requests) == asked and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)
    began = time.monotonic()
    os.kill(pid, sig)
    while group_alive(pid):
        time.sleep(0.05)
    took = time.monotonic() - began
    killed = "killing" in log.read_text(errors="replace")
    busy = site.answer.status == 503
    print(f"  SIG{sig.name[3:]} {'busy' if busy else 'ok'}: stopped in {took:.1f} s"
          f"{' (after a KILL)' if killed else ''}; log {log}")  # fmt: skip
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signal", choices=("INT", "TERM", "both"), default="both")
    parser.add_argument("--site", choices=("busy", "ok"), default="busy")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    signals = [signal.SIGINT, signal.SIGTERM] if args.signal == "both" else [
        signal.Signals[f"SIG{args.signal}"]
    ]  # fmt: skip
    site = OneAnswerSite(busy=args.site == "busy")
    try:
        for sig in signals:
            times = [one_stop(sig, site) for _ in range(args.runs)]
            spread = f"{min(times):.1f}-{max(times):.1f} s"
            print(f"SIG{sig.name[3:]}: {spread} over {len(times)} run(s)")
    finally:
        site.close()


if __name__ == "__main__":
    main()

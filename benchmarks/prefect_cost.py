"""Prefect's fixed and per-document CPU cost for `guidewatch run --prefect`, a server already up.

Starts a Prefect server on 127.0.0.1 (port 4392 unless told; its home in a temporary folder),
then, for each loopback mirror (N synthetic HTML pages from benchmarks/mirror.py, and the
shipped documents as scripts/mirror.py serves them), runs `guidewatch run` without and with
`--prefect`, each on its own data folder: one first cycle, then unchanged cycles, alternating.
The CPU of a cycle is the guidewatch process's (with the children it waited for) plus what the
Prefect server spent meanwhile. Prefect's cost is the median difference; its fixed part and
its part per document come from the line through the two mirror sizes. It asserts nothing,
and stops every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.mirror import Mirror, make_documents  # noqa: E402
from tests.support.site import FixtureSite  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in a process group."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields[0] is the state: pgrp is the 5th field
                total += (int(fields[11]) + int(fields[12])) / TICK
    return total


@contextlib.contextmanager
def prefect_server(home: Path, port: int) -> Iterator[tuple[dict[str, str], int]]:
    """A Prefect server on loopback: yield the environment to reach it and its process group."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUIDEWATCH_"))}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
    }
    prefect = str(Path(sys.executable).parent / "prefect")
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the Prefect server exited; see {home / 'server.log'}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the Prefect server did not answer within 180 s")
            time.sleep(0.5)
        yield env, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@dataclass
class Cpu:
    """CPU seconds of one cycle: the guidewatch process's and the Prefect server's meanwhile."""

    client: float
    server: float

    @property
    def total(self) -> float:
        """Client and server together."""
        return self.client + self.server


def cycle_cpu(argv: list[str], env: dict[str, str], server_group: int) -> Cpu:
    """Run one cycle; its CPU seconds and the server's over the same time."""
    before = group_cpu(server_group)
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(argv[2:])} exited {code}:\n{tail}")
    return Cpu(usage.ru_utime + usage.ru_stime, group_cpu(server_group) - before)


def measure(
    label: str,
    sources: Path,
    extra: dict[str, str],
    server: tuple[dict[str, str], int],
    rounds: int,
) -> tuple[float, float, float]:
    """Median CPU of a first cycle's difference, and unchanged cycles without and with Prefect."""
    server_env, group = server
    base = {k: v for k, v in server_env.items() if k != "PREFECT_API_URL"}
    base |= {"GUIDEWATCH_PAUSE_SECONDS": "0", "GUIDEWATCH_RESPECT_ROBOTS": "false", **extra}
    folder = Path(tempfile.mkdtemp(prefix="guidewatch-prefect-"))
    plain = base | {"GUIDEWATCH_DATA_DIR": str(folder / "plain")}
    flow = server_env | base | {"GUIDEWATCH_DATA_DIR": str(folder / "prefect")}
    argv = [sys.executable, "-m", "guidewatch", "--sources", str(sources), "run"]
    try:
        first = (
            cycle_cpu([*argv, "--prefect"], flow, group).total - cycle_cpu(argv, plain, group).total
        )
        runs: dict[str, list[Cpu]] = {"plain": [], "prefect": []}
        for _ in range(rounds):
            runs["plain"].append(cycle_cpu(argv, plain, group))
            runs["prefect"].append(cycle_cpu([*argv, "--prefect"], flow, group))
        a = statistics.median(c.total for c in runs["plain"])
        b = statistics.median(c.total for c in runs["prefect"])
        client = statistics.median(c.client for c in runs["prefect"])
        served = statistics.median(c.server for c in runs["prefect"])
        print(
            f"{label:28} first cycle +{first:5.2f} s   unchanged: plain {a:5.2f} s, "
            f"--prefect {b:5.2f} s (client {client:5.2f}, server {served:5.2f}), "
            f"Prefect +{b - a:5.2f} s   (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        return first, a, b
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def shipped_mirror(site: FixtureSite) -> tuple[Path, dict[str, str]]:
    """Serve the shipped documents with scripts/mirror.py; the sources and rewrite to use."""
    spec = importlib.util.spec_from_file_location("mirror_script", ROOT / "scripts" / "mirror.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.serve(site, 1)
    return ROOT / "guidewatch" / "sources.toml", {"GUIDEWATCH_REWRITE": script.rewrites(site)}


def main() -> int:
    """Parse options, start the server and the mirrors, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,80", help="synthetic mirror sizes (20,80)")
    parser.add_argument("--rounds", type=int, default=3, help="unchanged cycles of each (3)")
    parser.add_argument("--port", type=int, default=4392)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPU seconds, medians")
    with tempfile.TemporaryDirectory(prefix="guidewatch-prefect-home-") as home:
        with prefect_server(Path(home), args.port) as server:
            extra_by_size: dict[int, float] = {}
            for size in sizes:
                mirror = Mirror(make_documents(html=size, pdf=0))
                with mirror.site:
                    sources = Path(home) / f"sources-{size}.toml"
                    sources.write_text(mirror.sources_toml(), encoding="utf-8")
                    _, a, b = measure(f"{size} synthetic pages", sources, {}, server, args.rounds)
                    extra_by_size[size] = b - a
            with FixtureSite() as site:
                sources, extra = shipped_mirror(site)
                measure("shipped documents (mirror)", sources, extra, server, args.rounds)
    if len(sizes) >= 2:
        low, high = min(sizes), max(sizes)
        per_doc = (extra_by_size[high] - extra_by_size[low]) / (high - low)
        fixed = extra_by_size[low] - per_doc * low
        per_doc_ms = per_doc * 1000
        print(
            f"Prefect, unchanged cycles: fixed {fixed:.2f} s per run, {per_doc_ms:.0f} ms/document"
        )
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

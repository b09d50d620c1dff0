"""Prefect's fixed and per-document CPU cost for `guidewatch run --prefect`, a server already up.

Starts a Prefect server on 127.0.0.1 (port 4392 unless told; its home in a temporary folder),
then, for each loopback mirror (N synthetic HTML pages from benchmarks/mirror.py, and the
shipped documents as scripts/mirror.py serves them), runs `guidewatch run` without and with
`--prefect`, each on its own data folder: one first cycle, then unchanged cycles, alternating
(with `--before DIR`, that checkout's `--prefect` cycles too, for a before/after on one server).
The CPU of a cycle is the guidewatch process's (with the children it waited for) plus what the
Prefect server spent meanwhile, printed apart. Prefect's cost is the median difference; its
fixed part and its part per document come from the line through the two mirror sizes. It
asserts nothing, and stops every process it started.
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


def cycle_cpu(argv: list[str], env: dict[str, str], server_group: int, cwd: Path = ROOT) -> Cpu:
    """Run one cycle (from the checkout cwd); its CPU seconds and the server's meanwhile."""
    before = group_cpu(server_group)
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(argv[2:])} in {cwd} exited {code}:\n{tail}")
    return Cpu(usage.ru_utime + usage.ru_stime, group_cpu(server_group) - before)


def measure(
    label: str,
    sources: Path,
    extra: dict[str, str],
    server: tuple[dict[str, str], int],
    rounds: int,
    checkouts: dict[str, Path],
) -> dict[str, float]:
    """Prefect's extra CPU on unchanged cycles (median) for each checkout, printed with the rest.

    The plain cycles run from this checkout; each checkout's `--prefect` cycles from its own
    folder (`python -m guidewatch` imports from the working folder), on a data folder of its
    own, alternating with the others round by round.
    """
    server_env, group = server
    base = {k: v for k, v in server_env.items() if k != "PREFECT_API_URL"}
    base |= {"GUIDEWATCH_PAUSE_SECONDS": "0", "GUIDEWATCH_RESPECT_ROBOTS": "false", **extra}
    folder = Path(tempfile.mkdtemp(prefix="guidewatch-prefect-"))
    plain = base | {"GUIDEWATCH_DATA_DIR": str(folder / "plain")}
    flows = {
        name: server_env | base | {"GUIDEWATCH_DATA_DIR": str(folder / f"prefect-{name}")}
        for name in checkouts
    }
    argv = [sys.executable, "-m", "guidewatch", "--sources", str(sources), "run"]
    try:
        first_plain = cycle_cpu(argv, plain, group).total
        first = {
            name: cycle_cpu([*argv, "--prefect"], flows[name], group, cwd).total - first_plain
            for name, cwd in checkouts.items()
        }
        plains: list[Cpu] = []
        runs: dict[str, list[Cpu]] = {name: [] for name in checkouts}
        for _ in range(rounds):
            plains.append(cycle_cpu(argv, plain, group))
            for name, cwd in checkouts.items():
                runs[name].append(cycle_cpu([*argv, "--prefect"], flows[name], group, cwd))
        a = statistics.median(c.total for c in plains)
        print(f"{label}: plain {a:5.2f} s (load {os.getloadavg()[0]:.2f})", flush=True)
        extra_cpu: dict[str, float] = {}
        for name, cpus in runs.items():
            b = statistics.median(c.total for c in cpus)
            client = statistics.median(c.client for c in cpus)
            served = statistics.median(c.server for c in cpus)
            extra_cpu[name] = b - a
            print(
                f"  {name:8} first cycle +{first[name]:5.2f} s   unchanged: --prefect {b:5.2f} s "
                f"(client {client:5.2f}, server {served:5.2f}), Prefect +{b - a:5.2f} s",
                flush=True,
            )
        return extra_cpu
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


def run(
    sizes: list[int], rounds: int, port: int, checkouts: dict[str, Path], shipped: bool = True
) -> dict[str, dict[str, float]]:
    """Start the server and the mirrors, print the figures; return Prefect's cost per checkout.

    By checkout: the extra CPU seconds of an unchanged cycle at each size ("extra_<size>"),
    and with two sizes or more the fixed seconds per run and the seconds per document; the
    loads before and after. `shipped` measures the shipped documents' mirror too (printed).
    """
    load_start = os.getloadavg()[0]
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPU seconds, medians")
    with tempfile.TemporaryDirectory(prefix="guidewatch-prefect-home-") as home:
        with prefect_server(Path(home), port) as server:
            by_size: dict[int, dict[str, float]] = {}
            for size in sizes:
                mirror = Mirror(make_documents(html=size, pdf=0))
                with mirror.site:
                    sources = Path(home) / f"sources-{size}.toml"
                    sources.write_text(mirror.sources_toml(), encoding="utf-8")
                    label = f"{size} synthetic pages"
                    by_size[size] = measure(label, sources, {}, server, rounds, checkouts)
            if shipped:
                with FixtureSite() as site:
                    sources, extra = shipped_mirror(site)
                    label = "shipped documents (mirror)"
                    measure(label, sources, extra, server, rounds, checkouts)
    figures: dict[str, dict[str, float]] = {
        name: {f"extra_{size}": by_size[size][name] for size in sizes} for name in checkouts
    }
    if len(sizes) >= 2:
        low, high = min(sizes), max(sizes)
        for name in checkouts:
            per_doc = (by_size[high][name] - by_size[low][name]) / (high - low)
            fixed = by_size[low][name] - per_doc * low
            figures[name] |= {"fixed_s": fixed, "per_document_s": per_doc}
            print(
                f"Prefect ({name}), unchanged cycles: fixed {fixed:.2f} s per run, "
                f"{per_doc * 1000:.0f} ms/document"
            )
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in checkouts:
        figures[name] |= {"load_start": load_start, "load_end": os.getloadavg()[0]}
    return figures


def main() -> int:
    """Parse options, start the server and the mirrors, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,80", help="synthetic mirror sizes (20,80)")
    parser.add_argument("--rounds", type=int, default=3, help="unchanged cycles of each (3)")
    parser.add_argument("--port", type=int, default=4392)
    parser.add_argument(
        "--before", type=Path, help="another checkout whose --prefect cycles alternate with these"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    checkouts = {"this": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    run(sizes, args.rounds, args.port, checkouts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

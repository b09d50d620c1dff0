"""Time query commands as whole processes: median wall and CPU of N runs, with the load.

    bin/python benchmarks/processes.py --document doc-0010 --at 2024-07-01
    bin/python benchmarks/processes.py --against /tmp/before   # alternate with another checkout

GUIDEWATCH_DATA_DIR or GUIDEWATCH_DATABASE_URL names the history (SQLite or PostgreSQL). Each
command runs `python -m guidewatch` from the checkout's folder, so `--against DIR` (an older
tree, e.g. from `git archive`) runs that tree's code with this interpreter and packages; the
runs alternate so both see the same load. Compile bytecode first (`python -m compileall` on
the trees, as `UV_COMPILE_BYTECODE=1` does for packages) when PYTHONDONTWRITEBYTECODE is set.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(
    argv: list[str], root: Path = ROOT, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Run `python -m guidewatch ARGV` once from `root`: its wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "guidewatch", *argv],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def commands(document: str, at: str) -> dict[str, list[str]]:
    """The commands timed, by name."""
    return {
        "--help": ["--help"],
        "history": ["history", document],
        "search": ["search", "Lightning Process"],
        "show --at": ["show", document, "--at", at],
        "show --section": ["show", document, "--at", at, "--section", "3"],
        "timeline": ["timeline", document],
        "fetches": ["fetches", document, "--limit", "20"],
    }


def time_commands(
    named: dict[str, list[str]],
    trees: dict[str, Path],
    repeat: int,
    env: dict[str, str] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Time each command in each tree, alternating; print a row each and return the figures.

    The figures, by command then tree: median wall, median CPU and least CPU, in ms, and the
    1-minute load averages before and after the command's runs.
    """
    columns = ("median wall ms", "median CPU ms", "least CPU ms")
    print(f"{'command':14} {'tree':8} " + " ".join(f"{c:>14}" for c in columns))
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for name, argv in named.items():
        runs: dict[str, list[tuple[float, float]]] = {tree: [] for tree in trees}
        load_before = os.getloadavg()[0]
        for _ in range(repeat):
            for tree, root in trees.items():
                runs[tree].append(run_once(argv, root, env))
        load_after = os.getloadavg()[0]
        figures[name] = {}
        for tree, found in runs.items():
            wall = statistics.median(r[0] for r in found) * 1000
            cpu = statistics.median(r[1] for r in found) * 1000
            least = min(r[1] for r in found) * 1000  # the run the other processes slowed least
            print(f"{name:14} {tree:8} {wall:14.0f} {cpu:14.0f} {least:14.0f}")
            figures[name][tree] = {
                "wall_ms": wall, "cpu_ms": cpu, "least_cpu_ms": least,
                "load_min": min(load_before, load_after), "load_max": max(load_before, load_after),
            }  # fmt: skip
    return figures


def main_cli() -> int:
    """Time each command, in this tree (and alternately in another one with --against)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", default="doc-0010", help="a stored document id")
    parser.add_argument("--at", default="2024-01-20", help="the date for show --at")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout to compare")
    args = parser.parse_args()
    trees = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    where = os.environ.get("GUIDEWATCH_DATABASE_URL") or os.environ.get("GUIDEWATCH_DATA_DIR")
    print(f"history: {where}; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE')}")
    print(f"load {_load()}; {args.repeat} runs each; trees: {trees}")
    time_commands(commands(args.document, args.at), trees, args.repeat)
    print(f"load {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())

"""Time query commands as whole processes: median wall and CPU of N runs, with the load."""

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


def run_once(argv: list[str]) -> tuple[float, float]:
    """Run `python -m guidewatch ARGV` once: its wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "guidewatch", *argv],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main_cli() -> int:
    """Time each command (GUIDEWATCH_DATA_DIR or GUIDEWATCH_DATABASE_URL names the history)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", default="doc-0010", help="a stored document id")
    parser.add_argument("--at", default="2024-01-20", help="the date for show --at")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    commands = {
        "--help": ["--help"],
        "history": ["history", args.document],
        "search": ["search", "Lightning Process"],
        "show --at": ["show", args.document, "--at", args.at],
    }
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.repeat} runs each")
    print(f"{'command':12} {'median wall ms':>15} {'median CPU ms':>14}")
    for name, argv in commands.items():
        runs = [run_once(argv) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs) * 1000
        cpu = statistics.median(r[1] for r in runs) * 1000
        print(f"{name:12} {wall:15.0f} {cpu:14.0f}")
    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())

"""What one unchanged (304) document costs, in process: the check alone, without start-up.

Serves the mirror of benchmarks/mirror.py (HTML pages only by default) on 127.0.0.1 in this
process, stores a first cycle and a first unchanged cycle, then times further unchanged
cycles with `time.thread_time()`: the CPU of the thread that runs the cycle, so the mirror's
server thread is not counted. Prints each cycle's CPU per document and their median.

    bin/python benchmarks/unchanged.py                 # 100 pages, 5 cycles
    bin/python benchmarks/unchanged.py --root /tmp/before --html 100   # another checkout

Not a test: it prints figures, asserts only that every document was answered 304.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Build the mirror, store it, time the unchanged cycles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="the guidewatch checkout to measure")
    parser.add_argument("--html", type=int, default=100)
    parser.add_argument("--pdf", type=int, default=0)
    parser.add_argument("--cycles", type=int, default=5, help="unchanged cycles timed (5)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.root).resolve()))
    from benchmarks.mirror import Mirror, make_documents
    from guidewatch.app import App
    from guidewatch.cycle import run_cycle
    from guidewatch.settings import load_settings
    from guidewatch.sources import load_catalog

    mirror = Mirror(make_documents(args.html, args.pdf))
    with tempfile.TemporaryDirectory(prefix="guidewatch-unchanged-") as scratch:
        sources = Path(scratch) / "sources.toml"
        sources.write_text(mirror.sources_toml(), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEWATCH_")}
        env |= {"GUIDEWATCH_DATA_DIR": str(Path(scratch) / "data"), "GUIDEWATCH_PAUSE_SECONDS": "0"}
        app = App(settings=load_settings(env))
        specs = load_catalog(sources).select([], [])
        engine, policy = app.writable_engine(), app.policy()
        for _ in range(2):  # a first cycle, then the first 304s (new header sets)
            run_cycle(specs, engine=engine, policy=policy)
        per_document = []
        for _ in range(args.cycles):
            began = time.thread_time()
            results = run_cycle(specs, engine=engine, policy=policy)
            per_document.append((time.thread_time() - began) / len(specs) * 1000)
            assert {r.outcome for r in results} == {"not_modified"}, results
        engine.dispose()
    cells = " ".join(f"{ms:.2f}" for ms in per_document)
    print(
        f"{args.root}: {len(specs)} documents, ms of CPU per unchanged document: {cells}; "
        f"median {statistics.median(per_document):.2f}; load {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

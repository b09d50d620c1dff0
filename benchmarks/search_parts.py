"""Where a `search` process's CPU goes: starting with SQLAlchemy, the search, the hash check.

For a search whose process is over its target, this says which part is the floor: a process
that starts Python, imports the command line's module and SQLAlchemy (the database layer every
command reads through) and stops; and, in one process per run, the search itself and the check
of every version it quotes against its text SHA-256 (issue 12: altered text must not print
silently). Medians of CPU seconds.

    bin/python benchmarks/search_parts.py sqlite:////tmp/history.db "diagnosing and managing"

Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cycle import cpu_of  # noqa: E402


def parts(url: str, phrase: str, repeat: int) -> dict[str, float]:
    """Median CPU seconds of starting with SQLAlchemy, the search and the check; the counts."""
    # With the collector set as the command line sets it (guidewatch.cli), as in the command.
    probe = "from guidewatch.cli import collect_less_often; collect_less_often(); import sqlalchemy"
    imports = [cpu_of([sys.executable, "-c", probe], dict(os.environ), ROOT) for _ in range(repeat)]
    argv = [sys.executable, __file__, "--inside", url, phrase]
    inside = [
        json.loads(subprocess.run(argv, capture_output=True, check=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return {
        "import_sqlalchemy_s": statistics.median(imports),
        "search_s": statistics.median(r["search_s"] for r in inside),
        "check_s": statistics.median(r["check_s"] for r in inside),
        "hits": inside[0]["hits"],
        "versions_checked": inside[0]["versions_checked"],
    }


def inside(url: str, phrase: str) -> dict[str, float]:
    """In this process: the search, then the check of the versions it quotes (CPU seconds)."""
    from guidewatch.cli import collect_less_often

    collect_less_often()
    from storage.db import make_engine, open_reader
    from storage.search import search
    from storage.text_check import verified_versions

    with open_reader(make_engine(url)) as session:
        began = time.process_time()
        hits = search(session=session, phrase=phrase)
        searched = time.process_time()
        refs = {(h.document_id, n) for h in hits for n in (h.first_version, h.last_version)}
        checked = verified_versions(session=session, refs=refs)
        done = time.process_time()
    return {
        "search_s": searched - began,
        "check_s": done - searched,
        "hits": len(hits),
        "versions_checked": len(checked),
    }


def main() -> int:
    """Print the parts of one search on the database at URL."""
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        print(json.dumps(inside(sys.argv[2], sys.argv[3])))
        return 0
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        return 2
    found = parts(sys.argv[1], sys.argv[2], 5)
    print(
        f"Python starting and importing SQLAlchemy {found['import_sqlalchemy_s']:.3f} s; search "
        f"{found['search_s']:.3f} s ({found['hits']:,} hits); check of the "
        f"{found['versions_checked']:,} versions quoted {found['check_s']:.3f} s "
        f"(CPU, medians of 5; load {os.getloadavg()[0]:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""benchmarks/targets.py runs end to end at the smallest sizes: every target row, numbers.

A smoke test of the benchmark's plumbing: it asserts no timing (speed belongs in the benchmark).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# issue 13's targets, as the table names them (in its order)
CYCLE = [
    "an unchanged document, CPU / urlwatch's (per document beyond the first)",
    "a whole unchanged cycle, CPU / urlwatch's",
    "a cycle with 5% changed, CPU / urlwatch's",
    "a first cycle, CPU / urlwatch's",
]
QUERIES = [
    "each query command as a process, SQLite",
    "timeline across all documents as a process, SQLite",
]
POSTGRESQL = [
    "each query command as a process, PostgreSQL",
    "timeline across all documents as a process, PostgreSQL",
]
STORAGE = [
    "database growth per unchanged fetch, answered 304",
    "database growth per unchanged fetch, answered 200, same body",
    "every fetch kept (its time, outcome, status)",
    "database / unique bodies gzip-compressed",
    "commits per unchanged document (whole run)",
]
PROBE = [
    "event-table statements per unchanged document",
    "bytecode compiled at install",
    "modules an all-unchanged run has no use for",
    "an index on fetches(version_id)",
]
PREFECT = [
    "Prefect's fixed cost per `run --prefect`, a server up",
    "Prefect's cost per document",
]
EXPECTED = CYCLE + QUERIES + POSTGRESQL + STORAGE + PROBE + PREFECT


def test_one_run_reports_every_target(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    argv = [
        sys.executable, str(ROOT / "benchmarks" / "targets.py"),
        "--html", "2", "--pdf", "1", "--repeat", "1", "--storage-cycles", "1",
        "--documents", "5", "--days", "10", "--database", "sqlite", "--skip", "prefect",
        "--json", str(out), "--urlwatch", "none",  # installing it would need the internet
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUIDEWATCH_", "PREFECT_"))}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout[done.stdout.index("issue 13's targets") :]
    assert "QUICK sizes, not the issue's" in table  # small sizes are never taken for the issue's
    lines = [line for line in table.splitlines() if line.startswith("| ")][2:]
    assert [line.split(" | ")[0].removeprefix("| ") for line in lines] == EXPECTED

    record = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["target"]: row for row in record["targets"]}
    assert list(rows) == EXPECTED
    not_measured = set(CYCLE + POSTGRESQL + PREFECT)  # --urlwatch none, SQLite only, no Prefect
    for target, row in rows.items():
        if target in not_measured:
            assert row["figure"] is None and row["met"] == "not measured", row
            assert row["shown"].startswith("not measured ("), row
        else:
            figure = row["figure"]
            assert isinstance(figure, int | float) and math.isfinite(figure), row
            assert row["met"] in ("yes", "no"), row
    # the figures behind the rows are numbers too
    assert record["figures"]["storage"]["fetch_rows"] == record["figures"]["storage"]["fetches"]
    for value in record["figures"]["storage"].values():
        assert isinstance(value, int | float)
    commands = record["figures"]["queries"]["sqlite"]["commands"]
    assert {"history", "show --at", "timeline --topic, all documents"} <= set(commands)
    for figures in commands.values():
        assert all(isinstance(v, float) for v in figures["this"].values())
    cycle = record["figures"]["cycle"]["guidewatch"]
    assert set(cycle) == {"first (all new)", "5% changed", "all unchanged"}
    assert record["figures"]["probe"]["index"] is True

"""The command line makes the cyclic garbage collector run less often, never more often, and
not through what is left when the process exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import atexit, gc, json
# registered first, so run last (atexit runs handlers last in, first out)
atexit.register(lambda: print(json.dumps(["frozen at exit", gc.get_freeze_count() > 0])))
from guidewatch.cli import YOUNG_GENERATION, collect_less_often, main
seen = []
for threshold in [(700, 10, 10), (100_000, 10, 10), (0, 10, 10)]:
    gc.set_threshold(*threshold)
    collect_less_often()
    seen.append(gc.get_threshold())
gc.set_threshold(700, 10, 10)
try:
    main(["--help"])
except SystemExit:
    pass
seen.append(gc.get_threshold())
print(json.dumps([YOUNG_GENERATION, seen, gc.get_freeze_count()]))
"""


def test_the_young_generation_is_raised_only_from_below_and_the_exit_collects_nothing() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    *_, last, at_exit = out.stdout.splitlines()
    young, seen, frozen_before_exit = json.loads(last)
    assert young > 700
    assert seen == [
        [young, 10, 10],  # the default raised
        [100_000, 10, 10],  # a larger one kept
        [0, 10, 10],  # a collector switched off stays off
        [young, 10, 10],  # every command does it first
    ]
    assert frozen_before_exit == 0  # nothing is frozen while the process works
    assert json.loads(at_exit) == ["frozen at exit", True]

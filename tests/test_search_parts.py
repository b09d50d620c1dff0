"""benchmarks/search_parts.py and the note targets.py prints when a search is over its target.

Plumbing only, on a small synthetic history: the parts are measured and named, no time is
asserted (speed belongs in the benchmark).
"""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks import history, search_parts, targets

PHRASE = "diagnosing and managing ME/CFS"  # history.py puts it in every document


def test_parts_of_a_search_in_every_document(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/history.db"
    facts = history.prepare(url, history.Shape(6, 20, 0.1, 4)).facts
    found = search_parts.parts(url, PHRASE, 1)

    assert found["hits"] >= facts["documents"] == 6
    # each hit quotes its first and last version; no version twice
    assert found["hits"] <= found["versions_checked"] <= 2 * found["hits"]
    for name in ("import_sqlalchemy_s", "search_s", "check_s"):
        assert math.isfinite(found[name]) and found[name] > 0, (name, found)

    run = targets.Run(targets.QUICK, quick=True)
    run.figures["queries"] = {"sqlite": {}}
    named = targets.query_commands(facts)
    note = targets.search_floor(run, "sqlite", url, named)
    assert named[targets.EVERYWHERE] == ["search", PHRASE]
    assert note.startswith(f"{targets.EVERYWHERE}: Python starting and importing SQLAlchemy ")
    checked = run.figures["queries"]["sqlite"]["search_parts"]["versions_checked"]
    assert f"the check of the {checked:,} versions it quotes" in note

"""Every target of issue 13 in one run: each benchmark's measurement, then one table.

Runs the measurements of cycle.py (CPU of whole `guidewatch run` processes against urlwatch's,
and on a one-page mirror for the cost per unchanged document), storage.py (bytes per unchanged
fetch, SQL and commits per unchanged document, the database against the compressed bodies),
history.py + processes.py (each query command as a whole process on a synthetic history, on
SQLite and PostgreSQL) and prefect_cost.py (Prefect's fixed and per-document cost), plus a
probe of an all-unchanged run (bytecode, modules loaded, the fetches(version_id) index). Each
script prints its own figures as it goes; the last thing printed is the table: each target,
the figure measured, the threshold, met or not, and the load average while it was measured.

    bin/python benchmarks/targets.py                 # the issue's sizes, urlwatch installed
    bin/python benchmarks/targets.py --quick --database sqlite --skip prefect --json now.json

urlwatch 2.29 is installed into a scratch environment the first time (benchmarks/urlwatch_env.py;
`--urlwatch PYTHON` uses one you have, `--urlwatch none` leaves the ratios out). A target it
cannot measure (urlwatch not installed, no PostgreSQL server binaries, a part skipped) is
reported as not measured, never guessed. Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file's folder comes first on sys.path, and storage.py there would hide the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    cycle,
    history,
    prefect_cost,
    processes,
    search_parts,
    storage,
    urlwatch_env,
)
from benchmarks.mirror import Mirror, make_documents  # noqa: E402

PARTS = ("cycle", "storage", "queries", "prefect", "probe")
# Modules an all-unchanged run has no use for (issue 13: alembic only to migrate, no rich or
# click through httpx's command line; bs4 and pypdfium2 only to read a body).
UNUSED = ("alembic", "rich", "click", "bs4", "pypdfium2")


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does."""

    html: int = 150
    pdf: int = 50
    repeat: int = 5  # runs of each cycle, and of each query command
    documents: int = 1000
    days: int = 365
    storage_cycles: int = 5
    prefect_sizes: tuple[int, ...] = (20, 80)
    prefect_rounds: int = 3

    def describe(self, prefect: bool = True) -> str:
        """The sizes in a line, for the table's heading."""
        return (
            f"{self.html} pages + {self.pdf} PDFs, {self.repeat} runs per cycle and per query; "
            f"history {self.documents:,} x {self.days} days; {self.storage_cycles} unchanged "
            "storage cycles"
            + (
                f"; Prefect on {' and '.join(map(str, self.prefect_sizes))} pages, "
                f"{self.prefect_rounds} rounds"
                if prefect
                else ""
            )
        )


FULL = Sizes()
QUICK = Sizes(30, 10, 3, 100, 60, 3, (5, 20), 2)


@dataclass
class Row:
    """One target of the table."""

    target: str
    threshold: str
    figure: float | None = None  # None: not measured
    shown: str = ""  # the figure as the table shows it, with what it compares
    met: bool | None = None
    load: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        """yes, no or not measured."""
        return "not measured" if self.met is None else ("yes" if self.met else "no")


@dataclass
class Run:
    """What one run of this script measured: its rows, and every figure behind them."""

    sizes: Sizes
    quick: bool
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        """Keep a row."""
        self.rows.append(row)

    def missing(self, target: str, threshold: str, why: str) -> None:
        """Keep a row for a target not measured, and why."""
        self.rows.append(Row(target, threshold, shown=f"not measured ({why})"))


def span(*loads: float) -> str:
    """A range of 1-minute load averages, as the table shows it."""
    low, high = min(loads), max(loads)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f}"


def phase_loads(*phases: dict[str, float]) -> str:
    """The loads seen during some phases of the cycle benchmark."""
    return span(*(p["load_min"] for p in phases), *(p["load_max"] for p in phases))


# Cycles ---------------------------------------------------------------------------------


CYCLE_TARGETS = (
    ("all unchanged", "a whole unchanged cycle, CPU / urlwatch's", 1.0),
    ("5% changed", "a cycle with 5% changed, CPU / urlwatch's", 1.5),
    ("first (all new)", "a first cycle, CPU / urlwatch's", 3.0),
)
PER_DOCUMENT = "an unchanged document, CPU / urlwatch's (per document beyond the first)"


def measure_cycles(run: Run, choice: str) -> None:
    """Cycles on the mirror and on a one-page mirror; the ratios against urlwatch's."""
    urlwatch, why_not = urlwatch_env.resolve(choice)
    if why_not and choice == "install":
        print(f"urlwatch not measured: {why_not}", flush=True)
    s = run.sizes
    print("\n=== cycles (benchmarks/cycle.py)", flush=True)
    big = cycle.run(s.html, s.pdf, s.repeat, urlwatch)
    print("\n=== cycles on a one-page mirror, for the cost per run", flush=True)
    one = cycle.run(1, 0, s.repeat, urlwatch)
    run.figures["cycle"] = big
    run.figures["cycle_one_page"] = one
    gw = big["guidewatch"]
    uw = big.get("urlwatch")
    for phase, target, limit in CYCLE_TARGETS:
        threshold = f"<= {limit:.1f}x"
        mine = gw[phase]["cpu_s"]
        if uw is None:
            run.missing(target, threshold, f"{why_not}; guidewatch {mine:.2f} s")
            continue
        ratio = mine / uw[phase]["cpu_s"]
        shown = f"{ratio:.2f}x ({mine:.2f} s against {uw[phase]['cpu_s']:.2f} s)"
        loads = phase_loads(gw[phase], uw[phase])
        run.add(Row(target, threshold, ratio, shown, ratio <= limit, loads))
    docs = s.html + s.pdf
    if docs < 2:
        run.missing(PER_DOCUMENT, "<= 1.0x", "a mirror of one document")
        return

    def per_document(tool: str) -> float:
        return (big[tool]["all unchanged"]["cpu_s"] - one[tool]["all unchanged"]["cpu_s"]) / (
            docs - 1
        )

    mine = per_document("guidewatch")
    if uw is None:
        run.missing(PER_DOCUMENT, "<= 1.0x", f"{why_not}; guidewatch {mine * 1000:.2f} ms")
        return
    theirs = per_document("urlwatch")
    ratio = mine / theirs
    phases = [t["all unchanged"] for f in (big, one) for t in f.values()]
    shown = f"{ratio:.2f}x ({mine * 1000:.2f} ms against {theirs * 1000:.2f} ms)"
    run.add(Row(PER_DOCUMENT, "<= 1.0x", ratio, shown, ratio <= 1.0, phase_loads(*phases)))


# Storage --------------------------------------------------------------------------------


def measure_storage(run: Run) -> None:
    """Bytes per unchanged fetch, SQL and commits per unchanged document, the 1.2x."""
    s = run.sizes
    print("\n=== storage (benchmarks/storage.py)", flush=True)
    mirror = Mirror(make_documents(s.html, s.pdf))
    with mirror.site:
        f = storage.measure(mirror, f"{s.html} HTML pages + {s.pdf} PDFs", s.storage_cycles, 1)
    run.figures["storage"] = f
    load = span(f["load_start"], f["load_end"])
    for kind, label in (("304", "answered 304"), ("200", "answered 200, same body")):
        b = f[f"bytes_{kind}"]
        shown = f"{b:.0f} B in tables and indexes ({f[f'file_bytes_{kind}']:.0f} B of file)"
        target = f"database growth per unchanged fetch, {label}"
        run.add(Row(target, "<= 300 B", b, shown, b <= 300, load))
    kept = f["fetch_rows"] / f["fetches"]
    shown = f"{f['fetch_rows']:,} fetch rows for {f['fetches']:,} fetches"
    run.add(
        Row(
            "every fetch kept (its time, outcome, status)",
            "1 row per fetch",
            kept,
            shown,
            f["fetch_rows"] == f["fetches"],
            load,
        )
    )
    shown = (
        f"{f['ratio']:.2f}x after {f['fetches']:,} fetches (first cycle {f['first_ratio']:.2f}x)"
    )
    target = "database / unique bodies gzip-compressed"
    met = f["ratio"] <= 1.2
    run.add(Row(target, "<= 1.2x", f["ratio"], shown, met, load, "" if met else makeup(f)))
    commits = max(f["commits_304"], f["commits_200"])
    shown = (
        f"{f['commits_304']:.2f} (304), {f['commits_200']:.2f} (200 same body); "
        f"{f['sql_304']:.1f} and {f['sql_200']:.1f} statements"
    )
    target = "commits per unchanged document (whole run)"
    run.add(Row(target, "<= 1", commits, shown, commits <= 1.0, load))


def makeup(f: dict[str, Any]) -> str:
    """What the database holds against the bodies, and how the fetch log grows against them."""
    packed = f["bodies_compressed_bytes"]
    parts = sorted(
        ((k, v) for k, v in f.items() if k.startswith("makeup: ")), key=lambda kv: -kv[1]
    )
    held = "; ".join(
        f"{label.removeprefix('makeup: ')} {size / packed:.2f}x" for label, size in parts
    )
    log = f.get("makeup: fetch log and header sets", 0) / packed
    per_cycle = f["bytes_304"] * f["documents"] / packed
    return (
        f"bytes used, against the bodies: {held}. The fetch log alone is {log:.2f}x after "
        f"{f['fetches']:,} fetches and each unchanged cycle adds {per_cycle:.3f}x to it "
        f"({f['bytes_304']:.0f} B per fetch answered 304), while the bodies stay as they are"
    )


# Queries --------------------------------------------------------------------------------


EVERYWHERE = "search phrase in every document"


def query_commands(facts: dict[str, Any]) -> dict[str, list[str]]:
    """history.py's queries, with processes.py's `show --at` and `fetches`."""
    named = history.queries(facts)
    more = processes.commands(facts["example"], "2024-07-01")
    named["show --at"] = more["show --at"]
    named["fetches"] = more["fetches"]
    named["timeline --term, all documents"] = ["timeline", "--term", "pacing up"]
    return named


def across(name: str) -> bool:
    """Whether a command is a timeline across all documents (its own target, < 1 s)."""
    return name.startswith("timeline") and "all documents" in name


def measure_queries(run: Run, database: str, url: str) -> None:
    """Build the history in one database and time every query command as a process."""
    s = run.sizes
    shape = history.Shape(s.documents, s.days, 0.03, 12)
    built = history.prepare(url, shape)
    facts = built.facts
    print(
        f"{facts['documents']:,} documents, {facts['fetches']:,} fetches, "
        f"{facts['versions']:,} versions; built in {built.built:.0f} s, terms counted in "
        f"{built.counted:.0f} s; {built.size / 1e6:.1f} MB",
        flush=True,
    )
    env = {**os.environ, "GUIDEWATCH_DATABASE_URL": url}
    named = query_commands(facts)
    processes.run_once(named["timeline --term, all documents"], ROOT, env)  # counts it once
    figures = processes.time_commands(named, {"this": ROOT}, s.repeat, env)
    cpu = {name: f["this"]["cpu_ms"] / 1000 for name, f in figures.items()}
    run.figures.setdefault("queries", {})[database] = {"facts": facts, "commands": figures}
    limit = 0.3 if database == "sqlite" else 0.5
    label = "SQLite" if database == "sqlite" else "PostgreSQL"
    loads = [v for f in figures.values() for v in (f["this"]["load_min"], f["this"]["load_max"])]
    note = "" if database == "sqlite" else "CPU of the client process, not the server's"
    for target, chosen, threshold in (
        (f"each query command as a process, {label}", lambda n: not across(n), limit),
        (f"timeline across all documents as a process, {label}", across, 1.0),
    ):
        picked = {n: c for n, c in cpu.items() if chosen(n)}
        worst = max(picked, key=lambda n: picked[n])
        over = [n for n, c in picked.items() if c >= threshold]
        wall = figures[worst]["this"]["wall_ms"] / 1000
        shown = f"worst {picked[worst]:.2f} s of CPU, {wall:.2f} s wall ({worst})"
        if over:
            shown += f"; {len(over)} of {len(picked)} at or over: {', '.join(over)}"
        else:
            shown += f"; all {len(picked)} under"
        why = search_floor(run, database, url, named) if EVERYWHERE in over else ""
        row_note = "; ".join(n for n in (note, why) if n)
        run.add(
            Row(target, f"< {threshold} s", picked[worst], shown, not over, span(*loads), row_note)
        )


def search_floor(run: Run, database: str, url: str, named: dict[str, list[str]]) -> str:
    """Where the CPU of the search in every document goes, when it is over its target."""
    phrase = named[EVERYWHERE][1]
    found = search_parts.parts(url, phrase, run.sizes.repeat)
    run.figures["queries"][database]["search_parts"] = found
    return (
        f"{EVERYWHERE}: Python starting and importing SQLAlchemy "
        f"{found['import_sqlalchemy_s']:.2f} s; in "
        f"process the search {found['search_s']:.2f} s ({found['hits']:,} hits) and the check of "
        f"the {found['versions_checked']:,} versions it quotes against their text SHA-256 "
        f"(issue 12) {found['check_s']:.2f} s (benchmarks/search_parts.py)"
    )


def query_targets(database: str) -> list[tuple[str, str]]:
    """The query rows of one database (target, threshold), for rows not measured."""
    label = "SQLite" if database == "sqlite" else "PostgreSQL"
    limit = "< 0.3 s" if database == "sqlite" else "< 0.5 s"
    return [
        (f"each query command as a process, {label}", limit),
        (f"timeline across all documents as a process, {label}", "< 1.0 s"),
    ]


def measure_all_queries(run: Run, databases: list[str]) -> None:
    """The query targets on each database asked for (and 'not measured' for the others)."""
    for database in ("sqlite", "postgresql"):
        if database not in databases:
            for target, threshold in query_targets(database):
                run.missing(target, threshold, f"--database {'/'.join(databases)}")
            continue
        print(f"\n=== queries on {database} (benchmarks/history.py, processes.py)", flush=True)
        if database == "sqlite":
            with tempfile.TemporaryDirectory(prefix="guidewatch-targets-") as folder:
                measure_queries(run, database, f"sqlite:///{folder}/history.db")
            continue
        with contextlib.ExitStack() as stack:
            try:
                url = stack.enter_context(history.postgres_url())
            except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
                print(f"PostgreSQL not measured: {error}")  # no server binaries, or no start
                for target, threshold in query_targets(database):
                    run.missing(target, threshold, "PostgreSQL could not run here")
                continue
            measure_queries(run, database, url)


# Prefect --------------------------------------------------------------------------------


PREFECT_FIXED = "Prefect's fixed cost per `run --prefect`, a server up"
PREFECT_PER_DOC = "Prefect's cost per document"


def measure_prefect(run: Run, port: int) -> None:
    """Prefect's fixed and per-document cost on unchanged cycles."""
    s = run.sizes
    print("\n=== Prefect (benchmarks/prefect_cost.py)", flush=True)
    try:
        f = prefect_cost.run(list(s.prefect_sizes), s.prefect_rounds, port, {"this": ROOT}, False)
    except RuntimeError as error:  # the server did not start, or a cycle failed
        print(f"Prefect not measured: {error}")
        why = str(error).splitlines()[0][:120]
        run.missing(PREFECT_FIXED, "< 10 s", why)
        run.missing(PREFECT_PER_DOC, "< 20 ms", why)
        return
    mine = f["this"]
    run.figures["prefect"] = mine
    load = span(mine["load_start"], mine["load_end"])
    fixed, per_doc = mine["fixed_s"], mine["per_document_s"]
    run.add(Row(PREFECT_FIXED, "< 10 s", fixed, f"{fixed:.2f} s", fixed < 10, load))
    run.add(
        Row(
            PREFECT_PER_DOC,
            "< 20 ms",
            per_doc * 1000,
            f"{per_doc * 1000:.1f} ms",
            per_doc < 0.020,
            load,
            "from the line through the two mirror sizes",
        )
    )


# Probe of an all-unchanged run ----------------------------------------------------------


PROBE = """
import contextlib, io, json, os, re, sys, sysconfig
from sqlalchemy import event
from sqlalchemy.engine import Engine
from guidewatch.cli import main
events = []
def statement(_c, _cur, sql, *_):
    events.extend([sql] if re.search(EVENTS, sql) else [])
event.listen(Engine, "before_cursor_execute", statement)
with contextlib.redirect_stdout(io.StringIO()):
    status = main(["--sources", sys.argv[1], "run"])
packages = sysconfig.get_paths()["purelib"]
found = {"packages": [0, 0], "project": [0, 0], "uncompiled": []}
for name, module in list(sys.modules.items()):
    path, cached = getattr(module, "__file__", None), getattr(module, "__cached__", None)
    if not path or not path.endswith(".py") or not cached:
        continue
    where = "packages" if path.startswith(packages) else None
    where = "project" if path.startswith(os.getcwd()) and not where else where
    if where:
        found[where][0] += 1
        found[where][1] += os.path.exists(cached)
        if not os.path.exists(cached):
            found["uncompiled"].append(name)
found["status"] = status
found["events"] = len(events)
found["loaded"] = sorted(n for n in UNUSED if n in sys.modules)
found["uncompiled"] = sorted(found["uncompiled"])[:12]
print(json.dumps(found))
"""


def version_id_indexed(db: Path) -> bool:
    """Whether an index of the fetches table starts with version_id."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        for row in connection.execute("PRAGMA index_list('fetches')").fetchall():
            columns = connection.execute(f"PRAGMA index_info('{row[1]}')").fetchall()
            if columns and columns[0][2] == "version_id":
                return True
    return False


def measure_probe(run: Run) -> None:
    """An all-unchanged run as a process, without writing bytecode: what it loads, and how."""
    print("\n=== an all-unchanged run, probed (1 page + 1 PDF)", flush=True)
    load = f"{os.getloadavg()[0]:.2f}"
    mirror = Mirror(make_documents(1, 1))
    with mirror.site, tempfile.TemporaryDirectory(prefix="guidewatch-probe-") as folder:
        sources = Path(folder) / "sources.toml"
        sources.write_text(mirror.sources_toml(), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUIDEWATCH_", "PREFECT_"))}
        env |= {"GUIDEWATCH_DATA_DIR": str(Path(folder) / "data"), "GUIDEWATCH_PAUSE_SECONDS": "0"}
        # -B throughout, and this part first: no run of this benchmark writes the bytecode
        # whose presence it reports
        argv = [sys.executable, "-B", "-m", "guidewatch", "--sources", str(sources), "run"]
        for _ in range(2):  # a first cycle, then the first 304s
            subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
        code = PROBE.replace("UNUSED", repr(UNUSED))
        code = code.replace("EVENTS", repr(storage.EVENT_TABLES.pattern))
        done = subprocess.run(
            [sys.executable, "-B", "-c", code, str(sources)],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        found = json.loads(done.stdout.strip().splitlines()[-1])
        found["index"] = version_id_indexed(Path(folder) / "data" / "guidewatch.db")
        found["documents"] = len(mirror.docs)
    run.figures["probe"] = found
    print(json.dumps(found, indent=1))
    (pack_all, pack_done), (own_all, own_done) = found["packages"], found["project"]
    share = 100 * pack_done / max(pack_all, 1)
    shown = (
        f"{pack_done} of {pack_all} package modules an unchanged run loads ({share:.0f}%); "
        f"the project's own {own_done} of {own_all}"
    )
    run.add(
        Row(
            "bytecode compiled at install",
            "100% of packages",
            share,
            shown,
            pack_all > 0 and pack_done == pack_all,
            load,
            "modules with a .pyc, the run not writing any",
        )
    )
    loaded = found["loaded"]
    shown = f"{len(loaded)}: {', '.join(loaded)}" if loaded else f"0 of {', '.join(UNUSED)}"
    run.add(
        Row(
            "modules an all-unchanged run has no use for",
            "0 loaded",
            len(loaded),
            shown,
            not loaded,
            load,
        )
    )
    shown = "present" if found["index"] else "absent"
    run.add(
        Row(
            "an index on fetches(version_id)",
            "present",
            float(found["index"]),
            shown,
            found["index"],
            load,
        )
    )


EVENT_ROW = "event-table statements per unchanged document"


def event_row(run: Run) -> None:
    """Statements naming the event tables per unchanged document, beyond a run's own.

    A run routes and delivers alerts once, whatever its documents: a few statements per run.
    The storage cycles (many documents) and the probe (two) give a line whose slope is what
    each unchanged document adds: 0 when nothing happened, 1 or more with a query each.
    """
    storage_figures, probe = run.figures.get("storage"), run.figures.get("probe")
    if storage_figures is None or probe is None:
        run.missing(EVENT_ROW, "0 per document", "needs the storage and probe parts")
        return
    many, few = int(storage_figures["documents"]), int(probe["documents"])
    per_run = storage_figures["events_304_per_run"]
    if many == few:
        run.missing(EVENT_ROW, "0 per document", f"storage mirror as small as the probe's ({few})")
        return
    slope = (per_run - probe["events"]) / (many - few)
    shown = (
        f"{slope:.3f}: {per_run:.1f} per all-304 run of {many} documents, "
        f"{probe['events']} of {few} (the run's own alert routing)"
    )
    load = span(storage_figures["load_start"], storage_figures["load_end"])
    note = "statements naming changes, alert_items, alerts or deliveries, whole runs"
    run.add(Row(EVENT_ROW, "0 per document", slope, shown, round(slope, 3) == 0, load, note))


# The table ------------------------------------------------------------------------------

# Every target row, in the table's order (a part skipped still has its rows, not measured).
ROWS: dict[str, list[tuple[str, str]]] = {
    "cycle": [
        (PER_DOCUMENT, "<= 1.0x"),
        *((target, f"<= {limit:.1f}x") for _, target, limit in CYCLE_TARGETS),
    ],
    "queries": [*query_targets("sqlite"), *query_targets("postgresql")],
    "storage": [
        ("database growth per unchanged fetch, answered 304", "<= 300 B"),
        ("database growth per unchanged fetch, answered 200, same body", "<= 300 B"),
        ("every fetch kept (its time, outcome, status)", "1 row per fetch"),
        ("database / unique bodies gzip-compressed", "<= 1.2x"),
        ("commits per unchanged document (whole run)", "<= 1"),
    ],
    "probe": [
        (EVENT_ROW, "0 per document"),
        ("bytecode compiled at install", "100% of packages"),
        ("modules an all-unchanged run has no use for", "0 loaded"),
        ("an index on fetches(version_id)", "present"),
    ],
    "prefect": [(PREFECT_FIXED, "< 10 s"), (PREFECT_PER_DOC, "< 20 ms")],
}


def ordered(run: Run) -> list[Row]:
    """The rows in the table's order."""
    by_target = {row.target: row for row in run.rows}
    return [by_target[target] for rows in ROWS.values() for target, _ in rows]


def earlier(record: dict[str, Any] | None, target: str) -> str:
    """A target's figure in an earlier run's JSON, as a cell."""
    rows = {row["target"]: row for row in (record or {}).get("targets", [])}
    row = rows.get(target)
    if row is None or row["figure"] is None:
        return "not measured"
    return f"{row['figure']:.3g} ({row['met']})"


def table(
    run: Run, started: str, load_start: float, prefect: bool, against: dict[str, Any] | None = None
) -> str:
    """The table, in Markdown, with what it was measured on (and an earlier run's figures)."""
    kind = "QUICK sizes, not the issue's" if run.quick else "sizes"
    lines = [
        f"issue 13's targets, {started} UTC; {kind}: {run.sizes.describe(prefect)}; "
        f"{os.cpu_count()} CPUs; load {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end; "
        "CPU seconds (user + system) of whole processes and those they waited for, medians",
        "",
        "| target | measured | threshold | met | load |" + (" earlier |" if against else ""),
        "| --- | --- | --- | --- | --- |" + (" --- |" if against else ""),
    ]
    for row in ordered(run):
        line = f"| {row.target} | {row.shown} | {row.threshold} | {row.verdict} | {row.load} |"
        lines.append(line + (f" {earlier(against, row.target)} |" if against else ""))
    notes = [f"- {row.target}: {row.note}" for row in ordered(run) if row.note]
    if notes:
        lines += ["", *notes]
    if against:
        lines.append(f"\nearlier: the figure of {against.get('date', '?')} UTC (its own sizes)")
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--urlwatch", default="install", metavar="PYTHON|install|none",
        help="urlwatch to compare with: installed into a scratch environment (the default), "
        "the python of one you have, or none",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes (the table says so)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--skip", action="append", default=[], metavar="PART",
        help=f"leave a part out (its targets: not measured); parts: {', '.join(PARTS)}",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures to FILE")
    parser.add_argument(
        "--against", type=Path, metavar="FILE", help="an earlier run's --json: a column beside"
    )
    parser.add_argument("--prefect-port", type=int, default=4392)
    for name in ("html", "pdf", "repeat", "documents", "days", "storage_cycles"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help="instead of the preset")
    args = parser.parse_args(argv)
    args.skip = {p.strip() for value in args.skip for p in value.split(",") if p.strip()}
    unknown = args.skip - set(PARTS)
    if unknown:
        parser.error(f"--skip {', '.join(sorted(unknown))}: parts are {', '.join(PARTS)}")
    if args.against and not args.against.exists():
        parser.error(f"--against {args.against}: no such file")
    if args.urlwatch not in ("install", "none") and not Path(args.urlwatch).exists():
        parser.error(f"--urlwatch {args.urlwatch}: no such file")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every measurement asked for, print the table, write the JSON."""
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    overrides = {
        n: getattr(args, n)
        for n in ("html", "pdf", "repeat", "documents", "days", "storage_cycles")
        if getattr(args, n) is not None
    }
    sizes = Sizes(**(asdict(sizes) | overrides))
    run = Run(sizes, quick=sizes != FULL)
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load_start = os.getloadavg()[0]
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    parts: dict[str, Callable[[], None]] = {
        "probe": lambda: measure_probe(run),  # before any run could write bytecode
        "cycle": lambda: measure_cycles(run, args.urlwatch),
        "storage": lambda: measure_storage(run),
        "queries": lambda: measure_all_queries(run, databases),
        "prefect": lambda: measure_prefect(run, args.prefect_port),
    }
    began = time.monotonic()
    for part, measure in parts.items():
        if part in args.skip:
            for target, threshold in ROWS[part]:
                if target != EVENT_ROW:  # event_row says why (it needs two parts)
                    run.missing(target, threshold, f"--skip {part}")
            continue
        measure()
    event_row(run)
    against = json.loads(args.against.read_text(encoding="utf-8")) if args.against else None
    text = table(run, started, load_start, "prefect" not in args.skip, against)
    print(f"\n{text}\n\n(whole run: {(time.monotonic() - began) / 60:.1f} min)")
    if args.json:
        record = {
            "date": started,
            "quick": run.quick,
            "sizes": asdict(sizes),
            "cpus": os.cpu_count(),
            "load_start": load_start,
            "load_end": os.getloadavg()[0],
            "minutes": (time.monotonic() - began) / 60,
            "targets": [asdict(row) | {"met": row.verdict} for row in ordered(run)],
            "figures": run.figures,
        }
        args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

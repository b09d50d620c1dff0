"""Benchmark the history queries on a long synthetic history, on SQLite and on PostgreSQL.

Builds N documents x D daily fetches (a few percent of fetches bring a new version that
rewrites one section), through the real schema (migrations, FTS triggers, GIN index), then
times `history`, `search`, `timeline` and `show --at` as the command line runs them.

    uv run python benchmarks/history.py                     # 1,000 x 365 on both databases
    uv run python benchmarks/history.py --database sqlite --documents 100 --days 90

PostgreSQL runs in a throwaway cluster (tests/support/databases.py); it needs the server
binaries (Debian's postgresql package). Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from benchmarks.words import WORDS  # noqa: E402
from guidewatch.cli import main  # noqa: E402
from storage.db import make_engine, migrate  # noqa: E402
from storage.tables import metadata  # noqa: E402

START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
RARE = "Lightning Process"
COMMON = "This guidance covers diagnosing and managing ME/CFS in people of all ages."
BATCH = 5000
TABLES = metadata.tables


@dataclass(frozen=True)
class Shape:
    """How big the synthetic history is."""

    documents: int
    days: int
    change_rate: float
    sections: int
    seed: int = 206


def sentence(rng: random.Random) -> str:
    """Return one synthetic sentence of guidance-like words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 22))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def section_text(rng: random.Random) -> str:
    """Return one synthetic section of four to six sentences."""
    return " ".join(sentence(rng) for _ in range(rng.randint(4, 6)))


def page(title: str, sections: list[str]) -> bytes:
    """Return the HTML a publisher might serve for these sections."""
    body = "".join(f"<section><h2>{i}</h2><p>{t}</p></section>" for i, t in enumerate(sections))
    head = f"<!doctype html><html><head><title>{title}</title></head>"
    return f"{head}<body>{body}</body></html>".encode()


def _flush(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(table), rows)
        rows.clear()


def build(engine: Engine, shape: Shape) -> dict[str, Any]:
    """Fill an empty, migrated database with the synthetic history; return facts about it."""
    rng = random.Random(shape.seed)
    version_id = fetch_id = section_id = 0
    text_ids: dict[str, int] = {}  # each distinct section text once (section_texts, 0011)
    versions_total = 0
    rare_docs: list[str] = []
    pending: dict[Any, list[dict[str, Any]]] = {
        TABLES["documents"]: [],
        TABLES["blobs"]: [],
        TABLES["versions"]: [],
        TABLES["section_texts"]: [],
        TABLES["sections"]: [],
        TABLES["fetches"]: [],
    }
    order = list(pending)
    with engine.begin() as connection:
        for d in range(shape.documents):
            doc = f"doc-{d:04d}"
            title = f"Synthetic guidance {d}"
            url = f"https://example.org/guidance/{d}"
            pending[TABLES["documents"]].append(
                {"id": doc, "source": f"source-{d % 7}", "title": title, "kind": "synthetic",
                 "url": url, "created_at": START, "gone_at": None}
            )  # fmt: skip
            texts = [section_text(rng) for _ in range(shape.sections)]
            texts[0] = f"{COMMON} {texts[0]}"  # one sentence every document keeps
            gains_rare = rng.random() < 0.05
            current: dict[str, Any] | None = None
            number = 0
            for day in range(shape.days):
                when = START + timedelta(days=day, seconds=rng.randint(0, 600))
                changed = current is None or rng.random() < shape.change_rate
                if changed and current is not None:
                    k = rng.randrange(shape.sections)
                    texts = list(texts)
                    texts[k] = section_text(rng) if k else f"{COMMON} {section_text(rng)}"
                    if gains_rare and number == 1:
                        texts[k] += f" Do not offer the {RARE} or therapies based on it."
                        rare_docs.append(doc)
                body = page(title, texts) if changed else b""
                if changed:
                    sha = hashlib.sha256(body).hexdigest()
                    pending[TABLES["blobs"]].append(
                        {"sha256": sha, "size": len(body), "compression": "zlib",
                         "data": zlib.compress(body, 6), "created_at": when}
                    )  # fmt: skip
                    version_id += 1
                    number += 1
                    versions_total += 1
                    payload = json.dumps(
                        [[str(i), [f"Section {i}"], t] for i, t in enumerate(texts)]
                    )
                    current = {
                        "id": version_id, "document_id": doc, "number": number,
                        "text_sha256": hashlib.sha256(payload.encode()).hexdigest(),
                        "text_size": sum(len(t) for t in texts), "title": title, "meta": "{}",
                        "url": url, "body_sha256": sha, "extractor": "synthetic",
                        "extractor_version": "1", "fetch_id": fetch_id + 1,
                        "first_seen_at": when, "last_seen_at": when,
                    }  # fmt: skip
                    pending[TABLES["versions"]].append(current)
                    for i, t in enumerate(texts):
                        section_id += 1
                        digest = hashlib.sha256(t.encode()).hexdigest()
                        if digest not in text_ids:
                            text_ids[digest] = len(text_ids) + 1
                            pending[TABLES["section_texts"]].append(
                                {"id": text_ids[digest], "text_sha256": digest, "text": t}
                            )
                        pending[TABLES["sections"]].append(
                            {"id": section_id, "version_id": version_id, "ordinal": i,
                             "key": str(i), "heading_path": json.dumps([f"Section {i}"]),
                             "pages": "[]", "text_id": text_ids[digest]}
                        )  # fmt: skip
                assert current is not None
                current["last_seen_at"] = when
                fetch_id += 1
                pending[TABLES["fetches"]].append(
                    {"id": fetch_id, "document_id": doc, "started_at": when, "url": url,
                     "final_url": None, "redirects": None, "status": 200,  # as stored since 0010
                     "headers": '{"content-type": "text/html; charset=utf-8"}',
                     "body_sha256": current["body_sha256"], "size": 5000, "duration_ms": 120,
                     "outcome": "new_version" if changed else "unchanged", "error": None,
                     "version_id": version_id, "related": None}
                )  # fmt: skip
            if sum(len(rows) for rows in pending.values()) > BATCH:
                for table in order:
                    _flush(connection, table, pending[table])
        for table in order:
            _flush(connection, table, pending[table])
        if engine.dialect.name == "postgresql":
            for table in ("versions", "section_texts", "sections", "fetches"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    return {
        "documents": shape.documents,
        "fetches": fetch_id,
        "versions": versions_total,
        "sections": section_id,
        "rare_documents": len(rare_docs),
        "example": rare_docs[0] if rare_docs else "doc-0000",
    }


def database_size(engine: Engine, url: str) -> int:
    """Return the size on disk of the database, in bytes."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    with engine.connect() as connection:  # fold the write-ahead log into the file first
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


CPU: list[float] = []  # the CPU seconds of each run_quiet, for the report


def run_quiet(argv: list[str]) -> float:
    """Run one command in this process with its output discarded; return seconds taken."""
    sink = io.StringIO()
    began, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(sink):
        status = main(argv)
    elapsed = time.perf_counter() - began
    CPU.append(time.process_time() - cpu)
    if status != 0:
        raise RuntimeError(f"{argv} exited {status}")
    return elapsed


PROCESS_CPU: list[float] = []  # the CPU seconds of each run_process, for the report


def run_process(argv: list[str], url: str) -> float:
    """Run one command as a new process (interpreter start and imports included)."""
    env = {**os.environ, "GUIDEWATCH_DATABASE_URL": url}
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "guidewatch", *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} exited {os.waitstatus_to_exitcode(status)}")
    PROCESS_CPU.append(usage.ru_utime + usage.ru_stime)
    return time.perf_counter() - began


def queries(facts: dict[str, Any]) -> dict[str, list[str]]:
    """Return the commands to time."""
    doc = facts["example"]
    return {
        "history": ["history", doc],
        "search rare phrase, all documents": ["search", RARE],
        "search rare phrase --first": ["search", RARE, "--first"],
        "search common phrase, one document": ["search", "energy management", "--document", doc],
        "search phrase in every document": ["search", "diagnosing and managing ME/CFS"],
        "timeline (all topics), one document": ["timeline", doc],
        "timeline --term, one document": ["timeline", "--term", "graded exercise therapy", doc],
        "timeline --topic, all documents": ["timeline", "--topic", "rehabilitation"],
        "timeline (all topics), all documents": ["timeline"],
        "show --at --section": ["show", doc, "--at", "2024-07-01", "--section", "3"],
    }


def count_terms_as_stored(engine: Engine) -> float:
    """Count watched terms in every distinct section text, as storing each version does.

    The cycle counts a new version's new section texts when it stores it (all topics, and
    each topic alone); the synthetic history is written in bulk, so that is done here at
    once. Returns the seconds it took.
    """
    from functools import partial

    from compare.topics import count_terms, load_topics
    from guidewatch.settings import DEFAULT_TOPICS
    from guidewatch.term_counts import fingerprint, kept_sets
    from storage import terms
    from storage.db import open_session

    began = time.perf_counter()
    topics = load_topics(DEFAULT_TOPICS)
    with open_session(engine) as session:
        sections = terms.version_sections(session=session)
        for chosen in kept_sets(topics):
            terms.count_missing(
                session=session,
                fingerprint=fingerprint(chosen),
                sections=sections,
                count=partial(count_terms, topics=chosen),
                known={},
            )
        session.commit()
    return time.perf_counter() - began


def measure(url: str, facts: dict[str, Any], repeat: int) -> dict[str, dict[str, float]]:
    """Time each query: median and worst of `repeat` in-process runs, and one new process."""
    os.environ["GUIDEWATCH_DATABASE_URL"] = url
    results: dict[str, dict[str, float]] = {}
    # A term no stored count covers yet: its first timeline counts every distinct text once.
    lazy = ["timeline", "--term", "pacing up"]
    CPU.clear()
    first = run_quiet(lazy)
    runs = [run_quiet(lazy) for _ in range(repeat)]
    results["timeline --term, all documents, first run"] = {
        "median_ms": first * 1000, "max_ms": first * 1000, "cpu_ms": CPU[0] * 1000,
        "process_ms": float("nan"), "process_cpu_ms": float("nan"),
    }  # fmt: skip
    results["timeline --term, all documents, then"] = {
        "median_ms": statistics.median(runs) * 1000,
        "max_ms": max(runs) * 1000,
        "cpu_ms": statistics.median(CPU[1:]) * 1000,
        "process_ms": run_process(lazy, url) * 1000,
        "process_cpu_ms": PROCESS_CPU[-1] * 1000,
    }
    for name, argv in queries(facts).items():
        CPU.clear()
        runs = [run_quiet(argv) for _ in range(repeat)]
        results[name] = {
            "median_ms": statistics.median(runs) * 1000,
            "max_ms": max(runs) * 1000,
            "cpu_ms": statistics.median(CPU) * 1000,
            "process_ms": run_process(argv, url) * 1000,
            "process_cpu_ms": PROCESS_CPU[-1] * 1000,
        }
    return results


def report(
    label: str, facts: dict[str, Any], size: int, built: float, counted: float, results: dict
) -> None:
    """Print one database's figures."""
    print(f"\n== {label}")
    print(
        f"{facts['documents']:,} documents, {facts['fetches']:,} fetches, "
        f"{facts['versions']:,} versions, {facts['sections']:,} sections; "
        f"built in {built:.0f} s (terms counted as stored: {counted:.1f} s); "
        f"database size {size / 1e6:.1f} MB; load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'query':42} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} "
        f"{'new process ms':>15} {'its CPU ms':>11}"
    )
    for name, r in results.items():
        print(
            f"{name:42} {r['median_ms']:10.1f} {r['max_ms']:8.1f} {r['cpu_ms']:8.1f} "
            f"{r['process_ms']:15.0f} {r['process_cpu_ms']:11.0f}"
        )
    print(f"load {os.getloadavg()[0]:.2f}")


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """Yield the URL of a database in a throwaway PostgreSQL cluster."""
    from tests.support.databases import PostgresCluster

    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()


@dataclass(frozen=True)
class Built:
    """A history built and counted: its facts, size on disk, and the seconds each step took."""

    facts: dict[str, Any]
    size: int
    built: float
    counted: float


def prepare(url: str, shape: Shape) -> Built:
    """Migrate an empty database, build the history in it and count its terms as stored."""
    engine = make_engine(url)
    migrate(engine)
    began = time.perf_counter()
    facts = build(engine, shape)
    built = time.perf_counter() - began
    counted = count_terms_as_stored(engine)
    size = database_size(engine, url)
    engine.dispose()
    return Built(facts, size, built, counted)


def bench(label: str, url: str, shape: Shape, repeat: int) -> None:
    """Build, measure and print one database."""
    done = prepare(url, shape)
    results = measure(url, done.facts, repeat)
    report(label, done.facts, done.size, done.built, done.counted, results)


def main_cli() -> int:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--change-rate", type=float, default=0.03, help="per fetch (0.03)")
    parser.add_argument("--sections", type=int, default=12, help="per document (12)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=7, help="in-process runs per query")
    args = parser.parse_args()
    shape = Shape(args.documents, args.days, args.change_rate, args.sections)
    print(
        f"guidewatch history benchmark: {shape.documents} documents x {shape.days} days, "
        f"change rate {shape.change_rate}, {shape.sections} sections; Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="guidewatch-bench-") as folder:
            bench("SQLite", f"sqlite:///{folder}/bench.db", shape, args.repeat)
    if args.database in ("postgresql", "both"):
        with postgres_url() as url:
            bench("PostgreSQL", url, shape, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())

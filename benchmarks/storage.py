"""How the database grows with real cycles, and what one unchanged document costs in SQL.

Serves a synthetic mirror (benchmarks/mirror.py) on loopback, runs `guidewatch run` cycles in
this process against a fresh SQLite file, and reports:

- bytes of database growth per unchanged fetch (answered 304 with validators, and answered
  200 with the same body when the site sends no validators), by table and index (dbstat);
- the database against the unique bodies gzip-compressed;
- SQL statements and commits per unchanged document (an SQLAlchemy event listener), which,
  unlike CPU seconds, do not move with the machine's load; and those of each cycle with 5% of
  the documents changed (--changed), with what a new version costs beyond an unchanged one.

    uv run python benchmarks/storage.py                  # 150 HTML pages + 50 PDFs
    uv run python benchmarks/storage.py --html 30 --pdf 10 --cycles 3
    uv run python benchmarks/storage.py --cycles 10 --changed 10 --makeup   # a longer history
    uv run python benchmarks/storage.py --documents ~/saved-pdfs --makeup    # your own files

Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import random
import re
import sqlite3
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file's folder comes first on sys.path, and its name would hide the storage package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from benchmarks.mirror import Mirror, make_documents  # noqa: E402
from benchmarks.own_documents import FileMirror  # noqa: E402
from benchmarks.storage_makeup import grouped, report  # noqa: E402

EVENT_TABLES = re.compile(r"\b(changes|alert_items|alerts|deliveries)\b")


class SqlCounter:
    """Counts statements (by first word) and commits on every engine of this process."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.commits = 0
        self.events = 0  # statements naming a table of changes, alerts or deliveries

    def __enter__(self) -> SqlCounter:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._commit)
        return self

    def __exit__(self, *_: object) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "commit", self._commit)

    def _statement(self, _c: Any, _cur: Any, statement: str, *_: Any) -> None:
        self.statements[statement.split(None, 1)[0].upper()] += 1
        if EVENT_TABLES.search(statement):
            self.events += 1

    def _commit(self, _c: Any) -> None:
        self.commits += 1

    @property
    def total(self) -> int:
        """All statements counted."""
        return sum(self.statements.values())


def run_cycle(sources: Path) -> None:
    """One `guidewatch run` in this process, its output discarded."""
    from guidewatch.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["--sources", str(sources), "run"])
    if status not in (0, 1):
        raise RuntimeError(f"guidewatch run exited {status}")


def db_bytes(path: Path) -> int:
    """The database's size on disk with its write-ahead log folded in."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def used_bytes(path: Path) -> dict[str, int]:
    """Bytes used in each table and index (dbstat: payload plus cell overhead)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        try:
            rows = connection.execute(
                "SELECT name, sum(pgsize - unused) FROM dbstat GROUP BY name"
            ).fetchall()
        except sqlite3.OperationalError:  # a SQLite built without dbstat
            return {}
    return {name: int(size) for name, size in rows}


def unique_bodies(path: Path) -> tuple[int, int, int]:
    """(count, bytes as served, bytes gzip-compressed) of the distinct bodies stored."""
    count = raw = packed = 0
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for compression, data in connection.execute("SELECT compression, data FROM blobs"):
            body = zlib.decompress(data) if compression == "zlib" else bytes(data)
            count += 1
            raw += len(body)
            packed += len(gzip.compress(body, 6))
    return count, raw, packed


@contextlib.contextmanager
def environment(data: Path) -> Iterator[None]:
    """The settings a benchmark run uses: its own data folder, no pause, no mail."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "GUIDEWATCH_DATA_DIR": str(data),
            "GUIDEWATCH_PAUSE_SECONDS": "0",
            "GUIDEWATCH_RETRIES": "0",
        }
    )
    for name in ("GUIDEWATCH_DATABASE_URL", "GUIDEWATCH_SMTP_HOST", "PREFECT_API_URL"):
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def growth(label: str, before: dict[str, int], after: dict[str, int], fetches: int) -> float:
    """Print bytes per fetch, by table and index; return the bytes per fetch."""
    names = sorted(set(before) | set(after), key=lambda n: -(after.get(n, 0) - before.get(n, 0)))
    total = sum(after.values()) - sum(before.values())
    print(f"  {label}: {total / fetches:.0f} bytes per fetch used in tables and indexes")
    for name in names:
        delta = after.get(name, 0) - before.get(name, 0)
        if delta:
            print(f"      {name:32} {delta / fetches:7.1f}")
    return total / fetches


def fetch_rows(path: Path) -> int:
    """The rows of the fetches table: one per fetch made, whatever its outcome."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM fetches").fetchone()[0])


def measure(
    mirror: Mirror, what: str, cycles: int, changed: int, makeup: bool = False
) -> dict[str, float]:
    """Run the cycles on the mirror and print the figures; return them by name."""
    docs = mirror.docs
    n = len(docs)
    figures: dict[str, float] = {"load_start": os.getloadavg()[0], "documents": n}
    print(
        f"guidewatch storage benchmark: {what}, "
        f"{cycles} unchanged cycles of each kind; load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="guidewatch-storage-") as folder:
        data = Path(folder) / "data"
        sources = Path(folder) / "sources.toml"
        sources.write_text(mirror.sources_toml(), encoding="utf-8")
        db = data / "guidewatch.db"
        with environment(data):
            run_cycle(sources)
            first_size = db_bytes(db)
            packed = unique_bodies(db)[2]
            print(
                f"  first cycle: database {first_size / 1e6:.2f} MB "
                f"= {first_size / packed:.2f}x the unique bodies gzip-compressed"
            )
            figures["first_ratio"] = first_size / packed
            # Unchanged, answered 304 (the site sends ETag and Last-Modified). The first 304
            # of a document brings a header set not seen before: measure from the second.
            run_cycle(sources)
            first_size = db_bytes(db)
            before = used_bytes(db)
            with SqlCounter() as sql:
                for _ in range(cycles):
                    run_cycle(sources)
            figures["bytes_304"] = growth("unchanged, 304", before, used_bytes(db), n * cycles)
            size = db_bytes(db)
            figures["file_bytes_304"] = (size - first_size) / (n * cycles)
            print(f"      file growth per fetch: {(size - first_size) / (n * cycles):.0f} bytes")
            per = n * cycles
            print(
                f"      SQL per unchanged document (304): {sql.total / per:.1f} statements "
                f"({', '.join(f'{k} {v / per:.1f}' for k, v in sql.statements.most_common())}), "
                f"{sql.commits / per:.1f} commits (whole run: migration check and alerts included)"
            )
            figures |= {
                "sql_304": sql.total / per, "commits_304": sql.commits / per,
                "events_304": sql.events / per, "events_304_per_run": sql.events / cycles,
            }  # fmt: skip
            # Unchanged, answered 200 with the same body (a site without validators)
            for doc in docs:
                reply = mirror.site._routes[doc.path]  # noqa: SLF001
                reply.headers = {"Content-Type": reply.headers["Content-Type"]}  # type: ignore[union-attr]
            run_cycle(sources)  # the first 200 after the 304s
            run_cycle(sources)
            before, start_size = used_bytes(db), db_bytes(db)
            with SqlCounter() as sql:
                for _ in range(cycles):
                    run_cycle(sources)
            figures["bytes_200"] = growth("unchanged, 200 same body", before, used_bytes(db), per)
            size = db_bytes(db)
            figures["file_bytes_200"] = (size - start_size) / per
            print(f"      file growth per fetch: {(size - start_size) / per:.0f} bytes")
            print(
                f"      SQL per unchanged document (200): {sql.total / per:.1f} statements "
                f"({', '.join(f'{k} {v / per:.1f}' for k, v in sql.statements.most_common())}), "
                f"{sql.commits / per:.1f} commits"
            )
            figures |= {
                "sql_200": sql.total / per, "commits_200": sql.commits / per,
                "events_200": sql.events / per, "events_200_per_run": sql.events / cycles,
            }  # fmt: skip
            # 5% changed, once or more (the others answered 200 with the same body)
            rng = random.Random(5)
            unchanged_per = sql.total / per
            for _ in range(changed):
                edited = len(mirror.change(0.05, rng))
                with SqlCounter() as sql:
                    run_cycle(sources)
                extra = (sql.total - (n - edited) * unchanged_per) / max(edited, 1)
                figures["sql_per_new_version"] = extra
                print(
                    f"      SQL of a cycle with {edited} changed: {sql.total} statements "
                    f"({', '.join(f'{k} {v}' for k, v in sql.statements.most_common())}), "
                    f"{sql.commits} commits; about {extra:.1f} statements per new version "
                    "(what the others cost as unchanged taken off)"
                )
        size = db_bytes(db)
        count, raw, packed = unique_bodies(db)
        fetches = n * (4 + 2 * cycles + changed)
        print(
            f"  after {fetches:,} fetches: database {size / 1e6:.2f} MB; {count} unique bodies, "
            f"{raw / 1e6:.2f} MB as served, {packed / 1e6:.2f} MB gzip-compressed; "
            f"database / compressed bodies = {size / packed:.2f}"
        )
        figures |= {
            "fetches": fetches, "fetch_rows": fetch_rows(db), "database_bytes": size,
            "unique_bodies": count, "bodies_compressed_bytes": packed, "ratio": size / packed,
        }  # fmt: skip
        figures |= {f"makeup: {label}": size for label, size in grouped(used_bytes(db)).items()}
        for name, used in sorted(used_bytes(db).items(), key=lambda kv: -kv[1])[:12]:
            print(f"      {name:32} {used / 1e6:7.2f} MB")
        if makeup:
            report(db, packed)
    print(f"  load {os.getloadavg()[0]:.2f}")
    figures["load_end"] = os.getloadavg()[0]
    return figures


def main() -> int:
    """Run the cycles and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=int, default=150)
    parser.add_argument("--pdf", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=5, help="unchanged cycles of each kind")
    parser.add_argument(
        "--changed", type=int, default=1, help="cycles with 5%% of the documents changed, last"
    )
    parser.add_argument(
        "--makeup", action="store_true", help="what the database holds, and with texts once"
    )
    parser.add_argument(
        "--documents",
        type=Path,
        metavar="DIR",
        help="serve the PDF and HTML files of DIR instead of the synthetic mirror (no changes)",
    )
    args = parser.parse_args()
    if args.documents:
        mirror: Mirror = FileMirror(args.documents.expanduser())
        args.changed = 0  # a file of yours is never edited
        what = f"{len(mirror.docs)} files of {args.documents}"
    else:
        mirror = Mirror(make_documents(args.html, args.pdf))
        what = f"{args.html} HTML pages + {args.pdf} PDFs"
    measure(mirror, what, args.cycles, args.changed, args.makeup)
    return 0


if __name__ == "__main__":
    sys.exit(main())

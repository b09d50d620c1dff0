"""What a guidewatch SQLite database holds, and what it would hold with each section text once.

Used by benchmarks/storage.py after its cycles. The first part groups SQLite's `dbstat`
(bytes used in each table and index) by what the bytes keep. The second builds, in a copy
of the database, the layout "one row per distinct section text" (keyed by the text SHA-256
the sections already carry, the full-text index over distinct texts only) and measures it
the same way, so the estimate is a measurement of that layout with this history, not a
guess. Nothing here changes the database it is given.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import zlib
from pathlib import Path

# What each table or index keeps (by name prefix, first match wins).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("full-text index (sections_fts*)", ("sections_fts",)),
    ("raw bodies (blobs)", ("blobs", "sqlite_autoindex_blobs")),
    ("sections and their indexes", ("sections", "ix_sections", "sqlite_autoindex_sections")),
    ("fetch log and header sets", ("fetches", "ix_fetches", "header_sets", "sqlite_autoindex_h")),
    ("versions", ("versions", "ix_versions", "sqlite_autoindex_versions")),
    ("term counts", ("term_counts", "sqlite_autoindex_term")),
)


def used(connection: sqlite3.Connection) -> dict[str, int]:
    """Bytes used in each table and index (payload and cell overhead, free space left out)."""
    rows = connection.execute("SELECT name, sum(pgsize - unused) FROM dbstat GROUP BY name")
    return {str(name): int(size) for name, size in rows}


def grouped(sizes: dict[str, int]) -> dict[str, int]:
    """The sizes summed by what they keep; what no group names is "everything else"."""
    out: dict[str, int] = {}
    for name, size in sizes.items():
        label = next(
            (label for label, prefixes in GROUPS if name.startswith(prefixes)), "everything else"
        )
        out[label] = out.get(label, 0) + size
    return out


def _distinct_layout(connection: sqlite3.Connection, compress: bool) -> dict[str, int]:
    """Build the one-row-per-distinct-text layout beside the real tables; return its sizes."""
    blob = "BLOB" if compress else "TEXT"
    connection.executescript(
        f"""
        CREATE TABLE x_texts (id INTEGER PRIMARY KEY, text_sha256 VARCHAR(64) UNIQUE,
                              text {blob} NOT NULL);
        CREATE TABLE x_sections (id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL,
                                 ordinal INTEGER NOT NULL, key TEXT NOT NULL,
                                 heading_path TEXT NOT NULL, pages TEXT NOT NULL,
                                 text_id INTEGER NOT NULL, UNIQUE (version_id, ordinal));
        CREATE INDEX x_ix_sections_version_id ON x_sections (version_id);
        CREATE VIRTUAL TABLE x_fts USING fts5(
            text, content='', tokenize='unicode61 remove_diacritics 0');
        """
    )
    texts: dict[str, int] = {}
    for sha, text in connection.execute(
        "SELECT text_sha256, text FROM sections WHERE text_sha256 IS NOT NULL ORDER BY id"
    ):
        if sha in texts:
            continue
        stored: str | bytes = zlib.compress(text.encode("utf-8"), 6) if compress else text
        cursor = connection.execute(
            "INSERT INTO x_texts (text_sha256, text) VALUES (?, ?)", (sha, stored)
        )
        texts[sha] = int(cursor.lastrowid or 0)
        connection.execute("INSERT INTO x_fts (rowid, text) VALUES (?, ?)", (texts[sha], text))
    connection.execute(
        "INSERT INTO x_sections (id, version_id, ordinal, key, heading_path, pages, text_id) "
        "SELECT s.id, s.version_id, s.ordinal, s.key, s.heading_path, s.pages, t.id "
        "FROM sections s JOIN x_texts t ON t.text_sha256 = s.text_sha256"
    )
    connection.commit()
    return {
        k: v for k, v in used(connection).items() if k.startswith(("x_", "sqlite_autoindex_x_"))
    }


def distinct_texts(path: Path, compress: bool) -> tuple[int, int, int, dict[str, int]]:
    """(section rows, distinct texts, bytes of all texts, sizes of the distinct layout)."""
    with tempfile.TemporaryDirectory(prefix="guidewatch-makeup-") as folder:
        copy = Path(folder) / "copy.db"
        with contextlib.closing(sqlite3.connect(path)) as source:
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(path, copy)
        with contextlib.closing(sqlite3.connect(copy)) as connection:
            rows, distinct, size = connection.execute(
                "SELECT count(*), count(DISTINCT text_sha256), sum(length(CAST(text AS BLOB))) "
                "FROM sections"
            ).fetchone()
            return int(rows), int(distinct), int(size or 0), _distinct_layout(connection, compress)


def report(path: Path, packed: int) -> None:
    """Print the database's make-up and the distinct-text layouts, against `packed` bytes."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        sizes = used(connection)
        pages, free, page = (
            int(connection.execute(f"PRAGMA {name}").fetchone()[0])
            for name in ("page_count", "freelist_count", "page_size")
        )
    total = sum(sizes.values())
    slack = (pages - free) * page - total
    print(
        f"  what the database holds: file {pages * page / 1e6:.2f} MB = bytes used "
        f"{total / 1e6:.2f} MB + free pages {free * page / 1e6:.2f} MB + unused space in "
        f"pages {slack / 1e6:.2f} MB; bytes used, and as a multiple of the compressed bodies:"
    )
    for label, size in sorted(grouped(sizes).items(), key=lambda kv: -kv[1]):
        print(f"      {label:36} {size / 1e6:6.2f} MB  {size / packed:5.2f}x")
    text_parts = [
        n for n in sizes if n.startswith(("sections", "ix_sections", "sqlite_autoindex_sections"))
    ]
    now = sum(sizes[n] for n in text_parts)
    for compress in (False, True):
        rows, distinct, size, layout = distinct_texts(path, compress)
        after = sum(layout.values())
        whole = total - now + after
        how = "zlib-compressed, contentless FTS5" if compress else "as text, contentless FTS5"
        if not compress:
            print(
                f"  section texts: {rows:,} section rows, {distinct:,} distinct texts "
                f"({size / 1e6:.2f} MB of text in all rows)"
            )
        print(
            f"      each distinct text once ({how}): sections, texts and index "
            f"{now / 1e6:.2f} MB -> {after / 1e6:.2f} MB; bytes used {whole / 1e6:.2f} MB "
            f"= {whole / packed:.2f}x compressed bodies (now {total / packed:.2f}x)"
        )
        for name, bytes_ in sorted(layout.items(), key=lambda kv: -kv[1])[:5]:
            print(f"          {name:34} {bytes_ / 1e6:6.2f} MB")

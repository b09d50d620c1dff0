"""What a guidewatch SQLite database holds, grouped by what the bytes keep.

Used by benchmarks/storage.py after its cycles. It groups SQLite's `dbstat` (bytes used in
each table and index) by what the bytes keep, and counts the section rows against the
distinct section texts stored once since migration 0011 (`section_texts`). Nothing here
changes the database it is given.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

# What each table or index keeps (by name prefix, first match wins).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("full-text index (sections_fts*)", ("sections_fts",)),
    ("raw bodies (blobs)", ("blobs", "sqlite_autoindex_blobs")),
    ("section texts, once each", ("section_texts", "sqlite_autoindex_section_texts")),
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


def report(path: Path, packed: int) -> None:
    """Print the database's make-up, against `packed` bytes (the unique bodies compressed)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        sizes = used(connection)
        pages, free, page = (
            int(connection.execute(f"PRAGMA {name}").fetchone()[0])
            for name in ("page_count", "freelist_count", "page_size")
        )
        rows = int(connection.execute("SELECT count(*) FROM sections").fetchone()[0])
        distinct, size = connection.execute(
            "SELECT count(*), sum(length(CAST(text AS BLOB))) FROM section_texts"
        ).fetchone()
        repeated = connection.execute(
            "SELECT sum(length(CAST(t.text AS BLOB))) FROM sections s "
            "JOIN section_texts t ON t.id = s.text_id"
        ).fetchone()[0]
    total = sum(sizes.values())
    slack = (pages - free) * page - total
    print(
        f"  what the database holds: file {pages * page / 1e6:.2f} MB = bytes used "
        f"{total / 1e6:.2f} MB + free pages {free * page / 1e6:.2f} MB + unused space in "
        f"pages {slack / 1e6:.2f} MB; bytes used, and as a multiple of the compressed bodies:"
    )
    for label, size_ in sorted(grouped(sizes).items(), key=lambda kv: -kv[1]):
        print(f"      {label:36} {size_ / 1e6:6.2f} MB  {size_ / packed:5.2f}x")
    print(
        f"  section texts: {rows:,} section rows, {int(distinct):,} distinct texts stored "
        f"({int(size or 0) / 1e6:.2f} MB; {int(repeated or 0) / 1e6:.2f} MB if every row "
        "carried its own)"
    )

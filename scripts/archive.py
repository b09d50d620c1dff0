"""Serve a loopback Wayback Machine holding captures of the test fixtures, for trying backfill.

    uv run python scripts/archive.py             # on a free port
    uv run python scripts/archive.py --port 8790

It prints the GUIDEWATCH_ARCHIVE_URL value that sends `guidewatch backfill` (and the witness)
to it. The captures: NICE NG206's recommendations in 2021-2025 (an older wording, a captured
redirect and 404, repeats of the same bytes), three editions of BACME's Guide to Therapy
and the resources page that linked them, and a capture the archive refuses (403).
Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.archive import ArchiveSite, load_fixture_captures  # noqa: E402
from tests.support.site import serve_until, stop_on_term  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Start the archive, print how to use it, and serve until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args(argv)
    stop = stop_on_term()
    site = ArchiveSite(port=args.port)
    with site:
        load_fixture_captures(site.archive)
        print(f"archive: {len(site.archive.snapshots)} captures on {site.base_url}")
        print("Send guidewatch here with:")
        print(f"export GUIDEWATCH_ARCHIVE_URL={site.base_url}", flush=True)
        serve_until(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())

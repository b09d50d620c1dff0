"""Where a version or fetch came from (a live fetch or an archive capture), said the same way."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storage import fetch_log

if TYPE_CHECKING:
    from storage.fetch_log import AnyFetch as Fetch
    from storage.version_store import AnyVersion as Version


def version_provenance(version: Version) -> dict[str, Any]:
    """The provenance facts of a version, for JSON views."""
    return {
        "provenance": version.provenance,
        "archive_url": version.archive_url,
        "witness_url": version.witness_url,
    }


def fetch_provenance(fetch: Fetch) -> dict[str, Any]:
    """The provenance facts of a fetch row, for JSON views."""
    return {
        "provenance": fetch_log.provenance(fetch),
        "archive_url": fetch.archive_url,
        "archive_digest": fetch.archive_digest,
    }


def source_label(version: Version) -> str:
    """One short word for tables: live, or archive."""
    return "archive" if version.provenance == "archive" else "live"


def source_line(version: Version) -> str:
    """Say in one line where a version's wording was first seen."""
    if version.provenance == "archive" and version.archive_url:
        return f"first seen in the Wayback Machine's archive capture {version.archive_url}"
    return "first seen in a live fetch"


def witness_line(version: Version) -> str | None:
    """The independent copy the archive made when the version was stored, if any."""
    return f"archived copy: {version.witness_url}" if version.witness_url else None


def version_summary(version: Version) -> dict[str, Any]:
    """Return the facts about a version that every view shows."""
    return {
        "version": version.number,
        "first_seen_at": version.first_seen_at,
        "last_seen_at": version.last_seen_at,
        "url": version.url,
        "body_sha256": version.body_sha256,
        "text_sha256": version.text_sha256,
        "characters": version.text_size,
        "meta": json.loads(version.meta),
        **version_provenance(version),
    }

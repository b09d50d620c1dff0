"""Evidence packs: one version's raw bytes, headers, fetch log and text, with SHA-256 hashes.

The pack is a zip of one folder. `MANIFEST.sha256` lists every other file in the format
`sha256sum -c` reads; `sections.json` is byte for byte what the version's text SHA-256 was
computed from, and `raw/` holds the body whose SHA-256 the fetch log recorded. The same
version always gives the same zip, byte for byte. docs/evidence.md says how to check one.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guidewatch.damage import damaged_body
from guidewatch.provenance import fetch_provenance, source_line, version_provenance, witness_line
from scrapers.sniff import sniff_kind
from storage import blobs, fetch_log, history, repo, version_store

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Row
    from sqlmodel import Session

    from storage.db import Db
    from storage.fetch_log import AnyFetch
    from storage.version_store import AnyVersion as Version

    StoredDocument: TypeAlias = Row[Any]  # a documents row, read only

EXTENSIONS = {"pdf": ".pdf", "html": ".html", "json": ".json", "text": ".txt", "binary": ".bin"}
MANIFEST = "MANIFEST.sha256"


class EvidenceError(Exception):
    """The stored copy cannot back an evidence pack (missing, damaged or inconsistent)."""


@dataclass(frozen=True)
class Pack:
    """An evidence pack in memory: its folder name and its files, path -> bytes."""

    folder: str
    files: dict[str, bytes]
    version: Version

    def manifest(self) -> dict[str, str]:
        """Return the SHA-256 of every file but the manifest itself."""
        return {name: repo.sha256(data) for name, data in self.files.items() if name != MANIFEST}


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def fetch_dict(fetch: AnyFetch, *, session: Db) -> dict[str, Any]:
    """Return one fetch log row as a JSON-ready dict (the shape every command and pack uses)."""
    return {
        "fetch_id": fetch.id,
        "started_at": fetch.started_at,
        "url": fetch.url,
        "final_url": fetch_log.final_url(fetch),
        "redirects": fetch_log.redirects(fetch),
        "status": fetch.status,
        "headers": fetch_log.fetch_headers(session=session, fetch=fetch),
        "body_sha256": fetch.body_sha256,
        "size": fetch.size,
        "duration_ms": fetch.duration_ms,
        "outcome": fetch.outcome,
        "error": fetch.error,
        "version_id": fetch.version_id,
        "related": fetch_log.related(fetch),
        "discovery": fetch_log.discovery(fetch),
        **fetch_provenance(fetch),
    }


def hashed_text(session: Session, version: Version) -> bytes:
    """Return the exact bytes whose SHA-256 is the version's text_sha256 (text_payload)."""
    payload = version_store.text_payload(
        version_store.version_document(session=session, version=version)
    )
    if repo.sha256(payload) != version.text_sha256:
        raise EvidenceError(
            f"the stored sections of version {version.number} no longer match their SHA-256"
        )
    return payload


def plain_text(session: Session, document: StoredDocument, version: Version) -> str:
    """Return the version's text for people: a header, then each section under its key."""
    extracted = version_store.version_document(session=session, version=version)
    lines = [
        f"{document.title} ({document.id}), version {version.number}",
        f"first seen {version.first_seen_at.astimezone(UTC).isoformat()}",
        f"last seen  {version.last_seen_at.astimezone(UTC).isoformat()}",
        f"from {version.url}",
        "",
    ]
    for section in extracted.sections:
        pages = f" (p. {', '.join(map(str, section.pages))})" if section.pages else ""
        lines.append(f"## [{section.key}] {' > '.join(section.heading_path)}{pages}")
        lines.append(section.text)
        lines.append("")
    return "\n".join(lines)


def _readme(folder: str, raw_name: str, version: Version) -> str:
    witness = witness_line(version)
    extra = (
        f"\n{witness} (a copy the Wayback Machine made when guidewatch stored it)"
        if witness
        else ""
    )
    return f"""Evidence pack {folder}, made by guidewatch.

To check it (see the project's docs/evidence.md for what this proves and does not):

  sha256sum -c {MANIFEST}           # every file is as the pack was made
  sha256sum {raw_name}              # = body_sha256 {version.body_sha256}
  sha256sum sections.json           # = text_sha256 {version.text_sha256}

version.json says when this wording was first and last seen; fetches.json is every fetch
that saw it, each with the SHA-256 of the body it received; response.json is the response
(status, final URL, redirects, headers) the raw body came with.

This wording was {source_line(version)}.{extra}
An archive capture's address opens the Wayback Machine's own copy: anyone can compare it.
"""


def _chosen_version(
    session: Session, document_id: str, number: int | None
) -> tuple[StoredDocument, Version]:
    """The document and its version `number` (the newest when None), or an EvidenceError."""
    try:
        document = repo.require_document(session=session, id=document_id)
    except repo.NoDocumentError as error:
        raise EvidenceError(str(error)) from None
    version: Version | None
    if number is None:
        version = version_store.newest_version(session=session, document_id=document_id)
    else:
        version = version_store.get_version(session=session, document_id=document_id, number=number)
    if version is None:
        raise EvidenceError(f"{document_id} has no version {number if number else 'yet'}")
    return document, version


def _stored_body(session: Session, version: Version, sha: str, what: str = "raw body") -> bytes:
    """A stored body, or an EvidenceError saying it is damaged and what to do."""
    try:
        return blobs.get_blob(session=session, sha=sha)
    except blobs.CorruptBlobError as error:
        raise EvidenceError(damaged_body(session, version, error, what)) from None


def _version_json(
    document: StoredDocument,
    version: Version,
    *,
    raw_name: str,
    body_size: int,
    seen: int,
    related: Mapping[str, str],
) -> bytes:
    """version.json: what the version is and where its bytes came from."""
    return _json(
        {
            "document": {
                "id": document.id,
                "title": document.title,
                "source": document.source,
                "url": document.url,
            },
            "version": version.number,
            "first_seen_at": version.first_seen_at,
            "last_seen_at": version.last_seen_at,
            "url": version.url,
            "raw_body": raw_name,
            "body_sha256": version.body_sha256,
            "body_size": body_size,
            "text_sha256": version.text_sha256,
            "text_characters": version.text_size,
            "title": version.title,
            "meta": json.loads(version.meta),
            "extractor": version.extractor,
            "extractor_version": version.extractor_version,
            "fetches_seeing_it": seen,
            "related": dict(related),
            **version_provenance(version),
        }
    )


def build_pack(*, session: Session, document_id: str, number: int | None = None) -> Pack:
    """Gather one version's evidence (the newest when number is None), verifying every hash."""
    document, version = _chosen_version(session, document_id, number)
    body = _stored_body(session, version, version.body_sha256)
    origin = fetch_log.get_fetch(session=session, id=version.fetch_id) if version.fetch_id else None
    assert version.id is not None
    seen = history.fetches_of_version(session=session, version_id=version.id)
    headers: Mapping[str, str] = (
        fetch_log.fetch_headers(session=session, fetch=origin) if origin else {}
    )
    kind = sniff_kind(body, headers.get("content-type"))
    raw_name = f"raw/body{EXTENSIONS.get(kind, '.bin')}"
    folder = f"{document_id}-v{version.number}"
    files: dict[str, bytes] = {raw_name: body}
    related: dict[str, str] = fetch_log.related(origin) if origin else {}
    for i, (url, sha) in enumerate(sorted(related.items()), start=1):
        related_body = _stored_body(session, version, sha, f"related body {url}")
        files[f"raw/related-{i}-{sha[:12]}.bin"] = related_body
    files["response.json"] = _json(fetch_dict(origin, session=session) if origin else None)
    files["fetches.json"] = _json([fetch_dict(f, session=session) for f in seen])
    files["sections.json"] = hashed_text(session, version)
    files["text.txt"] = plain_text(session, document, version).encode("utf-8")
    files["version.json"] = _version_json(
        document, version, raw_name=raw_name, body_size=len(body), seen=len(seen), related=related
    )
    files["README.txt"] = _readme(folder, raw_name, version).encode("utf-8")
    pack = Pack(folder=folder, files=files, version=version)
    lines = [f"{sha}  {name}\n" for name, sha in sorted(pack.manifest().items())]
    files[MANIFEST] = "".join(lines).encode("utf-8")
    return pack


def write_pack(pack: Pack, out: Path) -> Path:
    """Write the pack as a zip whose bytes depend only on the pack's content."""
    stamp = pack.version.first_seen_at.astimezone(UTC)
    when = max(stamp, datetime(1980, 1, 1, tzinfo=UTC)).timetuple()[:6]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(pack.files):
            info = zipfile.ZipInfo(f"{pack.folder}/{name}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, pack.files[name])
    return out

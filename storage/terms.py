"""Watched-term counts kept once per distinct section text and topics fingerprint.

Counting 60-odd regular expressions over every version's text at query time made a timeline
of all documents take most of a minute; most versions repeat most sections word for word.
So a section text is counted once per topics fingerprint (what the counting depends on) and
the counts are kept here: filled when a later version of a document is stored (its new
texts), and lazily, when a timeline first asks, for first versions, older rows and a changed
topics file. It is a cache: dropping the table loses no evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import and_, or_, select

from storage.db import insert_or_ignore
from storage.tables import section_texts as text_rows
from storage.tables import sections as section_rows
from storage.tables import term_counts, versions

if TYPE_CHECKING:
    from storage.db import Db

Counts = dict[str, int]
Counter = Callable[[str], Mapping[str, int]]
CHUNK = 500  # ids per IN (...) list


def section_hash(text: str) -> str:
    """Return the SHA-256 a section text is known by (its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(items: Sequence[str] | Sequence[int]) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


class SectionRef(NamedTuple):
    """A section row's id, its version's id, and the hash of its text."""

    id: int
    version_id: int
    text_sha256: str


def version_sections(
    *, session: Db, document_ids: Sequence[str] | None = None, version_id: int | None = None
) -> list[SectionRef]:
    """Return the sections of these documents (None: all), or of one version, with hashes.

    A section stored without its hash (by older code) has it computed from its text here.
    """
    query = select(section_rows.c.id, section_rows.c.version_id, section_rows.c.text_sha256)
    if version_id is not None:
        query = query.where(section_rows.c.version_id == version_id)
    elif document_ids is not None:
        query = query.join(versions, versions.c.id == section_rows.c.version_id).where(
            versions.c.document_id.in_(list(document_ids))
        )
    rows: list[SectionRef] = []
    unhashed: dict[int, int] = {}
    for section_id, owner, digest in session.execute(query):
        if digest is None:
            unhashed[section_id] = owner
        else:
            rows.append(SectionRef(section_id, owner, digest))
    for section_id, text in section_texts(session=session, ids=list(unhashed)).items():
        rows.append(SectionRef(section_id, unhashed[section_id], section_hash(text)))
    return rows


def version_counts(
    *, session: Db, fingerprint: str, document_ids: Sequence[str] | None = None
) -> tuple[list[tuple[int, str]], list[SectionRef]]:
    """Return the kept counts of each section of these documents (None: all) under a fingerprint.

    Joined in SQL, so only sections whose text holds a term come back, as (version id,
    counts JSON), with the sections whose text has no counts yet (to be counted).
    """
    counts = term_counts.c.counts
    query = (
        select(section_rows.c.id, section_rows.c.version_id, section_rows.c.text_sha256, counts)
        .select_from(section_rows)
        .outerjoin(
            term_counts,
            and_(
                term_counts.c.fingerprint == fingerprint,
                term_counts.c.text_sha256 == section_rows.c.text_sha256,
            ),
        )
        .where(or_(counts.is_(None), counts != "{}"))
    )
    if document_ids is not None:
        query = query.join(versions, versions.c.id == section_rows.c.version_id).where(
            versions.c.document_id.in_(list(document_ids))
        )
    hits: list[tuple[int, str]] = []
    missing: list[SectionRef] = []
    unhashed: dict[int, int] = {}
    for section_id, version_id, digest, found in session.execute(query):
        if found is not None:
            hits.append((version_id, found))
        elif digest is None:
            unhashed[section_id] = version_id
        else:
            missing.append(SectionRef(section_id, version_id, digest))
    for section_id, text in section_texts(session=session, ids=list(unhashed)).items():
        missing.append(SectionRef(section_id, unhashed[section_id], section_hash(text)))
    return hits, missing


def known_counts(*, session: Db, fingerprint: str, hashes: Sequence[str]) -> dict[str, Counts]:
    """Return the kept counts for these section texts under a fingerprint."""
    kept = term_counts.c
    base = select(kept.text_sha256, kept.counts).where(kept.fingerprint == fingerprint)
    found: dict[str, Counts] = {}
    for chunk in _chunks(hashes):
        for digest, counts in session.execute(base.where(kept.text_sha256.in_(chunk))):
            found[digest] = json.loads(counts) if counts != "{}" else {}
    return found


def known_counts_under(
    *, session: Db, fingerprints: Sequence[str], hashes: Sequence[str]
) -> dict[str, dict[str, Counts]]:
    """Return the kept counts for these section texts under each fingerprint: one statement."""
    kept = term_counts.c
    base = select(kept.fingerprint, kept.text_sha256, kept.counts).where(
        kept.fingerprint.in_(list(fingerprints))
    )
    found: dict[str, dict[str, Counts]] = {key: {} for key in fingerprints}
    for chunk in _chunks(hashes):
        for key, digest, counts in session.execute(base.where(kept.text_sha256.in_(chunk))):
            found[key][digest] = json.loads(counts) if counts != "{}" else {}
    return found


def section_texts(*, session: Db, ids: Sequence[int]) -> dict[int, str]:
    """Return the texts of these section rows, by id."""
    found: dict[int, str] = {}
    for chunk in _chunks(list(ids)):
        query = (
            select(section_rows.c.id, text_rows.c.text)
            .join(text_rows, text_rows.c.id == section_rows.c.text_id)
            .where(section_rows.c.id.in_(chunk))
        )
        found.update((section_id, text) for section_id, text in session.execute(query))
    return found


def missing_texts(
    *, session: Db, sections: Sequence[SectionRef], known: Mapping[str, Counts]
) -> dict[str, str]:
    """Return the text of each distinct section hash that has no counts in `known`."""
    wanted: dict[str, int] = {}
    for ref in sections:
        if ref.text_sha256 not in known:
            wanted.setdefault(ref.text_sha256, ref.id)
    texts = section_texts(session=session, ids=list(wanted.values()))
    return {digest: texts[section_id] for digest, section_id in wanted.items()}


def keep_counts(*, session: Db, fingerprint: str, counts: Mapping[str, Counts]) -> None:
    """Keep counts per section hash (a concurrent writer's identical row is no conflict)."""
    keep_counts_under(session=session, counts={fingerprint: counts})


def keep_counts_under(*, session: Db, counts: Mapping[str, Mapping[str, Counts]]) -> None:
    """Keep counts per fingerprint and section hash, in one statement (per CHUNK rows)."""
    rows = [
        {
            "fingerprint": fingerprint,
            "text_sha256": digest,
            "counts": json.dumps(dict(sorted(found.items())), ensure_ascii=False),
        }
        for fingerprint, by_hash in counts.items()
        for digest, found in by_hash.items()
    ]
    if not rows:
        return
    for start in range(0, len(rows), CHUNK):
        session.execute(insert_or_ignore(session, term_counts), rows[start : start + CHUNK])


def count_missing(
    *,
    session: Db,
    fingerprint: str,
    sections: Sequence[SectionRef],
    count: Counter,
    known: Mapping[str, Counts] | None = None,
) -> dict[str, Counts]:
    """Count the section texts with no kept counts under a fingerprint; keep and return them."""
    if known is None:
        hashes = sorted({ref.text_sha256 for ref in sections})
        known = known_counts(session=session, fingerprint=fingerprint, hashes=hashes)
    fresh: dict[str, Counts] = {}
    for digest, text in missing_texts(session=session, sections=sections, known=known).items():
        fresh[digest] = {term: n for term, n in count(text).items() if n}
    keep_counts(session=session, fingerprint=fingerprint, counts=fresh)
    return fresh

"""Watched-term counts kept once per distinct section text and topics fingerprint.

Counting 60-odd regular expressions over every version's text at query time made a timeline
of all documents take most of a minute; most versions repeat most sections word for word.
So a section text (a row of section_texts, known here by its id) is counted once per topics
fingerprint (what the counting depends on) and
the counts are kept here: filled when a later version of a document is stored (its new
texts), and lazily, when a timeline first asks, for first versions, older rows and a changed
topics file. It is a cache: dropping the table loses no evidence.
"""

from __future__ import annotations

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


def _chunks(items: Sequence[str] | Sequence[int]) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


class SectionRef(NamedTuple):
    """A section row's id, its version's id, and the id of its text (in section_texts)."""

    id: int
    version_id: int
    text_id: int


def version_sections(
    *, session: Db, document_ids: Sequence[str] | None = None, version_id: int | None = None
) -> list[SectionRef]:
    """Return the sections of these documents (None: all), or of one version, with text ids."""
    query = select(section_rows.c.id, section_rows.c.version_id, section_rows.c.text_id)
    if version_id is not None:
        query = query.where(section_rows.c.version_id == version_id)
    elif document_ids is not None:
        query = query.join(versions, versions.c.id == section_rows.c.version_id).where(
            versions.c.document_id.in_(list(document_ids))
        )
    return [SectionRef(*row) for row in session.execute(query)]


def version_counts(
    *, session: Db, fingerprint: str, document_ids: Sequence[str] | None = None
) -> tuple[list[tuple[int, str]], list[SectionRef]]:
    """Return the kept counts of each section of these documents (None: all) under a fingerprint.

    Joined in SQL, so only sections whose text holds a term come back, as (version id,
    counts JSON), with the sections whose text has no counts yet (to be counted).
    """
    counts = term_counts.c.counts
    query = (
        select(section_rows.c.id, section_rows.c.version_id, section_rows.c.text_id, counts)
        .select_from(section_rows)
        .outerjoin(
            term_counts,
            and_(
                term_counts.c.fingerprint == fingerprint,
                term_counts.c.text_id == section_rows.c.text_id,
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
    for section_id, version_id, text_id, found in session.execute(query):
        if found is not None:
            hits.append((version_id, found))
        else:
            missing.append(SectionRef(section_id, version_id, text_id))
    return hits, missing


def known_counts(*, session: Db, fingerprint: str, text_ids: Sequence[int]) -> dict[int, Counts]:
    """Return the kept counts for these section texts under a fingerprint."""
    return known_counts_under(session=session, fingerprints=[fingerprint], text_ids=text_ids)[
        fingerprint
    ]


def known_counts_under(
    *, session: Db, fingerprints: Sequence[str], text_ids: Sequence[int]
) -> dict[str, dict[int, Counts]]:
    """Return the kept counts for these section texts under each fingerprint: one statement."""
    kept = term_counts.c
    base = select(kept.fingerprint, kept.text_id, kept.counts).where(
        kept.fingerprint.in_(list(fingerprints))
    )
    found: dict[str, dict[int, Counts]] = {key: {} for key in fingerprints}
    for chunk in _chunks(text_ids):
        for key, text_id, counts in session.execute(base.where(kept.text_id.in_(chunk))):
            found[key][text_id] = json.loads(counts) if counts != "{}" else {}
    return found


def known_counts_by_hash(
    *, session: Db, fingerprints: Sequence[str], hashes: Sequence[str]
) -> tuple[dict[str, int], dict[str, dict[int, Counts]]]:
    """Return the id of each stored section text (by SHA-256) and its kept counts under each
    fingerprint, in one statement (per chunk of hashes)."""
    kept = term_counts.c
    query = select(
        text_rows.c.text_sha256, text_rows.c.id, kept.fingerprint, kept.counts
    ).outerjoin(
        term_counts,
        and_(kept.text_id == text_rows.c.id, kept.fingerprint.in_(list(fingerprints))),
    )
    ids: dict[str, int] = {}
    found: dict[str, dict[int, Counts]] = {key: {} for key in fingerprints}
    for chunk in _chunks(hashes):
        for digest, text_id, key, counts in session.execute(
            query.where(text_rows.c.text_sha256.in_(chunk))
        ):
            ids[digest] = text_id
            if key is not None:
                found[key][text_id] = json.loads(counts) if counts != "{}" else {}
    return ids, found


def texts_by_id(*, session: Db, text_ids: Sequence[int]) -> dict[int, str]:
    """Return these rows of section_texts, by id."""
    found: dict[int, str] = {}
    for chunk in _chunks(list(text_ids)):
        query = select(text_rows.c.id, text_rows.c.text).where(text_rows.c.id.in_(chunk))
        found.update((text_id, text) for text_id, text in session.execute(query))
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
    *, session: Db, sections: Sequence[SectionRef], known: Mapping[int, Counts]
) -> dict[int, str]:
    """Return each distinct section text (by id) that has no counts in `known`."""
    wanted = sorted({ref.text_id for ref in sections if ref.text_id not in known})
    return texts_by_id(session=session, text_ids=wanted)


def keep_counts(*, session: Db, fingerprint: str, counts: Mapping[int, Counts]) -> None:
    """Keep counts per section text (a concurrent writer's identical row is no conflict)."""
    keep_counts_under(session=session, counts={fingerprint: counts})


def keep_counts_under(*, session: Db, counts: Mapping[str, Mapping[int, Counts]]) -> None:
    """Keep counts per fingerprint and section text, in one statement (per CHUNK rows)."""
    rows = [
        {
            "fingerprint": fingerprint,
            "text_id": text_id,
            "counts": json.dumps(dict(sorted(found.items())), ensure_ascii=False),
        }
        for fingerprint, by_text in counts.items()
        for text_id, found in by_text.items()
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
    known: Mapping[int, Counts] | None = None,
) -> dict[int, Counts]:
    """Count the section texts with no kept counts under a fingerprint; keep and return them."""
    if known is None:
        text_ids = sorted({ref.text_id for ref in sections})
        known = known_counts(session=session, fingerprint=fingerprint, text_ids=text_ids)
    fresh: dict[int, Counts] = {}
    for text_id, text in missing_texts(session=session, sections=sections, known=known).items():
        fresh[text_id] = {term: n for term, n in count(text).items() if n}
    keep_counts(session=session, fingerprint=fingerprint, counts=fresh)
    return fresh

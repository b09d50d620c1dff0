"""Watched-term counts per section text: counted once per topics fingerprint, then kept."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from functools import partial

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from compare.model import Topic
from compare.topics import count_terms
from storage import terms
from storage.terms import Counts, SectionRef

log = logging.getLogger("guidewatch.term_counts")


def fingerprint(topics: Sequence[Topic]) -> str:
    """Return the hash of what counting depends on: each topic's terms and their forms."""
    shape = [
        [topic.name, [[t.name, list(t.variants), list(t.abbreviations)] for t in topic.terms]]
        for topic in topics
    ]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode("utf-8")).hexdigest()


def kept_sets(topics: Sequence[Topic]) -> list[tuple[Topic, ...]]:
    """The topic selections counted when a version is stored: all topics, and each alone."""
    whole = tuple(topics)
    return [whole, *((topic,) for topic in whole if len(whole) > 1)]


def keep_version_counts(session: Session, version_id: int | None, topics: Sequence[Topic]) -> None:
    """Count a newly stored version's new section texts; a failure costs only the cache.

    Runs in the caller's transaction (a savepoint), for every selection `timeline` offers
    without naming a term: all topics, and each topic alone.
    """
    if version_id is None:
        return
    try:
        with session.begin_nested():
            sections = terms.version_sections(session=session, version_id=version_id)
            for chosen in kept_sets(topics):
                terms.count_missing(
                    session=session,
                    fingerprint=fingerprint(chosen),
                    sections=sections,
                    count=partial(count_terms, topics=chosen),
                )
    except Exception:
        log.exception(
            "version %s: term counts not kept (counted at query time instead)", version_id
        )


def has_term_counts(session: Session) -> bool:
    """Whether the schema has the term counts of migration 0008 (queries never migrate)."""
    return bool(inspect(session.connection()).has_table("term_counts"))


def section_counts(
    session: Session, sections: Sequence[SectionRef], topics: Sequence[Topic], *, every: bool
) -> dict[str, Counts]:
    """Return term counts per section hash, counting (and keeping) the texts not counted yet.

    With every=True the sections are all there are, so every kept row is read at once.
    Keeping new counts is a transaction of its own; if the database cannot be written (read
    only, or locked for too long) the counts are still returned, just not kept.
    """
    key = fingerprint(topics)
    hashes = None if every else sorted({ref.text_sha256 for ref in sections})
    known = terms.known_counts(session=session, fingerprint=key, hashes=hashes)
    fresh: dict[str, Counts] = {}
    for digest, text in terms.missing_texts(
        session=session, sections=sections, known=known
    ).items():
        fresh[digest] = {term: n for term, n in count_terms(text, topics).items() if n}
    if fresh:
        try:
            terms.keep_counts(session=session, fingerprint=key, counts=fresh)
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            log.warning("term counts not kept (%s): they are counted again next time", error)
    return known | fresh

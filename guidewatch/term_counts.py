"""Watched-term counts per section text: counted once per topics fingerprint, then kept."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from compare.model import Topic
from compare.topics import count_terms, resolve_candidates, term_candidates
from storage import terms
from storage.terms import Counts

if TYPE_CHECKING:  # the timeline reads through a Core connection: no ORM loaded
    from sqlmodel import Session

    from storage.db import Db

log = logging.getLogger("guidewatch.term_counts")


def fingerprint(topics: Sequence[Topic]) -> str:
    """Return the hash of what counting depends on: each topic's terms and their forms."""
    shape = [
        [topic.name, [[t.name, list(t.variants), list(t.abbreviations)] for t in topic.terms]]
        for topic in topics
    ]
    digest = hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:16]  # a few topics files in a database's life: 64 bits is plenty


def kept_sets(topics: Sequence[Topic]) -> list[tuple[Topic, ...]]:
    """The topic selections counted when a version is stored: all topics, and each alone."""
    whole = tuple(topics)
    return [whole, *((topic,) for topic in whole if len(whole) > 1)]


def keep_version_counts(
    session: Db,
    version_id: int | None,
    topics: Sequence[Topic],
    texts: Mapping[str, str] | None = None,
) -> None:
    """Count a newly stored version's new section texts; a failure costs only the cache.

    Runs in the caller's transaction (a savepoint), for every selection `timeline` offers
    without naming a term: all topics, and each topic alone. `texts` (section hash to text,
    from the document just extracted) spares reading the version's texts back.
    """
    if version_id is None:
        return
    try:
        with session.begin_nested():
            selections = kept_sets(topics)
            keys = [fingerprint(chosen) for chosen in selections]
            if texts is None:
                sections = terms.version_sections(session=session, version_id=version_id)
                text_ids = sorted({ref.text_id for ref in sections})
                known = terms.known_counts_under(
                    session=session, fingerprints=keys, text_ids=text_ids
                )
            else:  # one statement: each hash's text id, and what is kept for it
                ids, known = terms.known_counts_by_hash(
                    session=session, fingerprints=keys, hashes=sorted(texts)
                )
                text_ids = sorted(ids.values())
            missing = [t for t in text_ids if any(t not in known[key] for key in keys)]
            if texts is None:
                found = terms.texts_by_id(session=session, text_ids=missing)
            else:
                by_id = {text_id: texts[digest] for digest, text_id in ids.items()}
                found = {text_id: by_id[text_id] for text_id in missing}
            counted = {t: selection_counts(text, selections) for t, text in found.items()}
            fresh = {
                key: {t: c[i] for t, c in counted.items() if t not in known[key]}
                for i, key in enumerate(keys)
            }
            terms.keep_counts_under(session=session, counts=fresh)
    except Exception:
        log.exception(
            "version %s: term counts not kept (counted at query time instead)", version_id
        )


def selection_counts(text: str, selections: Sequence[tuple[Topic, ...]]) -> list[Counts]:
    """Count a text for all topics (first) and for each topic alone, skipping what is implied.

    With all topics no hit means no hit for any topic alone; and a topic alone finds what
    all topics find when every hit is that topic's (hits of others are what can hide its
    own, overlapping ones). Anything else is counted afresh.
    """
    whole = selections[0]
    candidates = term_candidates(text, whole)
    hits = resolve_candidates(text, candidates)
    every: Counts = dict(Counter(hit.term for hit in hits))
    found = {hit.topic for hit in hits}
    out = [every]
    names = [topic.name for topic in whole]
    for chosen in selections[1:]:
        if not hits:
            out.append({})
        elif len(chosen) == 1 and found == {chosen[0].name}:
            out.append(dict(every))
        elif len(chosen) == 1 and chosen[0] in whole and names.count(chosen[0].name) == 1:
            # A topic alone: its own terms' matches, already found, resolved among themselves.
            own = [c for c in candidates if c[3] == chosen[0].name]
            out.append(dict(Counter(hit.term for hit in resolve_candidates(text, own))))
        else:
            out.append({t: n for t, n in count_terms(text, chosen).items() if n})
    return out


def has_term_counts(session: Session) -> bool:
    """Whether the schema has the term counts of migration 0008 (queries never migrate)."""
    return bool(inspect(session.connection()).has_table("term_counts"))


def version_totals(
    session: Db, topics: Sequence[Topic], document_ids: Sequence[str] | None
) -> dict[int, Counts]:
    """Return each version's term counts (summed over its sections) for these documents.

    Section texts not counted yet under these topics are counted now and kept, in a
    transaction of its own; if the database cannot be written (read only, or locked for too
    long) the counts are still returned, just not kept.
    """
    key = fingerprint(topics)
    hits, missing = terms.version_counts(
        session=session, fingerprint=key, document_ids=document_ids
    )
    totals: dict[int, Counter[str]] = defaultdict(Counter)
    parsed: dict[str, Counts] = {}
    for version_id, counts in hits:
        found = parsed.get(counts)
        if found is None:
            found = parsed[counts] = json.loads(counts)
        totals[version_id].update(found)
    if missing:
        fresh: dict[int, Counts] = {}
        texts = terms.missing_texts(session=session, sections=missing, known={})
        for text_id, text in texts.items():
            fresh[text_id] = {term: n for term, n in count_terms(text, topics).items() if n}
        for ref in missing:
            totals[ref.version_id].update(fresh.get(ref.text_id, {}))
        try:
            terms.keep_counts(session=session, fingerprint=key, counts=fresh)
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            log.warning("term counts not kept (%s): they are counted again next time", error)
    return {version_id: dict(counter) for version_id, counter in totals.items()}

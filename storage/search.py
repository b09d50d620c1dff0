"""Full-text search over every version's sections: SQLite FTS5 or PostgreSQL full-text search.

The index is kept by the database itself (migrations 0003 and 0011) over each distinct section
text: on SQLite, triggers on `section_texts` fill the FTS5 table `sections_fts`; on PostgreSQL,
a GIN index over the generated tsvector column `section_texts.search_vector` serves the query
below; the sections holding a text found are then read by reference. The database narrows the
candidates by
words; the exact-ish phrase check and the sentence around it are done here, so both databases
answer alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select, text

from scrapers.text import SENTENCE_CLOSERS, SENTENCE_END
from storage.db import dialect_name
from storage.tables import section_texts, sections, versions

if TYPE_CHECKING:
    from storage.db import Db

# Words as both engines tokenise them: letters and digits; everything else separates.
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(rf"{SENTENCE_END}{SENTENCE_CLOSERS}\s+|\n\s*\n|\n(?=\s*[-*\u2022\d])")
MAX_SENTENCE = 300
CHUNK = 400  # ids per statement: well under SQLite's 32,766 bound parameters

# The column (migration 0003) is to_tsvector over the text with the same word splitting.
PG_DOCUMENT = "section_texts.search_vector"
PG_QUERY = r"phraseto_tsquery('simple'::regconfig, regexp_replace(:words, '\W+', ' ', 'g'))"


class SearchError(ValueError):
    """A search phrase that cannot be searched for (it has no words)."""


@dataclass(frozen=True)
class SectionMatch:
    """One occurrence of the phrase in one section of one version."""

    document_id: str
    version: int
    version_id: int
    section_key: str
    heading_path: tuple[str, ...]
    ordinal: int
    sentence: str


@dataclass(frozen=True)
class Hit:
    """A sentence holding the phrase, over a run of consecutive versions of one document."""

    document_id: str
    section_key: str
    heading_path: tuple[str, ...]
    sentence: str
    first_version: int
    last_version: int
    first_seen_at: datetime
    last_seen_at: datetime
    current: bool  # the run reaches the document's newest version

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "document": self.document_id,
            "section": self.section_key,
            "heading_path": list(self.heading_path),
            "sentence": self.sentence,
            "first_version": self.first_version,
            "last_version": self.last_version,
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
            "current": self.current,
        }


def phrase_words(phrase: str) -> list[str]:
    """Return the words of a user's phrase; punctuation and quotes only separate words."""
    return _WORD.findall(phrase)


def fts5_query(words: Sequence[str]) -> str:
    """Return an FTS5 query matching the words as one phrase (no operator can slip in)."""
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def phrase_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """Return a regex for the words in order, any punctuation or space between them."""
    body = r"[\W_]+".join(re.escape(w) for w in words)
    # No look-behind for the word start: it slows every position down; find_phrase checks it.
    return re.compile(rf"{body}(?![^\W_])", re.IGNORECASE)


def find_phrase(text: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Yield the matches of a phrase pattern that start at the start of a word."""
    for found in pattern.finditer(text):
        start = found.start()
        if start == 0 or not text[start - 1].isalnum():
            yield found


def sentence_around(text: str, start: int, end: int) -> str:
    """Return the sentence (or list item) of text that holds text[start:end], trimmed if long."""
    begin = 0
    for found in _SENTENCE_END.finditer(text, 0, start):
        begin = found.end()
    stop = len(text)
    after = _SENTENCE_END.search(text, end)
    if after:
        stop = after.start() + 1 if text[after.start()] in ".!?" else after.start()
    sentence = " ".join(text[begin:stop].split())
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    # A very long "sentence" (a PDF table, say): keep a window around the phrase.
    margin = max(40, (MAX_SENTENCE - (end - start)) // 2)
    left, right = max(begin, start - margin), min(stop, end + margin)
    prefix = "\u2026" if left > begin else ""
    suffix = "\u2026" if right < stop else ""
    return prefix + " ".join(text[left:right].split()) + suffix


def _candidates(session: Db, words: Sequence[str]) -> Any:
    """Return the word filter for this database (the index does the work)."""
    dialect = dialect_name(session)
    if dialect == "sqlite":
        return text(
            "section_texts.id IN (SELECT rowid FROM sections_fts WHERE sections_fts MATCH :fts)"
        ).bindparams(fts=fts5_query(words))
    if dialect == "postgresql":
        return text(f"{PG_DOCUMENT} @@ {PG_QUERY}").bindparams(words=" ".join(words))
    raise SearchError(f"full-text search is not available on {dialect}")


def _match_query(
    session: Db,
    words: Sequence[str],
    document_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Any]:
    """The sections (with their versions) the index finds all the words in, in order."""
    query = (
        select(
            versions.c.document_id,
            versions.c.number,
            sections.c.version_id,
            sections.c.key,
            sections.c.heading_path,
            sections.c.ordinal,
            sections.c.text_id,
        )
        .select_from(section_texts)
        .join(sections, sections.c.text_id == section_texts.c.id)
        .join(versions, versions.c.id == sections.c.version_id)
        .where(_candidates(session, words))
    )
    if document_id is not None:
        query = query.where(versions.c.document_id == document_id)
    if since is not None:
        query = query.where(versions.c.last_seen_at >= since)
    if until is not None:
        query = query.where(versions.c.first_seen_at <= until)
    return query.order_by(versions.c.document_id, versions.c.number, sections.c.ordinal)


def find_matches(
    *,
    session: Db,
    phrase: str,
    document_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SectionMatch]:
    """Return each occurrence of a phrase in versions seen in a span, in document order."""
    words = phrase_words(phrase)
    if not words:
        raise SearchError(f"{phrase!r} has no words to search for")
    query = _match_query(session, words, document_id, since, until)
    pattern = phrase_pattern(words)
    # The times are read for the hits' ends only (seen_times).
    rows = session.execute(query).all()
    # Most versions repeat most sections word for word: each distinct text read and searched
    # once, and each distinct heading path decoded once.
    found_in = _sentences(session, {row.text_id for row in rows}, pattern)
    paths: dict[str, tuple[str, ...]] = {}
    matches: list[SectionMatch] = []
    for doc, number, version_id, key, heading, ordinal, text_id in rows:
        sentences = found_in[text_id]
        path = paths.get(heading)
        if path is None:
            path = paths[heading] = tuple(json.loads(heading))
        matches.extend(
            SectionMatch(
                document_id=doc,
                version=number,
                version_id=version_id,
                section_key=key,
                heading_path=path,
                ordinal=ordinal,
                sentence=sentence,
            )
            for sentence in sentences
        )
    return matches


def _sentences(session: Db, text_ids: set[int], pattern: re.Pattern[str]) -> dict[int, list[str]]:
    """The distinct sentences holding the phrase in each of these texts, by text id."""
    ids = sorted(text_ids)
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(section_texts.c.id, section_texts.c.text).where(
            section_texts.c.id.in_(ids[start : start + CHUNK])
        )
        for text_id, body in session.execute(query).all():
            found[text_id] = list(
                dict.fromkeys(
                    sentence_around(body, m.start(), m.end()) for m in find_phrase(body, pattern)
                )
            )
    return found


def newest_versions(*, session: Db, document_ids: Iterable[str]) -> dict[str, int]:
    """Return the newest version number of each of these documents."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    query = (
        select(versions.c.document_id, func.max(versions.c.number))
        .where(versions.c.document_id.in_(ids))
        .group_by(versions.c.document_id)
    )
    return {doc: int(number) for doc, number in session.execute(query)}


def seen_times(*, session: Db, version_ids: Iterable[int]) -> dict[int, tuple[datetime, datetime]]:
    """Return when each of these versions was first and last seen."""
    ids = sorted(set(version_ids))
    times: dict[int, tuple[datetime, datetime]] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(versions.c.id, versions.c.first_seen_at, versions.c.last_seen_at).where(
            versions.c.id.in_(ids[start : start + CHUNK])
        )
        times.update(
            (row.id, (row.first_seen_at, row.last_seen_at)) for row in session.execute(query).all()
        )
    return times


def group_runs(matches: Sequence[SectionMatch]) -> list[list[SectionMatch]]:
    """Merge matches (in find_matches' order) of one sentence in consecutive versions into runs."""
    open_runs: dict[tuple[str, str, str], list[SectionMatch]] = {}
    runs: list[list[SectionMatch]] = []
    for match in matches:
        key = (match.document_id, match.section_key, match.sentence)
        run = open_runs.get(key)
        if run is not None and run[-1].version == match.version - 1:
            run.append(match)
        else:
            run = [match]
            runs.append(run)
            open_runs[key] = run
    return runs


def to_hits(
    runs: Sequence[Sequence[SectionMatch]],
    newest: dict[str, int],
    times: dict[int, tuple[datetime, datetime]],
) -> list[Hit]:
    """One hit per run, in document, first-seen and section order."""
    hits = [
        Hit(
            document_id=run[0].document_id,
            section_key=run[0].section_key,
            heading_path=run[-1].heading_path,
            sentence=run[0].sentence,
            first_version=run[0].version,
            last_version=run[-1].version,
            first_seen_at=times[run[0].version_id][0],
            last_seen_at=times[run[-1].version_id][1],
            current=newest.get(run[0].document_id) == run[-1].version,
        )
        for run in runs
    ]
    return sorted(hits, key=lambda h: (h.document_id, h.first_seen_at, h.section_key))


def search(
    *,
    session: Db,
    phrase: str,
    document_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    which: str = "all",
) -> list[Hit]:
    """Search every version; `which` is "all", "first" or "last" (one hit per document)."""
    matches = find_matches(
        session=session, phrase=phrase, document_id=document_id, since=since, until=until
    )
    newest = newest_versions(session=session, document_ids=(m.document_id for m in matches))
    runs = group_runs(matches)
    ends = {version_id for run in runs for version_id in (run[0].version_id, run[-1].version_id)}
    hits = to_hits(runs, newest, seen_times(session=session, version_ids=ends))
    if which == "all":
        return hits
    if which not in ("first", "last"):
        raise SearchError(f"which must be all, first or last, not {which!r}")
    best: dict[str, Hit] = {}
    for hit in hits:
        held = best.get(hit.document_id)
        if which == "first":
            if held is None or (hit.first_seen_at, hit.first_version) < (
                held.first_seen_at,
                held.first_version,
            ):
                best[hit.document_id] = hit
        elif held is None or (hit.last_seen_at, hit.last_version) > (
            held.last_seen_at,
            held.last_version,
        ):
            best[hit.document_id] = hit
    key = (lambda h: h.first_seen_at) if which == "first" else (lambda h: h.last_seen_at)
    return sorted(best.values(), key=key)

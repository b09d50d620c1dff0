"""Watched topics: load them from TOML, expand term variants, find terms in text."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from compare.model import Pattern, Strength, Term, TermHit, Topic, TopicSet
from compare.term_matchers import TermIndex, TermMatcher, make_index, make_matcher
from compare.topicfile import check_topics_file

# UK spelling -> US spelling, word by word; both directions are generated.
SPELLINGS = {
    "programme": "program",
    "programmes": "programs",
    "behavioural": "behavioral",
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "personalised": "personalized",
    "generalised": "generalized",
    "optimise": "optimize",
    "centre": "center",
    "counselling": "counseling",
    "paediatric": "pediatric",
}
_ABBREVIATED = re.compile(r"^(?P<name>.+?)\s*\((?P<abbr>[A-Z][A-Z0-9]{1,7})\)$")
_ABBREVIATION = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_TERM_KEYS = {"name", "variants", "abbreviation", "plural"}


def _us_uk(word: str) -> list[str]:
    """Return the word and its other-side spelling, keeping a leading capital."""
    lower = word.lower()
    other: str | None = SPELLINGS.get(lower)
    if other is None:
        for uk, us in SPELLINGS.items():
            if us == lower:
                other = uk
    if other is None and "isation" in lower:
        other = lower.replace("isation", "ization")
    elif other is None and "ization" in lower:
        other = lower.replace("ization", "isation")
    if other is None:
        return [word]
    if word[:1].isupper():
        other = other[:1].upper() + other[1:]
    return [word, other]


def _spellings(phrase: str) -> list[str]:
    """Return every UK/US spelling combination of a phrase."""
    forms = [""]
    for i, word in enumerate(phrase.split(" ")):
        sep = " " if i else ""
        forms = [f + sep + w for f in forms for w in _us_uk(word)]
    return forms


def _hyphenations(phrase: str) -> list[str]:
    """Return the phrase with each hyphen kept, made a space, or closed up."""
    parts = phrase.split("-")
    forms = [parts[0]]
    for part in parts[1:]:
        forms = [f + sep + part for f in forms for sep in ("-", " ", "")]
    return forms


def plural(phrase: str) -> str:
    """Return the phrase with its last word made plural (regular English rules)."""
    head, _, last = phrase.rpartition(" ")
    lower = last.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif lower.endswith(("s", "x", "z", "ch", "sh")):
        last = last + "es"
    else:
        last = last + "s"
    return f"{head} {last}" if head else last


def _wants_plural(phrase: str) -> bool:
    """Guess whether a phrase ends in a countable noun worth pluralising."""
    last = phrase.rsplit(" ", 1)[-1].lower()
    return not last.endswith(("ing", "ed", "s")) and not any(c.isdigit() for c in last)


def expand_variants(phrase: str, *, plurals: bool | None = None) -> tuple[str, ...]:
    """Return every surface form of a phrase: hyphenation, UK/US spelling, plural."""
    phrase = " ".join(phrase.split())
    if plurals is None:
        plurals = _wants_plural(phrase)
    forms: list[str] = []
    for spelled in _spellings(phrase):
        for form in _hyphenations(spelled):
            forms.append(form)
            if plurals:
                forms.append(plural(form))
    return _unique(forms)


def _unique(forms: Iterable[str]) -> tuple[str, ...]:
    """Drop case-insensitive duplicates, keeping the first spelling seen."""
    seen: set[str] = set()
    out: list[str] = []
    for form in forms:
        if form.lower() not in seen:
            seen.add(form.lower())
            out.append(form)
    return tuple(out)


def make_term(spec: str | Mapping[str, Any]) -> Term:
    """Build a Term from "name", "name (ABBR)" or a table {name, variants, abbreviation, plural}."""
    if isinstance(spec, str):
        spec = {"name": spec}
    unknown = set(spec) - _TERM_KEYS
    if unknown:
        raise ValueError(f"term {spec.get('name')!r}: unknown keys {sorted(unknown)}")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip() or name != " ".join(name.split()):
        raise ValueError(f"term name must be a trimmed, non-empty string: {name!r}")
    abbreviation = spec.get("abbreviation")
    found = _ABBREVIATED.match(name)
    if found:
        name, abbreviation = found["name"], found["abbr"]
    if abbreviation is not None and not _ABBREVIATION.match(str(abbreviation)):
        raise ValueError(f"term {name!r}: abbreviation must be capitals: {abbreviation!r}")
    extra = spec.get("variants", [])
    if not isinstance(extra, list) or not all(isinstance(v, str) for v in extra):
        raise ValueError(f"term {name!r}: variants must be a list of strings")
    plurals = spec.get("plural")
    if plurals is not None and not isinstance(plurals, bool):
        raise ValueError(f"term {name!r}: plural must be true or false")
    forms: list[str] = []
    for phrase in [name, *extra]:
        forms.extend(expand_variants(phrase, plurals=plurals))
    if abbreviation:
        forms.extend(f"{form} ({abbreviation})" for form in list(forms))
    return Term(
        name=name,
        variants=_unique(forms),
        abbreviations=(str(abbreviation),) if abbreviation else (),
    )


def parse_topics(data: Mapping[str, Any]) -> TopicSet:
    """Build topics from parsed TOML: `[[topic]]` tables (terms, patterns) and the
    `[[strength]]` scale; checked by compare.topicfile first."""
    spec = check_topics_file(data)
    topics: list[Topic] = []
    for table in spec.topic:
        terms = []
        for term in table.terms:
            given = term if isinstance(term, str) else term.model_dump(exclude_none=True)
            try:
                terms.append(make_term(given))
            except ValueError as error:
                raise ValueError(f"topic {table.name!r}, field terms: {error}") from None
        topics.append(
            Topic(
                name=table.name,
                description=table.description,
                terms=tuple(terms),
                recipients=tuple(table.recipients),
                removal_is_news=table.removal_is_news,
                patterns=tuple(
                    Pattern(p.name, p.explanation, tuple(p.regexes)) for p in table.patterns
                ),
            )
        )
    _check_unique([t.name for t in topics], "topic")
    _check_unique([term.name.lower() for t in topics for term in t.terms], "term")
    _check_unique([p.name for t in topics for p in t.patterns], "pattern")
    _check_unique([s.name for s in spec.strength], "strength")
    strengths = tuple(Strength(s.name, s.level, tuple(s.regexes)) for s in spec.strength)
    return TopicSet(topics, strengths)


def _check_unique(names: list[str], what: str) -> None:
    """Raise ValueError naming any duplicate."""
    dupes = sorted(n for n, c in Counter(names).items() if c > 1)
    if dupes:
        raise ValueError(f"duplicate {what} names: {dupes}")


def load_topics(path: Path) -> TopicSet:
    """Read a topics TOML file and return its topics; a bad file is one ValueError line
    naming the file, the topic and the field."""
    with open(path, "rb") as handle:
        return _parsed(str(path), handle.read())


@lru_cache(maxsize=8)
def _parsed(path: str, content: bytes) -> TopicSet:
    """The topics of a file's content (a run reads the file for its hooks and its alerts)."""
    text = content.decode()  # as tomllib.load: a UnicodeDecodeError is said as it was
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    try:
        return parse_topics(data)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


class TopicsFileError(ValueError):
    """The topics file cannot be read or is wrong; the message is one line naming it."""


def read_topics(path: Path) -> TopicSet:
    """Load the topics file, or a TopicsFileError in one line that names it."""
    try:
        return load_topics(path)
    except OSError as error:
        raise TopicsFileError(f"topics file {path}: {error}") from None
    except ValueError as error:  # already names the file, the topic and the field
        raise TopicsFileError(str(error)) from None


@lru_cache(maxsize=32)
def _matchers(topics: tuple[Topic, ...]) -> TermIndex:
    """One matcher per term (variants longest first) for the given topics, none compiled."""
    matchers: list[TermMatcher] = []
    for topic in topics:
        for term in topic.terms:
            matchers.append(make_matcher(term, topic.name, len(matchers)))
    return make_index(tuple(matchers))


# Where one term's regex matched: (start, -end, the term's place among the topics', topic, term).
Candidate = tuple[int, int, int, str, str]


def term_candidates(text: str, topics: Sequence[Topic]) -> list[Candidate]:
    """Every match of every watched term's regex in text, overlaps included."""
    candidates: list[Candidate] = []
    for matcher in _matchers(tuple(topics)).for_text(text):  # skipped: would find nothing
        topic, term, order = matcher.topic, matcher.term, matcher.order
        for found in matcher.pattern.finditer(text):
            candidates.append((found.start(), -found.end(), order, topic, term))
    return candidates


def find_terms(text: str, topics: Sequence[Topic]) -> list[TermHit]:
    """Return the watched terms in text, leftmost first; where hits overlap the longest wins."""
    return resolve_candidates(text, term_candidates(text, topics))


def resolve_candidates(text: str, candidates: Sequence[Candidate]) -> list[TermHit]:
    """The hits among candidates: leftmost first; where they overlap the longest wins.

    The candidates of one topic's terms, taken from those of several topics, resolve as that
    topic's own would: its terms keep their order among themselves.
    """
    hits: list[TermHit] = []
    last_end = 0
    for start, neg_end, _, topic, term in sorted(candidates):
        if start >= last_end:
            hits.append(TermHit(topic, term, text[start:-neg_end], start, -neg_end))
            last_end = -neg_end
    return hits


def count_terms(text: str, topics: Sequence[Topic]) -> dict[str, int]:
    """Return how many times each watched term occurs in text, by canonical term name."""
    return dict(Counter(hit.term for hit in find_terms(text, topics)))


def topic_of(term: str, topics: Sequence[Topic]) -> Topic | None:
    """Return the topic a canonical term name belongs to."""
    for topic in topics:
        if any(t.name == term for t in topic.terms):
            return topic
    return None

"""The topics file checked on load: unknown keys refused, types strict, every regex compiled.

A well-formed file (every file guidewatch ships, and nearly every one edited by hand) is
checked here with plain Python, without loading pydantic; anything this check does not accept
goes to the pydantic models of compare.topicschema, which accept it or say in one line what
is wrong, naming the file, the topic and the field. So this check only ever accepts what
those models accept, with the same values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compare.topicschema import TopicsSpec

_TOPIC_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_TOPIC_KEYS = {"name", "description", "recipients", "removal_is_news", "terms", "patterns"}
_TERM_KEYS = {"name", "variants", "abbreviation", "plural"}
_PATTERN_KEYS = {"name", "explanation", "regexes"}
_STRENGTH_KEYS = {"name", "level", "regexes"}


@dataclass(frozen=True)
class PatternTable:
    """A practice described without its name (as compare.topicschema.PatternSpec)."""

    name: str
    explanation: str
    regexes: list[str]


@dataclass(frozen=True)
class StrengthTable:
    """One wording on the strength scale (as compare.topicschema.StrengthSpec)."""

    name: str
    level: int
    regexes: list[str]


@dataclass(frozen=True)
class TopicTable:
    """One topic (as compare.topicschema.TopicSpec); a term is a string or its table's keys."""

    name: str
    terms: list[str | dict[str, Any]]
    description: str = ""
    recipients: list[str] = field(default_factory=list)
    removal_is_news: bool = False
    patterns: list[PatternTable] = field(default_factory=list)


@dataclass(frozen=True)
class TopicsTables:
    """The whole file (as compare.topicschema.TopicsSpec)."""

    topic: list[TopicTable]
    strength: list[StrengthTable] = field(default_factory=list)


def check_topics_file(data: Mapping[str, Any]) -> TopicsTables | TopicsSpec:
    """Validate parsed TOML; raise ValueError with one line naming the topic and the field."""
    if "topics" in data and "topic" not in data:
        data = {**data, "topic": data["topics"]}
        data.pop("topics")
    checked = _well_formed(data)
    if checked is not None:
        return checked
    from compare.topicschema import check_strictly

    return check_strictly(data)


def _str(value: object, *, empty: bool = True) -> bool:
    return type(value) is str and (empty or value != "")


def _strings(value: object, *, empty_list: bool = True) -> bool:
    return (
        type(value) is list
        and (empty_list or bool(value))
        and all(type(item) is str for item in value)
    )


def _regexes(value: object) -> bool:
    if not _strings(value, empty_list=False):
        return False
    try:
        for source in value:  # type: ignore[attr-defined]
            re.compile(source)
    except re.error:
        return False
    return True


def _table(value: object, keys: set[str], required: set[str]) -> dict[str, Any] | None:
    if type(value) is not dict or not set(value) <= keys or not required <= set(value):
        return None
    return value


def _term(value: object) -> str | dict[str, Any] | None:
    if type(value) is str:
        return value
    table = _table(value, _TERM_KEYS, {"name"})
    if table is None or not _str(table["name"]):
        return None
    if "variants" in table and not _strings(table["variants"]):
        return None
    if "abbreviation" in table and not _str(table["abbreviation"]):
        return None
    if "plural" in table and type(table["plural"]) is not bool:
        return None
    return {"variants": [], **table}  # as the model dumps it (variants always, None left out)


def _pattern(value: object) -> PatternTable | None:
    table = _table(value, _PATTERN_KEYS, _PATTERN_KEYS)
    if table is None or not _str(table["name"], empty=False):
        return None
    if not _str(table["explanation"], empty=False) or not _regexes(table["regexes"]):
        return None
    return PatternTable(table["name"], table["explanation"], list(table["regexes"]))


def _topic(value: object) -> TopicTable | None:
    table = _table(value, _TOPIC_KEYS, {"name", "terms"})
    if table is None or not _str(table["name"]) or not _TOPIC_NAME.fullmatch(table["name"]):
        return None
    if not _str(table.get("description", "")) or not _strings(table.get("recipients", [])):
        return None
    if type(table.get("removal_is_news", False)) is not bool:
        return None
    raw_terms, raw_patterns = table["terms"], table.get("patterns", [])
    if type(raw_terms) is not list or not raw_terms or type(raw_patterns) is not list:
        return None
    terms = [_term(term) for term in raw_terms]
    patterns = [_pattern(pattern) for pattern in raw_patterns]
    if any(term is None for term in terms) or any(p is None for p in patterns):
        return None
    return TopicTable(
        name=table["name"],
        terms=[term for term in terms if term is not None],
        description=table.get("description", ""),
        recipients=list(table.get("recipients", [])),
        removal_is_news=table.get("removal_is_news", False),
        patterns=[p for p in patterns if p is not None],
    )


def _strength(value: object) -> StrengthTable | None:
    table = _table(value, _STRENGTH_KEYS, _STRENGTH_KEYS)
    if table is None or not _str(table["name"], empty=False):
        return None
    if type(table["level"]) is not int or not _regexes(table["regexes"]):
        return None
    return StrengthTable(table["name"], table["level"], list(table["regexes"]))


def _well_formed(data: Mapping[str, Any]) -> TopicsTables | None:
    """The file's tables when every key and value is as the models require; else None."""
    if not set(data) <= {"topic", "strength"}:
        return None
    raw_topics, raw_strengths = data.get("topic"), data.get("strength", [])
    if type(raw_topics) is not list or not raw_topics or type(raw_strengths) is not list:
        return None
    topics = [_topic(topic) for topic in raw_topics]
    strengths = [_strength(strength) for strength in raw_strengths]
    if any(t is None for t in topics) or any(s is None for s in strengths):
        return None
    return TopicsTables(
        topic=[t for t in topics if t is not None],
        strength=[s for s in strengths if s is not None],
    )

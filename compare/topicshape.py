"""The topics file's shape checked with the standard library, for files that are right.

compare.topicfile's pydantic models are the file's declared shape and word every error; they
cost a process about 0.05 s to import and build. A file that passes every check here (the
same ones, at least as strict) is read without them; anything else, or anything unusual,
returns None and goes to compare.topicfile, which accepts it or says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from compare import plainshape as shape

_TOPIC_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")  # compare.topicfile.TOPIC_NAME, whole name


@dataclass(frozen=True)
class PlainPattern:
    """A pattern as compare.topicfile.PatternSpec gives it."""

    name: str
    explanation: str
    regexes: list[str]


@dataclass(frozen=True)
class PlainStrength:
    """A strength wording as compare.topicfile.StrengthSpec gives it."""

    name: str
    level: int
    regexes: list[str]


@dataclass(frozen=True)
class PlainTopic:
    """A topic as compare.topicfile.TopicSpec gives it; a table term as its non-None fields."""

    name: str
    description: str
    recipients: list[str]
    removal_is_news: bool
    terms: list[str | dict[str, Any]]
    patterns: list[PlainPattern]


@dataclass(frozen=True)
class PlainTopics:
    """The whole file, as compare.topicfile.TopicsSpec gives it."""

    topic: list[PlainTopic]
    strength: list[PlainStrength]


def plain_topics(data: dict[str, Any]) -> PlainTopics | None:
    """The file's topics if every check passes, else None (compare.topicfile then decides)."""
    if "topics" in data and "topic" not in data:  # the name compare.topicfile also takes
        data = {**data, "topic": data["topics"]}
        del data["topics"]
    try:
        table = shape.table(data, {"topic", "strength"})
        return PlainTopics(
            topic=[_topic(t) for t in shape.listed(table, "topic", least=1, required=True)],
            strength=[_strength(s) for s in shape.listed(table, "strength")],
        )
    except shape.Refused:
        return None


# What Python's re always accepts, checked by one match instead of compiling (which was 5 of
# the 8 ms the topics file costs every run): literal characters, escapes of punctuation, \w-style
# classes, \xhh and \uhhhh; sets of those and of a-z, A-Z, 0-9 (a dash first); (?:...) and (...)
# groups; alternatives; ?, *, +, {n} and {0,n}, lazy or not, after a character, a set or a group;
# ^, $, \b and \B standing alone. Anything else (lookarounds, flags, backreferences, {m,n} with
# m > 0, groups nested deeper than depth) is compiled as before. tests/test_topicshape.py
# compiles every one of thousands of random patterns the grammar takes.
def _plain_regex_grammar(depth: int) -> str:
    """A regular expression matching plainly valid regular expressions (groups up to depth)."""
    escape = r"\\(?:[wdsWDS]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[!-/:-@\[-`{-~ ])"
    item = rf"(?:[^\\\[\]\-&|~^]|{escape}|a-z|A-Z|0-9)"
    atom = rf"(?:[^\\.^$*+?{{}}\[\]|()]|{escape}|\.|\[\^?-?{item}+\])"
    quantifier = r"(?:(?:[?*+]|\{[0-9]{1,4}\}|\{0,[0-9]{1,4}\})\??)"
    anchor = r"(?:\^|\$|\\[bB])"
    alternatives = "(?!)"  # a group deeper than depth: none
    for _ in range(depth):
        piece = rf"(?:(?:{atom}|\((?:\?:)?{alternatives}\)){quantifier}?|{anchor})"
        alternatives = rf"(?:{piece}|\|)*"  # pieces, and bars between alternatives
    return alternatives


_PLAIN_REGEX = re.compile(_plain_regex_grammar(4))


def plain_regex(source: str) -> bool:
    """Whether a regular expression is plainly valid (see _plain_regex_grammar)."""
    return _PLAIN_REGEX.fullmatch(source) is not None


def _regexes(table: dict[str, Any]) -> list[str]:
    regexes = shape.strings(table, "regexes", least=1)
    try:
        for source in regexes:
            if not plain_regex(source):
                re.compile(source)
    except re.error:
        raise shape.Refused from None
    return regexes


def _topic(value: Any) -> PlainTopic:
    keys = {"name", "description", "recipients", "removal_is_news", "terms", "patterns"}
    table = shape.table(value, keys)
    name = shape.text(table, "name")
    removal = table.get("removal_is_news", False)
    if not _TOPIC_NAME.fullmatch(name) or type(removal) is not bool:
        raise shape.Refused
    return PlainTopic(
        name=name,
        description=shape.text(table, "description", default=""),
        recipients=shape.strings(table, "recipients"),
        removal_is_news=removal,
        terms=[_term(t) for t in shape.listed(table, "terms", least=1, required=True)],
        patterns=[_pattern(p) for p in shape.listed(table, "patterns")],
    )


def _term(value: Any) -> str | dict[str, Any]:
    if type(value) is str:
        return value
    table = shape.table(value, {"name", "variants", "abbreviation", "plural"})
    fields: dict[str, Any] = {
        "name": shape.text(table, "name"),
        "variants": shape.strings(table, "variants"),
    }
    if "abbreviation" in table:
        fields["abbreviation"] = shape.text(table, "abbreviation")
    if "plural" in table:
        if type(table["plural"]) is not bool:
            raise shape.Refused
        fields["plural"] = table["plural"]
    return fields


def _pattern(value: Any) -> PlainPattern:
    table = shape.table(value, {"name", "explanation", "regexes"})
    return PlainPattern(
        name=shape.text(table, "name", least=1),
        explanation=shape.text(table, "explanation", least=1),
        regexes=_regexes(table),
    )


def _strength(value: Any) -> PlainStrength:
    table = shape.table(value, {"name", "level", "regexes"})
    level = table.get("level")
    if type(level) is not int:
        raise shape.Refused
    return PlainStrength(
        name=shape.text(table, "name", least=1), level=level, regexes=_regexes(table)
    )

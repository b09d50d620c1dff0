"""The topics file's shape, declared once and checked on load: unknown keys refused, types
strict, every regex compiled; an error is one line naming the file, the topic and the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

TOPIC_NAME = r"^[a-z0-9][a-z0-9-]*$"


def _compiles(regexes: list[str]) -> list[str]:
    for source in regexes:
        try:
            re.compile(source)
        except re.error as error:
            raise ValueError(f"invalid regex {source!r}: {error}") from None
    return regexes


Regexes = Annotated[list[str], Field(min_length=1), AfterValidator(_compiles)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TermSpec(_Strict):
    """A term written as a table: its name, more wordings, abbreviation, plural or not."""

    name: str
    variants: list[str] = []
    abbreviation: str | None = None
    plural: bool | None = None


class PatternSpec(_Strict):
    """A practice described without its name: regexes and the explanation the alert shows."""

    name: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    regexes: Regexes


class StrengthSpec(_Strict):
    """One wording on the strength-of-recommendation scale."""

    name: str = Field(min_length=1)
    level: int
    regexes: Regexes


class TopicSpec(_Strict):
    """One topic: its terms, its practice patterns and who is told."""

    name: str = Field(pattern=TOPIC_NAME)
    description: str = ""
    recipients: list[str] = []
    removal_is_news: bool = False
    terms: list[str | TermSpec] = Field(min_length=1)
    patterns: list[PatternSpec] = []


class TopicsSpec(_Strict):
    """The whole file: `[[topic]]` tables and the `[[strength]]` scale."""

    topic: list[TopicSpec] = Field(min_length=1)
    strength: list[StrengthSpec] = []


def _field(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a reader writes it: terms[3].plural (union branches dropped)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "TermSpec"):
            continue
        else:
            out += f".{part}" if out else part
    return out


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key {error['loc'][-1]!r}"
    if kind == "string_pattern_mismatch":
        return "must be lowercase-with-hyphens"
    if kind == "too_short":
        return "must be a non-empty list" if isinstance(error["input"], list) else "is empty"
    if kind == "missing":
        return "is required"
    if kind == "list_type":
        return "must be a list"
    return str(error["msg"]).removeprefix("Value error, ")


def check_topics_file(data: Mapping[str, Any]) -> TopicsSpec:
    """Validate parsed TOML; raise ValueError with one line naming the topic and the field."""
    if "topics" in data and "topic" not in data:
        data = {**data, "topic": data["topics"]}
        data.pop("topics")
    try:
        return TopicsSpec.model_validate(dict(data))
    except ValidationError as failure:
        errors = failure.errors()
        # in a union (a term as a string or a table) the deepest branch says what is wrong
        error = max(errors, key=lambda e: len(e["loc"]))
        loc = tuple(error["loc"])
        where = "topics file"
        if len(loc) >= 2 and loc[0] == "topic" and isinstance(loc[1], int):
            tables = data.get("topic")
            table = tables[loc[1]] if isinstance(tables, list) and len(tables) > loc[1] else {}
            name = table.get("name") if isinstance(table, Mapping) else None
            where = f"topic {name!r}" if name else f"topic #{loc[1] + 1}"
            loc = loc[2:]
        elif loc and loc[0] == "strength":
            where = "strength scale"
            loc = loc[1:]
        field = _field(loc)
        if not field and error["type"] == "too_short" and error["loc"] == ("topic",):
            return _raise("topics file needs at least one [[topic]] table")
        if error["type"] == "missing" and error["loc"] == ("topic",):
            return _raise("topics file needs at least one [[topic]] table")
        return _raise(f"{where}, field {field or '(the table)'}: {_message(error)}")


def _raise(message: str) -> TopicsSpec:
    raise ValueError(message)

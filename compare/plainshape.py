"""Checks of parsed TOML values that raise Refused unless a value is certainly valid.

Shared by compare.topicshape and guidewatch.sourceshape, which read files that are right
without their pydantic models and hand anything else to those models to word the error.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any


class Refused(Exception):
    """Not certainly valid: the file's pydantic models decide."""


def table(value: Any, keys: Set[str]) -> dict[str, Any]:
    """A table holding no key but these."""
    if type(value) is not dict or not set(value) <= keys:
        raise Refused
    return value


def listed(table: dict[str, Any], key: str, *, least: int = 0, required: bool = False) -> list:
    """A list of at least `least` items (empty when missing, unless required)."""
    value = table.get(key, None if required else [])
    if type(value) is not list or len(value) < least:
        raise Refused
    return value


def text(table: dict[str, Any], key: str, *, least: int = 0, default: str | None = None) -> str:
    """A string of at least `least` characters (the default when missing)."""
    value = table.get(key, default)
    if type(value) is not str or len(value) < least:
        raise Refused
    return value


def strings(
    table: dict[str, Any], key: str, *, least: int = 0, default: list[str] | None = None
) -> list[str]:
    """A list of at least `least` strings (the default, or an empty list, when missing)."""
    if key in table or default is None:
        values = listed(table, key, least=least, required=least > 0)
    else:
        values = default
    if not all(type(v) is str for v in values):
        raise Refused
    return values

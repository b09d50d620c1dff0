"""Malformed variants of a parsed TOML file: one place given an odd value, dropped, or added to."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any


def slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in parsed TOML: each key and each list item, at every depth."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from slots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from slots(item, (*path, index))


def variants(
    data: dict[str, Any], odd_values: Sequence[Any], min_depth: int = 1
) -> Iterator[dict[str, Any]]:
    """The file with one place, min_depth deep or more, given an odd value, dropped or added to."""
    for path in slots(data):
        if len(path) < min_depth:
            continue
        for value in [*odd_values, None]:
            changed = copy.deepcopy(data)
            parent = changed
            for step in path[:-1]:
                parent = parent[step]
            if value is None:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield changed
        target = copy.deepcopy(data)
        parent = target
        for step in path:
            parent = parent[step]
        if isinstance(parent, dict):
            parent["colour"] = "red"
            yield target

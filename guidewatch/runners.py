"""Runners of a monitoring cycle that live in a later stage (flows/), found without importing it.

guidewatch/ comes before flows/ in the pipeline and never imports it (tests/test_layout.py).
flows/ fills this registry instead: pyproject.toml declares its runners as entry points in the
group "guidewatch.runners" (prefect = flows.monitor:run_monitor), loaded only when asked for;
code that holds a runner (a test, an embedding program) registers it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guidewatch.monitor import RunSummary

GROUP = "guidewatch.runners"
PREFECT = "prefect"

# (sources, documents) → what the cycle did; None means every one
Runner = Callable[[list[str] | None, list[str] | None], "RunSummary"]

_registered: dict[str, Runner] = {}


class RunnerMissing(LookupError):
    """No runner of that name is registered or installed."""


def register(name: str, runner: Runner) -> None:
    """Make `runner` the one returned for `name` (replacing any other)."""
    _registered[name] = runner


def unregister(name: str) -> None:
    """Forget a registered runner; the installed entry point, if any, is found again."""
    _registered.pop(name, None)


def runner(name: str) -> Runner:
    """Return the runner of this name: a registered one, else the installed entry point."""
    if name not in _registered:
        found = entry_points(group=GROUP, name=name)
        if not found:
            raise RunnerMissing(
                f"no {name!r} runner is installed (entry point group {GROUP!r}): "
                "reinstall guidewatch (`uv sync`)"
            )
        register(name, next(iter(found)).load())
    return _registered[name]

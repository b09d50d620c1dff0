"""The installed Prefect stack is a combination known to work (see the notes on Prefect)."""

from __future__ import annotations

from importlib.metadata import version


def _release(name: str) -> tuple[int, ...]:
    """The installed release of a distribution as numbers ("2.0.58" → (2, 0, 58))."""
    parts = []
    for part in version(name).split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def test_prefect_is_the_tested_release() -> None:
    """Prefect 3.8.8 is what the schedule smoke test proved; move it only with that test."""
    assert version("prefect") == "3.8.8"


def test_fastapi_is_below_the_broken_range() -> None:
    """fastapi >= 0.151 answers 422 to Prefect's clients (>= 0.154: the server cannot start)."""
    assert _release("fastapi") < (0, 151), f"fastapi {version('fastapi')} breaks prefect 3.8.8"


def test_sqlalchemy_is_below_2_1() -> None:
    """SQLAlchemy 2.1 breaks Prefect's scheduler: no scheduled run is ever created."""
    assert _release("sqlalchemy") < (2, 1), f"SQLAlchemy {version('sqlalchemy')} breaks schedules"

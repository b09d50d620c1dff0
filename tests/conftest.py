"""Shared fixtures: the loopback web server, databases, and isolation from the user's data."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# Prefect keeps state and cached results under PREFECT_HOME: isolate every test session, in a
# folder this session makes and removes (one given from outside is left alone).
_OWN_PREFECT_HOME = None
if "PREFECT_HOME" not in os.environ:
    _OWN_PREFECT_HOME = tempfile.mkdtemp(prefix="guidewatch-prefect-")
    os.environ["PREFECT_HOME"] = _OWN_PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

pytest_plugins = [
    "tests.support.site",
    "tests.support.databases",
    "tests.support.smtp",
    "tests.support.archive",
]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this session's Prefect home (after the session's Prefect server has stopped)."""
    if _OWN_PREFECT_HOME is not None:
        shutil.rmtree(_OWN_PREFECT_HOME, ignore_errors=True)

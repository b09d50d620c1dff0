"""Shared fixtures: the loopback web server, databases, and isolation from the user's data."""

from __future__ import annotations

import os
import tempfile

# Prefect keeps state and cached results under PREFECT_HOME: isolate every test session.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="guidewatch-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

pytest_plugins = [
    "tests.support.site",
    "tests.support.databases",
    "tests.support.smtp",
    "tests.support.archive",
]

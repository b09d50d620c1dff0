"""Moved to tests/support/changes.py; kept only for tests/test_smtp_tls.py until it imports that."""

from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, smtp_env, spec

__all__ = ["NICE_V1", "Keeper", "nice_replace", "settings_for", "smtp_env", "spec"]

"""Running guidewatch commands in this process and reading what they print."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from guidewatch.cli import main


@dataclass
class Cli:
    """Runs guidewatch commands in this process (settings come from the environment)."""

    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        """Run one command; return its status, stdout and stderr."""
        status = main(list(argv))
        out = self.capsys.readouterr()
        return status, out.out, out.err

    def json(self, *argv: str) -> tuple[int, Any]:
        """Run one command with --json; return its status and the parsed output (None if empty)."""
        status, out, _ = self.run(*argv, "--json")
        return status, json.loads(out) if out.strip() else None

    def ok_json(self, *argv: str) -> Any:
        """Run one command with --json, require success, and return the parsed output."""
        status, data = self.json(*argv)
        assert status == 0, (argv, data)
        return data

"""The shape of the project: one-way imports, a README that is true, help and --json everywhere.

That query commands start without Prefect or httpx is tests/test_queries_light.py.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from guidewatch.cli import build_parser

ROOT = Path(__file__).parent.parent
STAGES = ["scrapers", "storage", "compare", "alerts"]
PROJECT = {*STAGES, "flows", "guidewatch"}


def imported_packages(package: str) -> set[str]:
    """Return the project packages that a package's modules import."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found |= {n.split(".")[0] for n in names if n.split(".")[0] in PROJECT}
    return found - {package}


@pytest.mark.parametrize("package", STAGES)
def test_each_stage_imports_only_earlier_stages(package: str) -> None:
    allowed = set(STAGES[: STAGES.index(package)])
    assert imported_packages(package) <= allowed


def test_guidewatch_never_imports_flows() -> None:
    """flows/ runs after guidewatch/: it registers its runner (guidewatch/runners.py)."""
    assert "flows" not in imported_packages("guidewatch")


def test_the_import_walk_sees_imports() -> None:
    assert "storage" in imported_packages("guidewatch")


def readme_commands() -> list[list[str]]:
    """Return every `bin/guidewatch ...` (or `uv run guidewatch ...`) command in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:uv run |bin/)guidewatch (.+?)(\s+#.*)?$", line)
        if match:
            argv = shlex.split(match.group(1))
            if ">" in argv:
                argv = argv[: argv.index(">")]
            commands.append(argv)
    return commands


def test_readme_shows_commands() -> None:
    assert len(readme_commands()) >= 5


@pytest.mark.parametrize("argv", readme_commands(), ids=lambda a: " ".join(a))
def test_every_readme_command_parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)


def test_every_command_has_help_and_json() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in commands.choices.items():  # type: ignore[union-attr]
        assert sub.format_help()
        options = {o for a in sub._actions for o in a.option_strings}
        assert "--json" in options, name

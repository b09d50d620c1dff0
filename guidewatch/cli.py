"""The guidewatch command line: each command group lives in its own cmd_* module."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

COMMAND_MODULES = (
    "guidewatch.cmd_documents",
    "guidewatch.cmd_changes",
    "guidewatch.cmd_alerts",
    "guidewatch.cmd_history",
    "guidewatch.cmd_doctor",
    "guidewatch.cmd_backfill",
    "guidewatch.cmd_subscribers",
)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit 2), like guidewatch's own."""

    def error(self, message: str) -> NoReturn:
        """Print the mistake in one line, with where to read more, and exit 2."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = Parser(
        prog="guidewatch",
        description="Watch ME/CFS guidance documents, keep every version, alert on changes.",
    )
    parser.add_argument(
        "--sources", help="sources file to use (default: GUIDEWATCH_SOURCES or the shipped one)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from guidewatch.app import App, UserError  # after parsing: `--help` needs neither
    from guidewatch.settings import SettingsError

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        app = App(sources_path=args.sources)
        return int(args.func(args, app) or 0)
    except (UserError, SettingsError) as error:
        print(f"guidewatch: {error}", file=sys.stderr)
        return 2
    except RecursionError:
        print(
            "guidewatch: the input is nested too deeply to be read (RecursionError)",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("guidewatch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

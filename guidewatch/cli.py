"""The guidewatch command line: each command group lives in its own cmd_* module."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from guidewatch.app import App, UserError

COMMAND_MODULES = (
    "guidewatch.cmd_documents",
    "guidewatch.cmd_changes",
    "guidewatch.cmd_history",
    "guidewatch.cmd_doctor",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(
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
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        app = App(sources_path=args.sources)
    except ValueError as error:  # a GUIDEWATCH_* setting that is not a number, a bad rule
        env = sorted(os.environ.items())
        bad = [
            f"{k}={v!r}" for k, v in env if k.startswith("GUIDEWATCH_") and repr(v) in str(error)
        ]
        print(f"guidewatch: {', '.join(bad) or 'a setting'} is not valid: {error}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args, app) or 0)
    except UserError as error:
        print(f"guidewatch: {error}", file=sys.stderr)
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

"""The guidewatch command line: the parser of every command, each run from its cmd_* module.

The parser is built here without importing any cmd_* module: a command's module (and what it
imports at its top: the database, the settings) is imported only once that command runs, so
`guidewatch --help` and each command pay only for what they use.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from guidewatch.app import App, UserError, number

# A command: its parsed arguments and the application in, its exit status out.
Handler = Callable[[argparse.Namespace, App], int]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit 2), like guidewatch's own."""

    def error(self, message: str) -> NoReturn:
        """Print the mistake in one line, with where to read more, and exit 2."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[Parser]


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
    for add in (_documents, _changes, _alerts, _history, _doctor, _backfill, _subscribers):
        add(commands)
    return parser


def _runs(parser: argparse.ArgumentParser, module: str, function: str) -> None:
    """Say which function of which guidewatch.cmd_* module runs this command."""
    parser.set_defaults(handler=(module, function))


def handler(args: argparse.Namespace) -> Handler:
    """The function that runs the parsed command (its module is imported now)."""
    module, function = args.handler
    found: Handler = getattr(importlib.import_module(f"guidewatch.{module}"), function)
    return found


def _formats(parser: argparse.ArgumentParser) -> None:
    """Add --json and --format to a query command."""
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--format", choices=("table", "csv"), default="table", help="text output (default: table)"
    )


def _documents(commands: Commands) -> None:
    """Documents and their history: sources, run, history, show, fetches."""
    p = commands.add_parser("sources", help="list the watched documents and their URLs")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_documents", "cmd_sources")

    p = commands.add_parser("run", help="run one monitoring cycle now")
    p.add_argument("--source", action="append", default=[], metavar="ID", help="only this source")
    p.add_argument("--document", action="append", default=[], metavar="ID", help="only this one")
    p.add_argument(
        "--prefect",
        action="store_true",
        help="run it as the Prefect monitor flow (the default when PREFECT_API_URL is set; "
        "without it Prefect starts a temporary server, which takes about 20 s)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_documents", "cmd_run")

    p = commands.add_parser("history", help="list a document's versions")
    p.add_argument("document")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_history", "cmd_history")

    p = commands.add_parser("show", help="print a stored version of a document")
    p.add_argument("document")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--version", type=number, metavar="N", help="version number")
    which.add_argument("--at", metavar="DATE", help="the version current on this date")
    p.add_argument("--section", metavar="KEY", help="only this section, with its evidence")
    p.add_argument("--raw", action="store_true", help="write the raw bytes as served to stdout")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_show", "cmd_show")

    p = commands.add_parser("fetches", help="print a document's fetch log")
    p.add_argument("document")
    p.add_argument("--limit", type=number, default=50, help="at most this many rows (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_show", "cmd_fetches")


def _changes(commands: Commands) -> None:
    """Changes between versions: diff, changes, replay (cmd_changes)."""
    p = commands.add_parser(
        "diff",
        help="show what changed between two stored versions, by section",
        description="Example: guidewatch diff nice-ng206-recommendations --from 1 --to 2",
    )
    p.add_argument("document")
    p.add_argument("--from", dest="from_version", type=number, metavar="N", help="older version")
    p.add_argument(
        "--to", dest="to_version", type=number, metavar="N", help="newer (default: last)"
    )
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour output"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_diff", "cmd_diff")

    p = commands.add_parser(
        "changes",
        help="list recorded changes (on a watched topic unless --all)",
        description="Example: guidewatch changes --since 2025-01-01 --topic rehabilitation",
    )
    p.add_argument("--since", metavar="DATE", help="only changes recorded since this date")
    p.add_argument("--topic", metavar="T", help="only changes on this topic")
    p.add_argument("--document", metavar="D", help="only changes to this document")
    p.add_argument("--all", action="store_true", help="include changes on no topic")
    p.add_argument("--id", type=int, metavar="N", help="show this one change in full")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_changes", "cmd_changes")

    p = commands.add_parser(
        "replay",
        help="re-extract and compare every stored version with today's rules; sends nothing",
        description="Example: guidewatch replay nice-ng206-recommendations",
    )
    p.add_argument("document")
    p.add_argument("--all", action="store_true", help="also list changes on no topic")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_diff", "cmd_replay")


def _alerts(commands: Commands) -> None:
    """The alert outbox: alerts, test-email (cmd_alerts)."""
    p = commands.add_parser(
        "alerts",
        help="show the alert outbox: pending, sent and failed messages",
        description="Example: guidewatch alerts --status pending",
    )
    p.add_argument("--status", choices=("pending", "sent", "failed"), help="only this status")
    p.add_argument("--limit", type=number, default=50, help="at most this many rows (default 50)")
    p.add_argument(
        "--retry", action="store_true", help="put failed messages back to pending (same Message-ID)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_alerts", "cmd_alerts")

    p = commands.add_parser(
        "test-email",
        help="send one sample digest through the configured SMTP server",
        description="Example: GUIDEWATCH_SMTP_HOST=smtp.example.org guidewatch test-email",
    )
    p.add_argument(
        "--to", action="append", default=[], metavar="ADDR", help="recipient (default: MAIL_TO)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_alerts", "cmd_test_email")


def _history(commands: Commands) -> None:
    """Questions to the whole history: search, timeline, evidence, report."""
    p = commands.add_parser(
        "search",
        help="find a phrase in every stored version",
        description="Find a phrase in every stored version of every document. Example: "
        'guidewatch search "Lightning Process" --first',
    )
    p.add_argument("phrase", help="words to find in this order (punctuation is ignored)")
    p.add_argument("--document", metavar="ID", help="only this document")
    p.add_argument("--since", metavar="DATE", help="only versions seen on or after this date")
    p.add_argument("--until", metavar="DATE", help="only versions seen on or before this date")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--first", action="store_true", help="when it first appeared, per document")
    which.add_argument("--last", action="store_true", help="when it was last seen, per document")
    _formats(p)
    _runs(p, "cmd_search", "cmd_search")

    p = commands.add_parser(
        "timeline",
        help="count watched terms in every version",
        description="Count watched terms version by version. Example: "
        'guidewatch timeline --term "pacing up" bacme-guide-to-therapy',
    )
    p.add_argument("document", nargs="?", help="only this document (default: all)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--topic", metavar="NAME", help="only the terms of this topic")
    which.add_argument("--term", metavar="TERM", help="only this term (watched or not)")
    _formats(p)
    _runs(p, "cmd_timeline", "cmd_timeline")

    p = commands.add_parser(
        "evidence",
        help="write an evidence pack (zip) for one version",
        description="Write the raw bytes, headers, fetch log and text of one version, with a "
        "SHA-256 manifest. Example: guidewatch evidence nice-ng206-recommendations "
        "--version 2 --out ng206-v2.zip",
    )
    p.add_argument("document")
    p.add_argument("--version", type=number, metavar="N", help="version number (default: newest)")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="where to write the zip")
    p.add_argument("--force", action="store_true", help="overwrite FILE.zip if it exists")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_report", "cmd_evidence")

    p = commands.add_parser(
        "report",
        help="write the static HTML report",
        description="Write a static site (opens from disk). Example: guidewatch report --out site",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into")
    p.add_argument("--force", action="store_true", help="write over a folder that holds files")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_report", "cmd_report")


def _doctor(commands: Commands) -> None:
    """doctor (cmd_doctor)."""
    p = commands.add_parser(
        "doctor",
        help="fetch every document live (politely) and report what works and what to fix",
    )
    p.add_argument("--document", action="append", default=[], metavar="ID", help="only this one")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--store",
        action="store_true",
        help="then keep the documents that work, as `guidewatch run` would (default: nothing)",
    )
    _runs(p, "cmd_doctor", "cmd_doctor")


def _backfill(commands: Commands) -> None:
    """backfill (cmd_backfill)."""
    p = commands.add_parser(
        "backfill",
        help="import history from the Wayback Machine",
        description="Example: guidewatch backfill --document bacme-guide-to-therapy --from 2019",
    )
    p.add_argument("--source", action="append", default=[], metavar="ID", help="only this source")
    p.add_argument("--document", action="append", default=[], metavar="ID", help="only this one")
    p.add_argument("--from", dest="start", metavar="DATE", help="captures from this date")
    p.add_argument("--to", dest="end", metavar="DATE", help="captures up to this date")
    p.add_argument(
        "--dry-run", action="store_true", help="list what would be fetched; store nothing"
    )
    p.add_argument("--quiet", action="store_true", help="send no summary message")
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_backfill", "cmd_backfill")


def _subscribers(commands: Commands) -> None:
    """Subscribers and delivery: subscribers, deliver (cmd_subscribers)."""
    p = commands.add_parser(
        "subscribers",
        help="list who gets which alerts, on which channel, how often",
        description="Reads GUIDEWATCH_SUBSCRIBERS, GUIDEWATCH_MAIL_TO (subscriber 'mail-to') "
        "and the topics' recipients ('topic-NAME'). Example: guidewatch subscribers --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_subscribers", "cmd_subscribers")

    p = commands.add_parser(
        "deliver",
        help="send the pending alerts and every digest now due, without checking documents",
        description="Run it at subscribers' digest times (cron, systemd timer). "
        "Example: guidewatch deliver --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _runs(p, "cmd_subscribers", "cmd_deliver")


# The collector's young generation, in objects allocated (Python's default: 700). A command
# builds 50,000-80,000 objects that live as long as the process (the modules, classes and
# functions of the libraries it imports): at 700, a `guidewatch run` collected about 125 times,
# three of them through the whole heap, 35-45 ms of CPU. At this size an unchanged run
# collects once or twice. Cyclic garbage is still collected, at most this many allocations
# later (a first cycle of 70 documents peaked 5 MB higher).
YOUNG_GENERATION = 50_000


def collect_less_often() -> None:
    """Run the cyclic garbage collector less often, and not through what is left at exit."""
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG_GENERATION:
        gc.set_threshold(YOUNG_GENERATION, middle, old)
    # Python's exit collects once more through every object before freeing them (40-50 ms
    # of a 0.3 s run); frozen, they are freed as the exit frees them, without it. What the
    # run opened it has closed (each document's transaction committed, the client shut).
    atexit.unregister(gc.freeze)  # once, however many commands a process runs
    atexit.register(gc.freeze)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    collect_less_often()
    args = build_parser().parse_args(argv)
    from guidewatch.settings import SettingsError  # after parsing: `--help` reads no settings

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        app = App(sources_path=args.sources)
        return int(handler(args)(args, app) or 0)
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

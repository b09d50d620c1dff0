"""Commands about the declared documents: sources (the catalog) and run (one cycle)."""

from __future__ import annotations

import argparse
import os
import sys

from guidewatch.app import App, UserError, emit, table
from guidewatch.monitor import progress_printer, run_once
from guidewatch.runners import PREFECT, RunnerMissing, runner
from guidewatch.sources import SourcesError


def cmd_sources(args: argparse.Namespace, app: App) -> int:
    """List every declared document."""
    specs = app.catalog.documents
    data = [
        {"id": s.id, "source": s.source, "kind": s.kind, "title": s.title, "url": s.url}
        for s in specs
    ]
    emit(
        args.json,
        data,
        lambda: table([[s.id, s.kind, s.url] for s in specs], ["document", "kind", "url"]),
    )
    return 0


def cmd_run(args: argparse.Namespace, app: App) -> int:
    """Run one cycle over the chosen documents and report every failure at the end."""
    try:
        specs = app.catalog.select(args.source, args.document)
    except SourcesError as error:
        raise UserError(str(error)) from None
    if args.prefect or os.environ.get("PREFECT_API_URL"):
        try:
            run_monitor = runner(PREFECT)  # flows/ provides it: guidewatch never imports flows
        except RunnerMissing as error:
            raise UserError(str(error)) from None
        if app.sources_path:
            os.environ["GUIDEWATCH_SOURCES"] = app.sources_path  # the flow reads settings anew
        summary = run_monitor(args.source or None, args.document or None)
    else:
        # On a terminal, say as each document finishes (a run pauses between requests).
        shown = progress_printer(len(specs), sys.stderr) if sys.stderr.isatty() else None
        summary = run_once(app, specs, progress=shown)
    data = summary.to_dict()
    emit(args.json, data, summary.render)
    return summary.exit_code

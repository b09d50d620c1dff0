"""The witness: ask the Wayback Machine to capture each document's new current version.

A capture by the archive is evidence nobody has to take our word for. Only a document's
current version can be witnessed (the archive captures what the publisher serves now), so
a version replaced before its capture succeeded is never asked for again. Each is asked
once; a failure is recorded on the version and asked again on the next run, up to
MAX_ATTEMPTS. The whole step has a time budget and never raises: the alerts go out anyway.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from guidewatch.app import App
from guidewatch.archive_settings import ArchiveSettings, archive_settings
from scrapers.model import ScrapeError
from storage.db import open_session

log = logging.getLogger("guidewatch.witness")

MAX_ATTEMPTS = 5
BUDGET_SECONDS = 120.0


@dataclass
class WitnessReport:
    """What the witness step did."""

    saved: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _record(engine: Engine, version_id: int, address: str | None, error: str | None) -> None:
    from storage.models import Version

    with open_session(engine) as session:
        version = session.get(Version, version_id)
        if version is None:
            return
        version.witness_attempts += 1
        version.witness_url = address
        version.witness_error = error
        session.add(version)
        session.commit()


def witness(app: App, settings: ArchiveSettings | None = None) -> WitnessReport:
    """Ask for a capture of every current live version not yet witnessed; never raise."""
    settings = settings or archive_settings(app.settings)
    report = WitnessReport()
    if not settings.witness:
        return report
    try:
        _witness(app, settings, report)
    except Exception:  # the witness must never cost the run its alerts
        log.exception("asking the archive to witness new versions failed")
    return report


def _witness(app: App, settings: ArchiveSettings, report: WitnessReport) -> None:
    from guidewatch.archive_client import archive_client
    from scrapers.rewrite import Rewriter
    from scrapers.wayback import KeyedSaver
    from storage import archive as history

    engine = app.writable_engine()
    with open_session(engine) as session:
        targets = [
            (v.id, v.document_id, v.number, v.url)
            for v in history.current_versions_to_witness(session=session, attempts=MAX_ATTEMPTS)
        ]
    if not targets:
        return
    deadline = time.monotonic() + BUDGET_SECONDS
    with archive_client(app, settings, retries=0) as client:
        saver = (
            KeyedSaver(
                client,
                access_key=settings.access_key,
                secret_key=settings.secret_key,
                user_agent=app.settings.user_agent,
                rewriter=Rewriter(app.settings.rewrites, app.settings.rewrite_allow_uncovered),
            )
            if settings.access_key and settings.secret_key
            else client
        )
        for version_id, document_id, number, url in targets:
            if time.monotonic() > deadline:
                break
            assert version_id is not None
            label = f"{document_id} v{number}"
            try:
                address = saver.save(url)
            except ScrapeError as error:
                _record(engine, version_id, None, str(error))
                report.failed.append(label)
                log.warning("%s: no archived copy yet: %s", label, error)
            else:
                _record(engine, version_id, address, None)
                report.saved.append(label)

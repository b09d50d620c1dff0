"""The alert for a newly found PDF says how it was found, in the run's own words."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import delete

from alerts.outbox import deliver_pending
from guidewatch.changes import record_event
from guidewatch.cycle import CheckResult
from storage.changes import AlertItem
from storage.db import open_session
from tests.support.changes import NICE_V1, Keeper, LinesExtractor, settings_for, smtp_env, spec
from tests.support.smtp import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # a fixture used by name below

FOUND = "found by wp-media: 'ME/CFS Guide to Therapy' (newest of 2 matches, dated 2022-11-14)"


def test_a_pdf_found_by_the_media_search_is_not_said_to_be_on_an_index_page(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    pdf = Keeper(sqlite_engine, spec("bacme-guide", "BACME: Guide", kind="pdf-link"),
                 settings, extractor=LinesExtractor(kind="pdf-link"))  # fmt: skip
    # The keeper's own check queues the event without the discovery's words; start afresh
    # from the check the cycle makes, which carries them.
    version = pdf.check(NICE_V1, url="http://127.0.0.1:9/files/guide-2022.pdf")
    with open_session(sqlite_engine) as session:
        session.exec(delete(AlertItem))  # type: ignore[call-overload]
        session.commit()
    result = CheckResult("bacme-guide", "new_version", "", 1, version.fetch_id, found=FOUND)
    assert record_event(sqlite_engine, pdf.spec, result, threshold=3) == ["discovered"]

    assert deliver_pending(sqlite_engine, settings).sent == 1
    message = smtp_server.inbox[0].message
    plain = message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "index page" not in message["Subject"] and "index page" not in text
    assert message["Subject"] == "BACME: Guide was found"
    assert "by wp-media: 'ME/CFS Guide to Therapy'" in " ".join(text.split())

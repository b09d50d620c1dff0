"""A delivery that can compose and send nothing is told through Core, as deliver_pending tells it.

alerts.idle answers for the outbox of most runs without loading the ORM: its report, and what
it writes (why each waiting message was not tried), are deliver_pending's; whenever there is a
message to compose or to send, it steps aside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from alerts.idle import idle_report
from alerts.outbox import deliver_pending
from compare.topics import load_topics
from storage.db import make_engine, migrate
from tests.support.changes import NICE_V1, Keeper, nice_replace, settings_for, spec

CURE = ("as a treatment or cure", "as a cure")


def _outbox(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        alerts = connection.execute(
            text("SELECT id, status, attempts, last_error FROM alerts ORDER BY id")
        ).all()
        items = connection.execute(text("SELECT id, alert_id FROM alert_items ORDER BY id")).all()
    return [tuple(r) for r in alerts], [tuple(r) for r in items]


@pytest.mark.parametrize("mail_to", ["alice@example.org", ""])
def test_an_idle_delivery_reports_and_writes_what_deliver_pending_does(
    tmp_path: Path, mail_to: str
) -> None:
    settings = settings_for(tmp_path, GUIDEWATCH_MAIL_TO=mail_to)  # no SMTP server set
    engine = make_engine(settings.database_url)
    migrate(engine)
    keeper = Keeper(engine, spec(), settings)
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(CURE))  # a change on a topic: items queued
    topics = load_topics(settings.topics_path)
    if mail_to:
        assert idle_report(engine, settings, topics) is None  # a message to compose
        composed = deliver_pending(engine, settings, topics=topics)
        assert composed.created >= 1 and composed.pending >= 1  # kept: no server to send it
        with_server = settings_for(tmp_path, GUIDEWATCH_SMTP_HOST="127.0.0.1")
        assert idle_report(engine, with_server, topics) is None  # a message to send
        with engine.begin() as connection:
            connection.execute(text("UPDATE alerts SET last_error = NULL"))
    before = _outbox(engine)
    idle = idle_report(engine, settings, topics)
    assert idle is not None
    after_idle = _outbox(engine)
    with engine.begin() as connection:  # as it was, for deliver_pending
        connection.execute(text("UPDATE alerts SET last_error = NULL"))
    assert _outbox(engine) == before
    full = deliver_pending(engine, settings, topics=topics)
    assert idle.to_dict() == full.to_dict()
    assert _outbox(engine) == after_idle
    if mail_to:
        assert idle.pending >= 1 and idle.errors and idle.unaddressed == 0
        assert all(row[3] == idle.errors[0] for row in after_idle[0])
    else:
        assert idle.unaddressed >= 1 and idle.pending == 0 and not after_idle[0]

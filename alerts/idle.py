"""The outbox when there is nothing to send: told through Core, without the ORM or the mailer.

Most runs queue nothing new, and find nothing they could send: no message pending, or
messages pending with no mail server set, and items that nobody is set to receive. Then the
delivery is a few reads (and, with no mail server, noting why on each waiting message), and
the report is the one alerts.outbox.deliver_pending gives. Anything it could send or compose
goes to deliver_pending, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.engine import Engine

from alerts.delivery_report import SENDING_TIMEOUT, DeliveryReport
from alerts.recipients import recipients_for
from alerts.smtp import MailSettings, SmtpConfig, SmtpConfigError
from storage.repo import utcnow
from storage.tables import alert_items, alerts

if TYPE_CHECKING:
    from compare.model import Topic

_UNASSIGNED = (
    select(alert_items.c.kind, alert_items.c.topic)
    .where(alert_items.c.alert_id.is_(None), alert_items.c.routed_at.is_(None))
    .order_by(alert_items.c.id)
)
_PENDING = (
    select(alerts.c.id, alerts.c.subscriber)
    .where(
        or_(
            alerts.c.status == "pending",
            (alerts.c.status == "sending") & (alerts.c.last_attempt_at < bindparam("stale")),
        )
    )
    .order_by(alerts.c.id)
)
_BY_STATUS = select(alerts.c.status, func.count()).group_by(alerts.c.status)
_NOTE_ERROR = (
    update(alerts).where(alerts.c.id == bindparam("alert_id")).values(last_error=bindparam("error"))
)


def idle_report(
    engine: Engine, settings: MailSettings, topics: Sequence[Topic]
) -> DeliveryReport | None:
    """The report of a delivery that can compose and send nothing, or None when it can."""
    try:
        SmtpConfig.from_settings(settings)
        config_error = ""
    except SmtpConfigError as error:
        config_error = str(error)
    with engine.connect() as connection:
        items = connection.execute(_UNASSIGNED).all()
        if any(recipients_for(item, topics, settings.mail_to) for item in items):
            return None  # a message to compose
        waiting = connection.execute(_PENDING, {"stale": utcnow() - SENDING_TIMEOUT}).all()
        ours = [row.id for row in waiting if row.subscriber is None]
        if ours and not config_error:
            return None  # a message to send
        for alert_id in ours:  # no mail server: say why on each message, as deliver_pending
            connection.execute(_NOTE_ERROR, {"alert_id": alert_id, "error": config_error})
        if ours:
            connection.commit()
        counts = {str(status): int(n) for status, n in connection.execute(_BY_STATUS)}
    return DeliveryReport(
        pending=len(ours),
        unaddressed=len(items),
        errors=[config_error] if ours else [],
        waiting={s: counts.get(s, 0) for s in ("pending", "sending", "failed")},
        smtp_configured=not config_error,
    )

"""The outbox when nothing waits: told through Core, without loading the ORM or the mailer.

Most runs queue nothing and find no message to send. Then delivering is two counts, and the
report is the one alerts.outbox.deliver_pending would give; anything waiting (an item not yet
in a message, a message pending or sending) goes to deliver_pending, unchanged.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from alerts.delivery_report import DeliveryReport
from alerts.smtp import MailSettings, SmtpConfig, SmtpConfigError
from storage.tables import alert_items, alerts

_UNASSIGNED = (
    select(alert_items.c.id)
    .where(alert_items.c.alert_id.is_(None), alert_items.c.routed_at.is_(None))
    .limit(1)
)
_BY_STATUS = select(alerts.c.status, func.count()).group_by(alerts.c.status)


def idle_report(engine: Engine, settings: MailSettings) -> DeliveryReport | None:
    """The report of a delivery with nothing to do, or None when something waits."""
    with engine.connect() as connection:
        if connection.execute(_UNASSIGNED).first() is not None:
            return None
        counts = {str(status): int(count) for status, count in connection.execute(_BY_STATUS)}
    if counts.get("pending") or counts.get("sending"):
        return None
    try:
        SmtpConfig.from_settings(settings)
        configured = True
    except SmtpConfigError:
        configured = False
    waiting = {s: counts.get(s, 0) for s in ("pending", "sending", "failed")}
    return DeliveryReport(waiting=waiting, smtp_configured=configured)

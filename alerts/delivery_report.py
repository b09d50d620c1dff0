"""What one delivery of the outbox did (light: a run that sends nothing needs only this)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.changes import Alert

# Far longer than one SMTP exchange (30 s timeouts): a message sending for longer than this
# belongs to a run that was killed.
SENDING_TIMEOUT = timedelta(minutes=15)


@dataclass
class DeliveryReport:
    """What one delivery did."""

    created: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    unaddressed: int = 0
    sent_message_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The whole outbox once this delivery is done: messages pending, sending (claimed by a run
    # still going, or by one that died: resent after SENDING_TIMEOUT) and failed.
    waiting: dict[str, int] = field(default_factory=dict)
    smtp_configured: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    def not_sent(self, status: str, error: str) -> None:
        """Count a message whose sending failed: given up on ("failed") or to retry."""
        self.errors.append(error)
        if status == "failed":
            self.failed += 1
        else:
            self.pending += 1

    def was_sent(self, alert: Alert) -> None:
        """Count a message sent."""
        self.sent += 1
        self.sent_message_ids.append(alert.message_id)

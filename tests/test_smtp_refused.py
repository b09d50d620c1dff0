"""A server that refuses some recipients: the others get the message once, and it is said."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from alerts.smtp import SmtpConfig, send_message
from tests.support.smtp import SmtpServer


def test_refused_recipients_are_logged_and_the_others_served(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_server.refuse.add("gone@example.org")
    message = EmailMessage()
    message["From"] = "guidewatch@example.org"
    message["To"] = "reader@example.org, gone@example.org"
    message["Subject"] = "test"
    message.set_content("body")
    config = SmtpConfig(host="127.0.0.1", port=smtp_server.port, security="none")
    with caplog.at_level("WARNING", logger="guidewatch.alerts"):
        send_message(message, config)
    assert [r.recipients for r in smtp_server.inbox] == [["reader@example.org"]]
    assert "gone@example.org" in caplog.text

"""Good list mail: List-Id, List-Unsubscribe (mailto), a footer, Auto-Submitted; resends equal."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from alerts.digest import build_message
from alerts.mailing import ListInfo, list_id, make_good_mail, unsubscribe_url
from alerts.outbox import sample_digest

WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def built(info: ListInfo) -> bytes:
    """A sample digest made good mail, as bytes."""
    message = build_message(
        sample_digest(),
        sender="guidewatch <alerts@example.org>",
        recipients=["reader@example.net"],
        message_id="<guidewatch.1@example.org>",
        date=WHEN,
    )
    return make_good_mail(message, info).as_bytes()


def test_headers_and_footer_in_both_parts() -> None:
    info = ListInfo(
        unsubscribe="stop@example.org", subscriber="ana", follows="rehabilitation, daily"
    )
    parsed = message_from_bytes(built(info), policy=policy.default)
    assert parsed["List-Id"] == "guidewatch alerts <alerts.guidewatch.example.org>"
    assert parsed["List-Unsubscribe"] == "<mailto:stop@example.org?subject=unsubscribe%20ana>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    plain = " ".join(text.get_content().split())
    assert all(len(line) <= 72 for line in text.get_content().splitlines()[-4:])
    assert "You get this as subscriber 'ana' (rehabilitation, daily)." in plain
    assert "To stop: write to stop@example.org with the subject 'unsubscribe ana'." in plain
    assert plain.rstrip().endswith("say what you want.")
    markup = html.get_content()
    assert "To stop: write to stop@example.org" in markup and markup.rstrip().endswith("</html>")
    assert markup.index("To stop") < markup.index("</body>")


def test_the_same_inputs_give_the_same_bytes() -> None:
    info = ListInfo(unsubscribe="stop@example.org", subscriber="ana")
    assert built(info) == built(info)


def test_list_id_and_unsubscribe_from_a_named_sender() -> None:
    assert list_id("Guide Watch <gw@lists.example.org>").endswith(
        "<alerts.guidewatch.lists.example.org>"
    )
    assert unsubscribe_url(ListInfo("a@b.org")) == "mailto:a@b.org?subject=unsubscribe"

"""End to end: the real cycle fetches a NICE-structured page from 127.0.0.1, the hooks record
and queue, and the digest reaches a real SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path

from alerts.outbox import deliver_pending
from guidewatch.changes import make_hooks
from guidewatch.cycle import run_cycle
from scrapers.fetch import FetchPolicy
from scrapers.model import DocumentSpec
from storage.db import make_engine, migrate
from tests.support.changes import settings_for, smtp_env
from tests.support.site import FixtureSite, Reply
from tests.support.smtp import SmtpServer, smtp_server

__all__ = ["smtp_server"]

PAGE = """<!doctype html><html><head><title>Recommendations | NG206 | NICE</title></head><body>
<div class="chapter" id="ng206_recommendations"><h2 class="title">1 Recommendations</h2>
<div class="section" id="ng206_1_11"><h3 class="title">1.11 Managing ME/CFS</h3>
<div class="recommendation_text" id="ng206_1_11_14">
<p class="numbered-paragraph"><span class="paragraph-number">1.11.14 </span>Do not offer people
with ME/CFS any therapy based on physical activity or exercise as a treatment or cure for
ME/CFS.</p></div>
<div class="recommendation_text" id="ng206_1_11_15">
<p class="numbered-paragraph"><span class="paragraph-number">1.11.15 </span>Give people
personalised advice about sleep.</p></div>
</div></div></body></html>"""


def test_cycle_to_inbox(site: FixtureSite, tmp_path: Path, smtp_server: SmtpServer) -> None:
    settings = settings_for(tmp_path, **smtp_env(smtp_server.port))
    engine = make_engine(settings.database_url)
    migrate(engine)
    path = "/guidance/ng206/chapter/Recommendations"
    spec = DocumentSpec(
        id="nice-ng206-recommendations",
        source="nice",
        title="NICE NG206: Recommendations",
        kind="nice-chapter",
        url=site.url(path),
        live_url="https://www.nice.org.uk/guidance/ng206/chapter/Recommendations",
        options={"ignore": []},
    )
    policy = FetchPolicy(user_agent="guidewatch-tests", pause_seconds=0, retries=1,
                         respect_robots=False)  # fmt: skip
    after_version, after_check = make_hooks(settings, engine)
    pages = [
        PAGE,
        PAGE.replace("as a treatment or cure", "as a cure"),
        PAGE.replace("as a treatment or cure", "as a cure"),  # a rerun, unchanged
        PAGE.replace("as a treatment or cure", "as a cure").replace("ME/CFS", "CFS/ME"),
    ]
    outcomes = []
    for body in pages:
        site.set(path, Reply(body=body.encode(), headers={"Content-Type": "text/html"}))
        [result] = run_cycle([spec], engine=engine, policy=policy,
                             after_version=after_version, after_check=after_check)  # fmt: skip
        outcomes.append(result.outcome)
        deliver_pending(engine, settings)
    assert outcomes == ["new_version", "new_version", "unchanged", "new_version"]
    [received] = smtp_server.inbox
    assert received.message["Subject"].startswith("NICE NG206 1.11.14: prohibition narrowed: ")
    engine.dispose()

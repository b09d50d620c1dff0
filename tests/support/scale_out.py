"""The watched sites for the scale-out test: two sources, one page held back on demand."""

from __future__ import annotations

import threading

from tests.support.site import FixtureSite, RecordedRequest, Reply
from tests.support.world import (
    GOVUK_CONSULTATION,
    GOVUK_PLAN,
    GOVUK_PLAN_TEXT,
    NICE_PATH,
    govuk,
    html,
)

# The NICE chapter whose answer the test holds back, to catch a NICE run in the middle.
HELD_PATH = "/nice/guidance/ng206/chapter/Rationale-and-impact"
HELD_DOCUMENT = "nice-ng206-rationale"
# Not served (404): the run before the held chapter finds it gone, an alert to tell once.
GONE_DOCUMENT = "nice-ng206-context"
CHANGED_DOCUMENT = "nice-ng206-recommendations"

# Documents run one after another within a source, in this order: a NICE run stores the
# recommendations, finds the context chapter gone, then waits on HELD_PATH.
SOURCES = """
[sources.nice]
name = "NICE"
homepage = "https://www.nice.org.uk"

[sources.dhsc]
name = "Department of Health and Social Care"
homepage = "https://www.gov.uk"

[documents.nice-ng206-recommendations]
source = "nice"
title = "NICE NG206: Recommendations"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"

[documents.nice-ng206-context]
source = "nice"
title = "NICE NG206: Context (answers 404: gone)"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/Context"

[documents.nice-ng206-rationale]
source = "nice"
title = "NICE NG206: Rationale and impact"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/Rationale-and-impact"

[documents.dhsc-final-delivery-plan]
source = "dhsc"
title = "DHSC: ME/CFS final delivery plan"
kind = "govuk"
url = "https://www.gov.uk/government/publications/mecfs-the-final-delivery-plan"

[documents.dhsc-final-delivery-plan-text]
source = "dhsc"
title = "DHSC: ME/CFS final delivery plan (text)"
kind = "govuk"
url = "https://www.gov.uk/government/publications/mecfs-the-final-delivery-plan/myalgic-encephalomyelitischronic-fatigue-syndrome-mecfs-the-final-delivery-plan"

[documents.dhsc-interim-plan-consultation]
source = "dhsc"
title = "DHSC: interim delivery plan consultation"
kind = "govuk"
url = "https://www.gov.uk/government/consultations/improving-the-experiences-of-people-with-mecfs-interim-delivery-plan"
"""

SOURCE_OF = {
    "nice-ng206-recommendations": "nice",
    "nice-ng206-context": "nice",
    "nice-ng206-rationale": "nice",
    "dhsc-final-delivery-plan": "dhsc",
    "dhsc-final-delivery-plan-text": "dhsc",
    "dhsc-interim-plan-consultation": "dhsc",
}


class HeldPage:
    """A page whose answer waits until released (or until a bounded time has passed)."""

    def __init__(self, reply: Reply, longest: float) -> None:
        self.reply = reply
        self.longest = longest
        self.released = threading.Event()

    def __call__(self, request: RecordedRequest) -> Reply:
        """Answer once released; the request is recorded (and pending) meanwhile."""
        self.released.wait(self.longest)
        return self.reply

    def release(self) -> None:
        """Let every waiting and later request through at once."""
        self.released.set()


def serve_sites(site: FixtureSite) -> HeldPage:
    """Serve version 1 of the watched pages, and the held page on HELD_PATH; return it."""
    held = HeldPage(html("nice/ng206-recommendations-v1.html"), longest=300)
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    site.set(HELD_PATH, held)
    govuk(site, GOVUK_PLAN, "final-plan-publication.json")
    govuk(site, GOVUK_PLAN_TEXT, "final-plan-html.json")
    govuk(site, GOVUK_CONSULTATION, "interim-consultation-v1.json")
    return held


def serve_changed_wording(site: FixtureSite) -> None:
    """Serve version 2 of the NICE recommendations ("as a treatment or cure" changes)."""
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))

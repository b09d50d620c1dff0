"""A loopback Wayback Machine: CDX search, `id_` mementos and Save Page Now, on 127.0.0.1.

It speaks the archive's formats as sources.md describes them: CDX JSON whose first row names
the columns (or space-separated text without output=json), `collapse=digest`, `from`/`to`
timestamp prefixes, `matchType=prefix` and `filter=mimetype:…`; mementos answered with
`Memento-Datetime` and `Link` headers, captured redirects as 3xx into the archive, captured
404s as 404, robots-excluded captures as 403; a queue of 429 answers with Retry-After; and
`/save/<url>` answering with a redirect to the new capture.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.site import FixtureSite, RecordedRequest, Reply

FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_WEB = re.compile(r"^/web/(\d{1,14})([a-z]{2}_)?/(.+)$")


def sha1_base32(body: bytes) -> str:
    """The CDX digest of a body: base32 of its SHA-1."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


@dataclass
class Snapshot:
    """One capture the archive holds."""

    url: str
    timestamp: str
    body: bytes = b""
    status: int = 200
    mimetype: str = "text/html"
    location: str | None = None  # where a captured redirect pointed
    blocked: bool = False  # excluded (robots.txt or on request): answered 403

    @property
    def digest(self) -> str:
        """The capture's CDX digest."""
        return sha1_base32(self.body if self.status == 200 else f"{self.status}".encode())

    def row(self) -> dict[str, str]:
        """The capture as a CDX row."""
        return {
            "urlkey": self.url,
            "timestamp": self.timestamp,
            "original": self.url,
            "mimetype": self.mimetype,
            "statuscode": str(self.status),
            "digest": self.digest,
            "length": str(len(self.body)),
        }


def _moment(timestamp: str) -> datetime:
    return datetime.strptime(timestamp.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass
class Archive:
    """The captures and the behaviour of the loopback archive."""

    snapshots: list[Snapshot] = field(default_factory=list)
    throttle: list[str] = field(default_factory=list)  # Retry-After values for the next 429s
    save_failures: int = 0  # the next Save Page Now requests that fail (503)
    saved: list[str] = field(default_factory=list)
    jobs: dict[str, tuple[str, str]] = field(default_factory=dict)  # SPN2 job → (url, stamp)
    authorizations: list[str] = field(default_factory=list)
    fail_after: int | None = None  # mementos answered before the archive fails (503)
    mementos: int = 0

    def add(self, url: str, timestamp: str, body: bytes | str = b"", **kwargs: object) -> Snapshot:
        """Hold one more capture."""
        data = body.encode() if isinstance(body, str) else body
        snapshot = Snapshot(url, timestamp, data, **kwargs)  # type: ignore[arg-type]
        self.snapshots.append(snapshot)
        return snapshot

    def search(self, query: dict[str, list[str]]) -> Reply:
        """Answer a CDX query."""
        url = query.get("url", [""])[0]
        prefix = query.get("matchType", [""])[0] == "prefix"
        start, end = query.get("from", [""])[0], query.get("to", [""])[0]
        mime = [f[len("mimetype:") :] for f in query.get("filter", []) if f.startswith("mimetype:")]
        fields = query.get("fl", [",".join(FIELDS)])[0].split(",")
        found = [
            s
            for s in self.snapshots
            if (s.url.startswith(url) if prefix else s.url == url)
            and (not start or s.timestamp >= start.ljust(14, "0"))
            and (not end or s.timestamp <= end.ljust(14, "9"))
            and (not mime or s.mimetype in mime)
        ]
        found.sort(key=lambda s: (s.url, s.timestamp))
        if query.get("collapse", [""])[0] == "digest":
            kept: list[Snapshot] = []
            for s in found:
                if not kept or kept[-1].url != s.url or kept[-1].digest != s.digest:
                    kept.append(s)
            found = kept
        rows = [[s.row()[name] for name in fields] for s in found]
        if query.get("output", [""])[0] == "json":
            body = json.dumps([fields, *rows] if rows else []).encode()
            return Reply(body=body, headers={"Content-Type": "application/json"})
        text = "".join(" ".join(row) + "\n" for row in rows).encode()
        return Reply(body=text, headers={"Content-Type": "text/plain"})

    def memento(self, timestamp: str, mode: str, url: str) -> Reply:
        """Answer a memento request (the nearest capture, redirecting to its exact address)."""
        self.mementos += 1
        if self.fail_after is not None and self.mementos > self.fail_after:
            return Reply(status=503, body=b"Service Unavailable")
        held = [s for s in self.snapshots if s.url == url]
        if not held:
            return Reply(status=404, body=b"Wayback Machine has not archived that URL.")
        wanted = _moment(timestamp)
        nearest = min(held, key=lambda s: abs((_moment(s.timestamp) - wanted).total_seconds()))
        if nearest.timestamp != timestamp.ljust(14, "0")[:14] or len(timestamp) != 14:
            return Reply(status=302, headers={"Location": f"/web/{nearest.timestamp}{mode}/{url}"})
        if nearest.blocked:
            return Reply(status=403, body=b"<html><body>Blocked Site Error</body></html>")
        headers = {
            "Memento-Datetime": format_datetime(_moment(nearest.timestamp), usegmt=True),
            "Link": f'<{url}>; rel="original", <{url}>; rel="timegate"',
        }
        if nearest.location:
            headers["Location"] = f"/web/{nearest.timestamp}{mode}/{nearest.location}"
        elif nearest.status == 200:
            content_type = nearest.mimetype
            headers["Content-Type"] = content_type + (
                "; charset=utf-8" if "html" in content_type else ""
            )
        return Reply(status=nearest.status, body=nearest.body, headers=headers)

    def save(self, url: str) -> Reply:
        """Answer Save Page Now: a redirect to the new capture, or a failure."""
        if self.save_failures:
            self.save_failures -= 1
            return Reply(status=503, body=b"Save Page Now is busy")
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.saved.append(url)
        self.add(url, stamp, b"<html><body>saved</body></html>")
        return Reply(status=302, headers={"Location": f"/web/{stamp}/{url}"})

    def save_job(self, request: RecordedRequest) -> Reply:
        """Answer an SPN2 request (POST /save with url=… and a LOW key pair)."""
        self.authorizations.append(request.header("authorization") or "")
        url = parse_qs(request.body.decode()).get("url", [""])[0]
        reply = self.save(url)
        if reply.status != 302:
            return reply
        job = f"job-{len(self.jobs) + 1}"
        self.jobs[job] = (url, self.snapshots[-1].timestamp)
        body = json.dumps({"url": url, "job_id": job}).encode()
        return Reply(body=body, headers={"Content-Type": "application/json"})

    def job_status(self, job: str) -> Reply:
        """Answer an SPN2 status poll."""
        if job not in self.jobs:
            data = {"status": "error", "message": "no such job"}
        else:
            url, stamp = self.jobs[job]
            data = {"status": "success", "timestamp": stamp, "original_url": url}
        return Reply(body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


class ArchiveSite(FixtureSite):
    """The loopback web server answering as the archive (other paths as a fixture site)."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port=port)
        self.archive = Archive()

    def reply_for(self, request: RecordedRequest) -> Reply:
        """Route /cdx/search/cdx, /web/… and /save/… to the archive."""
        parts = urlsplit(request.path)
        path = request.path
        if path.startswith(("/cdx/", "/web/")) and self.archive.throttle:
            wait = self.archive.throttle.pop(0)
            return Reply(status=429, body=b"Too Many Requests", headers={"Retry-After": wait})
        if parts.path == "/cdx/search/cdx":
            return self.archive.search(parse_qs(parts.query))
        found = _WEB.match(path)
        if found:
            stamp, mode, url = found.group(1), found.group(2) or "", found.group(3)
            return self.archive.memento(stamp, mode, url)
        if request.method == "POST" and parts.path == "/save":
            return self.archive.save_job(request)
        if path.startswith("/save/status/"):
            return self.archive.job_status(path[len("/save/status/") :])
        if path.startswith("/save/"):
            return self.archive.save(path[len("/save/") :])
        return super().reply_for(request)


@pytest.fixture
def archive_site() -> Iterator[ArchiveSite]:
    """A fresh loopback archive for one test."""
    served = ArchiveSite()
    try:
        yield served
    finally:
        served.close()


NICE_LIVE = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"
BACME_INDEX = "https://bacme.info/resources/"
BACME_UPLOADS = "https://bacme.info/wp-content/uploads/"
GUIDE_2020 = BACME_UPLOADS + "2020/09/BACME-Guide-to-Therapy-2020.pdf"  # found by prefix only
GUIDE_2022 = BACME_UPLOADS + "2022/11/BACME-Guide-to-Therapy-2022.pdf"
GUIDE_2025 = (
    BACME_UPLOADS
    + "2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf.pagespeed.ce.Xk3p9QaZ1b.pdf"
)
BHC_PAGE_LIVE = "https://batemanhornecenter.org/clinical-care-guide/"
GOVUK_PLAN_API = (
    "https://www.gov.uk/api/content/government/publications/mecfs-the-final-delivery-plan"
)


def therapy_guide(heading: str, year: int) -> bytes:
    """A short BACME Guide to Therapy PDF whose fourth heading is what the editions change."""
    from tests.support.pdfgen import Heading, Para, make_pdf

    return make_pdf(
        [
            [
                Heading(0, "ME/CFS Guide to Therapy"),
                Heading(1, heading),
                Para(
                    "Once a stable baseline is reached, increase your activity by no more than "
                    f"10-20% at a time. Edition of {year}."
                ),
            ],
            [Heading(1, "5. Pacing"), Para("Pacing is an energy management strategy.")],
        ]
    )


def load_fixture_captures(archive: Archive) -> None:
    """Hold captures of the fixture pages and PDFs, duplicates by digest among them."""
    from tests.support.world import FIXTURES

    nice = FIXTURES / "nice"
    older = (nice / "ng206-recommendations-v2-cure.html").read_bytes()
    today = (nice / "ng206-recommendations-v1.html").read_bytes()
    archive.add(NICE_LIVE, "20211101093000", older)
    archive.add(NICE_LIVE, "20220301120000", older)  # the same bytes: one digest
    archive.add(NICE_LIVE, "20220601000000", status=301, location=NICE_LIVE + "/")
    archive.add(NICE_LIVE, "20230101000000", b"Not found", status=404, mimetype="text/plain")
    archive.add(NICE_LIVE, "20240105000000", today)
    archive.add(NICE_LIVE, "20250105000000", today)

    bacme = FIXTURES / "bacme"
    archive.add(BACME_INDEX, "20221201000000", (bacme / "resources-v1.html").read_bytes())
    archive.add(BACME_INDEX, "20230601000000", (bacme / "resources-v1.html").read_bytes())
    archive.add(BACME_INDEX, "20250401000000", (bacme / "resources-v2.html").read_bytes())
    pdf = "application/pdf"
    gets = "4. What is Graded Exercise Therapy?"
    archive.add(GUIDE_2020, "20201001000000", therapy_guide(gets, 2020), mimetype=pdf)
    archive.add(GUIDE_2022, "20221202000000", therapy_guide(gets, 2022), mimetype=pdf)
    archive.add(GUIDE_2022, "20240101000000", therapy_guide(gets, 2022), mimetype=pdf)
    # Still captured after the index moved on: not the document then.
    archive.add(GUIDE_2022, "20250601000000", therapy_guide(gets, 2022), mimetype=pdf)
    archive.add(
        GUIDE_2025,
        "20250402000000",
        therapy_guide("4. What is Activity Management?", 2025),
        mimetype=pdf,
    )
    plan = (FIXTURES / "govuk/final-plan-publication.json").read_bytes()
    archive.add(GOVUK_PLAN_API, "20250722000000", plan, mimetype="application/json")
    archive.add(
        BHC_PAGE_LIVE,
        "20230301000000",
        (FIXTURES / "pages/bhc-orthostatic-intolerance-v1.html").read_bytes(),
        blocked=True,
    )

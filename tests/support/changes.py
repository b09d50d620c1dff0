"""Helpers shared by the change and alert tests: versions kept by the real cycle.

Keeper serves each page on the loopback web server and runs guidewatch.cycle.check_document
on it through the real fetcher (HTTP, redirects, sniffing; versions numbered, shrink checked,
after_version and after_check run as in run_cycle). What stands in: a tiny extractor,
registered under its own kind (test-lines), reads a plain-text page format so that each test
can say exactly which words changed; the real extractors are tested on the fixture pages
(tests/test_nice.py, test_html_extract.py, test_govuk.py, test_pdf.py) and end to end in
tests/test_alerts_e2e.py and tests/test_flows.py. It stands in the registry only while a
check runs, so that the registry other tests see holds the built-in kinds alone.
"""

from __future__ import annotations

import atexit
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import select

from compare.model import Topic
from compare.topics import load_topics
from guidewatch.changes import make_hooks
from guidewatch.cycle import (
    AfterCheck,
    AfterVersion,
    CheckResult,
    check_document,
)
from guidewatch.settings import DEFAULT_TOPICS, Settings, load_settings
from scrapers.base import EXTRACTORS, Extractor, Getter, register
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import Document, DocumentSpec, Fetched, Section
from storage import fetch_log, repo
from storage.db import open_session
from storage.models import Fetch, Version
from tests.support.site import FixtureSite, Reply

LINES = "test-lines"


@dataclass
class LinesExtractor:
    """Reads "## key | heading > heading" blocks; `keep_footers` mimics an older extractor."""

    kind: str = LINES
    version: str = "lines-2"
    keep_footers: bool = False

    def discover(self, spec: DocumentSpec, get: Getter) -> str:
        """Where the spec's URL leads now (after redirects)."""
        return get(spec.url).final_url

    def related(self, spec: DocumentSpec, fetched: Fetched) -> list[str]:
        """No related bodies."""
        return []

    def extract(self, spec: DocumentSpec, fetched: Fetched) -> Document:
        """Split the body into sections; drop "Page N of M" footers unless told to keep them."""
        sections: list[Section] = []
        key, heading, lines = "", tuple[str, ...](), list[str]()
        for line in fetched.body.decode("utf-8").splitlines() + ["## end"]:
            if line.startswith("## "):
                if key:
                    sections.append(Section(key, heading, "\n".join(lines).strip()))
                name, _, path = line[3:].partition("|")
                key, heading, lines = name.strip(), tuple(p.strip() for p in path.split(">")), []
                continue
            if line.startswith("Page ") and not self.keep_footers:
                continue
            lines.append(line)
        return Document(sections=tuple(s for s in sections if s.key != "end"), title=spec.title)


def spec(
    id: str = "nice-ng206-recommendations",
    title: str = "NICE NG206: Recommendations",
    *,
    kind: str = LINES,
    ignore: tuple[str, ...] = (),
) -> DocumentSpec:
    """A document spec whose live URL is the publisher's."""
    return DocumentSpec(
        id=id,
        source="nice",
        title=title,
        kind=kind,
        url=f"http://127.0.0.1:9/{id}",
        live_url=f"https://www.example.org/{id}",
        options={"ignore": list(ignore)},
    )


def settings_for(tmp_path: Path, **env: str) -> Settings:
    """Settings on a SQLite file under tmp_path, with the shipped topics file."""
    values = {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_TOPICS": str(DEFAULT_TOPICS),
        "GUIDEWATCH_MAIL_TO": "alice@example.org",
        "GUIDEWATCH_MAIL_FROM": "guidewatch@example.org",
        "GUIDEWATCH_SMTP_SECURITY": "none",
        **env,
    }
    return load_settings(values)


def smtp_env(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """Environment values pointing mail at a loopback SMTP server."""
    return {"GUIDEWATCH_SMTP_HOST": host, "GUIDEWATCH_SMTP_PORT": str(port)}


_LOOPBACK: FixtureSite | None = None


def loopback() -> FixtureSite:
    """The loopback web server the keepers serve their pages from (one per test session)."""
    global _LOOPBACK
    if _LOOPBACK is None:
        _LOOPBACK = FixtureSite()
        atexit.register(_LOOPBACK.close)
    return _LOOPBACK


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def registered(extractor: Extractor) -> Iterator[None]:
    """Register an extractor under its kind for a while, then restore the one it replaced."""
    import scrapers.kinds  # noqa: F401  (registers the built-in kinds first: none overwrites ours)

    before = EXTRACTORS.get(extractor.kind)
    register(extractor)
    try:
        yield
    finally:
        if before is None:
            del EXTRACTORS[extractor.kind]
        else:
            register(before)


@dataclass
class Keeper:
    """Keeps versions of one document through the real cycle (check_document and its hooks)."""

    engine: Engine
    spec: DocumentSpec
    settings: Settings
    extractor: Extractor = field(default_factory=LinesExtractor)
    topics: tuple[Topic, ...] = ()

    def __post_init__(self) -> None:
        if not self.topics:
            self.topics = load_topics(self.settings.topics_path)
        # This keeper's pages live under a folder of their own on the loopback server; the
        # spec's address (its origin) is rewritten there, as a mirror is.
        self._folder = f"/keeper-{uuid.uuid4().hex[:12]}"

    def hooks(self) -> tuple[AfterVersion, AfterCheck]:
        """The hooks under test, reading the current extractor from this keeper."""
        return make_hooks(
            self.settings,
            self.engine,
            topics=self.topics,
            extractors=lambda kind: self.extractor,
        )

    def check(self, body: str | bytes, *, url: str | None = None) -> CheckResult:
        """Serve a body (at `url`, reached from the spec's URL) and run one check of it.

        The keeper's extractor stands under the spec's kind while the check runs, which is
        how a test can play an older extractor, or the stored output of a built-in kind.
        """
        if self.extractor.kind != self.spec.kind:
            raise ValueError(f"extractor kind {self.extractor.kind!r} is not {self.spec.kind!r}")
        site = loopback()
        origin = _origin(self.spec.url)
        mirror = site.base_url + self._folder
        location = url or self.spec.url
        page = Reply(
            body=body.encode("utf-8") if isinstance(body, str) else body,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        site.set(self._folder + location.removeprefix(origin), page)
        if location != self.spec.url:  # the page moved: its old address redirects there
            site.redirect(
                self._folder + self.spec.url.removeprefix(origin),
                mirror + location.removeprefix(origin),
            )
        policy = FetchPolicy(
            user_agent="guidewatch-tests",
            pause_seconds=0,
            retries=0,
            rewrites=((origin, mirror),),
        )
        after_version, after_check = self.hooks()
        with registered(self.extractor), HttpFetcher(policy) as http:
            result = check_document(
                self.spec,
                engine=self.engine,
                fetcher=http,
                after_version=after_version,
            )
        after_check(self.spec, result)
        return result

    def keep(self, body: str | bytes, *, url: str | None = None) -> Version | None:
        """Store a served body; return the new version, or None when the text is unchanged."""
        result = self.check(body, url=url)
        assert result.outcome in ("new_version", "unchanged"), (result.outcome, result.message)
        if result.outcome == "unchanged":
            return None
        with open_session(self.engine) as session:  # an ORM object, as the hooks get it
            version = session.exec(
                select(Version).where(
                    Version.document_id == self.spec.id,
                    Version.number == (result.version_number or 0),
                )
            ).first()
        assert version is not None
        return version

    def fetch(self, outcome: str, *, status: int | None = None, url: str | None = None) -> int:
        """Record a fetch attempt with this outcome (no version); return its id."""
        with open_session(self.engine) as session:
            repo.upsert_document(
                session=session,
                id=self.spec.id,
                source=self.spec.source,
                title=self.spec.title,
                kind=self.spec.kind,
                url=self.spec.url,
            )
            row = fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id=self.spec.id,
                    started_at=repo.utcnow(),
                    url=url or self.spec.url,
                    status=status,
                    outcome=outcome,
                ),
            )
            session.commit()
            assert row.id is not None
            return row.id


NICE_V1 = """\
## 1.11.13 | 1 Recommendations > 1.11 Managing CFS/ME > Physical activity and exercise
Do not advise people with CFS/ME to undertake exercise that is not part of a programme \
overseen by a CFS/ME specialist team.
## 1.11.14 | 1 Recommendations > 1.11 Managing CFS/ME > Physical activity and exercise
Do not offer people with CFS/ME:
- any therapy based on physical activity or exercise as a treatment or cure for CFS/ME
- generalised physical activity or exercise programmes, including those developed for \
healthy people or people with other illnesses
- any programme that uses fixed incremental increases in physical activity or exercise, \
for example, graded exercise therapy (GET).
## 1.12.27 | 1 Recommendations > 1.12 Symptom management > Lightning Process
Do not offer the Lightning Process, or therapies based on it, to people with CFS/ME.
## 1.12.28 | 1 Recommendations > 1.12 Symptom management > Sleep
Give people with CFS/ME personalised sleep management advice.
"""


def nice_replace(*pairs: tuple[str, str]) -> str:
    """The NICE-like page with (old, new) replacements applied in order."""
    text = NICE_V1
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text

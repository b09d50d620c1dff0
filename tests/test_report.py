"""The static report: index, per-document pages, charts, redlines; escaped and accessible."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from compare.model import Change
from compare.topics import load_topics
from guidewatch.changes import record_changes
from guidewatch.report.site import build_report, page_name
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.html import HtmlExtractor
from scrapers.model import Document, DocumentSpec, Fetched, Section
from storage import alert_queue, blobs, fetch_log, repo, version_store
from storage.db import open_session
from storage.models import Fetch
from tests.test_search import BACME, NG206, Cli, add_document_history, build_history

TOPICS = load_topics(DEFAULT_TOPICS)
HOSTILE = "evil-<doc>"


class Outline(HTMLParser):
    """Collects headings, links, ids and the text of <del>/<ins> from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.deleted: list[str] = []
        self.inserted: list[str] = []
        self.scripts = 0
        self.lang: str | None = None
        self._heading: int | None = None
        self._text: list[str] = []
        self._edit: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note headings, links, ids and edits."""
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading, self._text = int(tag[1]), []
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in ("del", "ins"):
            self._edit, self._text = tag, []
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        """Close headings and edits."""
        if self._heading and tag == f"h{self._heading}":
            self.headings.append((self._heading, "".join(self._text).strip()))
            self._heading = None
        if self._edit == tag:
            target = self.deleted if tag == "del" else self.inserted
            target.append("".join(self._text).replace("removed: ", "").replace("added: ", ""))
            self._edit = None

    def handle_data(self, data: str) -> None:
        """Gather text inside the open heading or edit."""
        if self._heading or self._edit:
            self._text.append(data)


def outline(path: Path) -> Outline:
    """Parse one page."""
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Path:
    """The report of the test history plus a document with hostile text."""
    build_history(engine)
    hostile = Document(
        sections=(Section("<1>", ("<script>alert(1)</script>",), 'Say "hi" & <b>bold</b>.'),),
        title='<script>alert("title")</script>',
    )
    changed = Document(
        sections=(Section("<1>", ("<script>alert(1)</script>",), 'Say "bye" & <i>pacing</i>.'),),
        title='<script>alert("title")</script>',
    )
    add_document_history(
        engine,
        HOSTILE,
        [("2024-01-01", "2024-01-02", hostile), ("2024-02-01", "2024-02-02", changed)],
        source="<src>",
    )
    out = tmp_path / "site"
    build_report(
        engine=engine, out=out, topics=TOPICS, generated_at=datetime(2024, 5, 1, tzinfo=UTC)
    )
    return out


def test_index_lists_every_document_with_its_last_change(site: Path) -> None:
    index = site / "index.html"
    page = outline(index)
    assert page.lang == "en" and page.scripts == 0
    assert [h for h in page.headings if h[0] == 1] == [(1, "Watched documents")]
    documents = [link for link in page.links if link.startswith("documents/")]
    assert sorted(documents) == sorted(f"documents/{page_name(d)}" for d in (BACME, NG206, HOSTILE))
    for link in documents:
        assert (site / link).is_file()
    text = index.read_text()
    ng206_row = text[text.index(f"documents/{page_name(NG206)}") :].split("</tr>")[0]
    assert "01 Jul 2023" in ng206_row and "brain-training" in ng206_row


def test_document_page_has_versions_charts_and_redlines(site: Path) -> None:
    path = site / "documents" / page_name(NG206)
    page = outline(path)
    html = path.read_text()
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert [t for lvl, t in page.headings if lvl == 2] == ["Versions", "Watched terms", "Changes"]
    assert "#versions" in page.links and {"versions", "terms", "changes", "main"} <= page.ids
    assert "../index.html" in page.links and "../style.css" in html
    # one chart per term that occurs; its description lists the counts per version
    assert html.count("<svg") == len(re.findall(r'<figure class="chart">', html)) >= 3
    assert "Count of &#8220;Lightning Process&#8221; per version: v1: 1, v2: 0, v3: 1" in html
    # version 2 removed "…, or therapies based on it, such as the Lightning Process"
    assert any("Lightning Process" in d for d in page.deleted)
    assert any("Lightning Process" in i for i in page.inserted)  # box-4 added in version 3
    section = html[html.index('id="v2"') :]
    assert "brain-training" in section.split("</section>")[0]
    # every change opens with its one-line statement, as in the alert
    assert section.split("</section>")[0].count('<p class="statement">') >= 1


def test_every_piece_of_text_is_escaped(site: Path) -> None:
    for path in [site / "index.html", *sorted((site / "documents").glob("*.html"))]:
        text = path.read_text()
        assert "<script" not in text, path
        assert "<b>" not in text and "<i>" not in text and "<src>" not in text
    hostile = (site / "documents" / page_name(HOSTILE)).read_text()
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in hostile
    assert "&lt;i&gt;pacing&lt;/i&gt;" in hostile
    assert page_name(HOSTILE) != f"{HOSTILE}.html" and "<" not in page_name(HOSTILE)


def test_recorded_rows_are_the_record(engine: Engine, tmp_path: Path) -> None:
    build_history(engine)  # NG206 versions 1-3, then BACME versions 1-3
    recorded = Change(
        section_key="1.11.14",
        heading_path=("Recorded heading",),
        kind="modified",
        old_sentences=("A recorded old sentence.",),
        new_sentences=("A recorded new sentence.",),
        topics=("rehabilitation",),
    )
    with open_session(engine) as session:
        v1 = version_store.get_version(session=session, document_id=BACME, number=1)
        v2 = version_store.get_version(session=session, document_id=BACME, number=2)
        assert v1 is not None and v2 is not None and v2.id is not None
        alert_queue.add_changes(
            session=session,
            document_id=BACME,
            from_version_id=v1.id,
            to_version_id=v2.id,
            payloads=[recorded.to_dict()],
        )
        session.commit()
    build_report(engine=engine, out=tmp_path, topics=TOPICS)
    path = tmp_path / "documents" / page_name(BACME)
    page = outline(path)
    assert page.deleted == ["old"] and page.inserted == ["new"]  # version 2's recorded one
    assert "Section 1.11.14: Recorded heading" in [t for _, t in page.headings]
    # Version 3 was stored after recording began and has no rows: it had no change, even
    # though its stored text differs from version 2's.
    html = path.read_text()
    v3 = html[html.index('id="v3"') :].split("</section>")[0]
    assert "No change beyond noise" in v3
    # NG206's versions are older than the first recorded change: compared now.
    ng206 = outline(tmp_path / "documents" / page_name(NG206))
    assert any("Lightning Process" in d for d in ng206.deleted)
    # The index's last change is the last version that changed something.
    index = (tmp_path / "index.html").read_text()
    bacme_row = index[index.index(f"documents/{page_name(BACME)}") :].split("</tr>")[0]
    assert "01 Jun 2021" in bacme_row and "rehabilitation" in bacme_row


UPGRADED = "upgraded-page"
URL = "https://example.org/upgraded"
UPGRADED_HTML = (
    b"<!doctype html><html><head><title>Guide</title></head><body><main>"
    b"<h2>Exercise</h2><p>Do not offer graded exercise therapy.</p></main></body></html>"
)


def keep_html_version(
    engine: Engine, document: Document, *, extractor_version: str, seen: datetime
) -> None:
    """Store a version of the upgraded page as the cycle would, with this extractor version."""
    with open_session(engine) as session:
        repo.upsert_document(
            session=session, id=UPGRADED, source="test", title="Guide", kind="html", url=URL
        )
        session.flush()
        sha = blobs.put_blob(session=session, body=UPGRADED_HTML)
        fetch = fetch_log.add_fetch(
            session=session,
            fetch=Fetch(
                document_id=UPGRADED,
                started_at=seen,
                url=URL,
                final_url=URL,
                status=200,
                headers='{"content-type": "text/html; charset=utf-8"}',
                body_sha256=sha,
                size=len(UPGRADED_HTML),
                outcome="new_version",
            ),
        )
        version = version_store.add_version(
            session=session,
            document_id=UPGRADED,
            document=document,
            url=URL,
            body_sha256=sha,
            extractor="html",
            extractor_version=extractor_version,
            fetch_id=fetch.id,
            seen_at=seen,
        )
        fetch.version_id = version.id
        session.add(fetch)
        session.commit()


def test_an_extractor_upgrade_is_no_change_in_the_report(engine: Engine, tmp_path: Path) -> None:
    spec = DocumentSpec(id=UPGRADED, source="test", title="Guide", kind="html", url=URL)
    fetched = Fetched(
        url=URL,
        final_url=URL,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=UPGRADED_HTML,
        content_kind="html",
    )
    current = HtmlExtractor().extract(spec, fetched)
    # What an older extractor made of the same bytes: it dropped the "not".
    older = Document(
        sections=tuple(
            Section(s.key, s.heading_path, s.text.replace("Do not offer", "Offer"))
            for s in current.sections
        ),
        title=current.title,
    )
    assert older != current
    keep_html_version(
        engine, older, extractor_version="html-0", seen=datetime(2024, 1, 1, tzinfo=UTC)
    )
    keep_html_version(
        engine,
        current,
        extractor_version=HtmlExtractor.version,
        seen=datetime(2024, 2, 1, tzinfo=UTC),
    )
    # The alert path compares like with like and records nothing.
    with open_session(engine) as session:
        old, new = version_store.list_versions(session=session, document_id=UPGRADED)
        assert record_changes(session, spec, old, new, topics=TOPICS) == []
        session.commit()
    build_report(engine=engine, out=tmp_path, topics=TOPICS)
    page = outline(tmp_path / "documents" / page_name(UPGRADED))
    assert page.deleted == [] and page.inserted == []
    assert "No change beyond noise" in (tmp_path / "documents" / page_name(UPGRADED)).read_text()
    index = (tmp_path / "index.html").read_text()
    assert "none yet" in index[index.index(f"documents/{page_name(UPGRADED)}") :].split("</tr>")[0]


def test_report_command(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_history(engine)
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", engine.url.render_as_string(False))
    cli = Cli(engine.url.render_as_string(False), capsys)
    status, out, _ = cli.run("report", "--out", str(tmp_path / "site"))
    assert status == 0 and "wrote 3 pages" in out
    assert (tmp_path / "site" / "style.css").is_file()
    status, out, _ = cli.run("report", "--out", str(tmp_path / "again"), "--json")
    assert status == 0 and '"pages"' in out

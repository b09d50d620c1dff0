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
from guidewatch.report.site import build_report, page_name
from scrapers.model import Document, Section
from storage import changes as store
from storage import repo
from storage.db import open_session
from tests.test_search import BACME, NG206, Cli, add_document_history, build_history

TOPICS = load_topics()
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


def test_every_piece_of_text_is_escaped(site: Path) -> None:
    for path in [site / "index.html", *sorted((site / "documents").glob("*.html"))]:
        text = path.read_text()
        assert "<script" not in text, path
        assert "<b>" not in text and "<i>" not in text and "<src>" not in text
    hostile = (site / "documents" / page_name(HOSTILE)).read_text()
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in hostile
    assert "&lt;i&gt;pacing&lt;/i&gt;" in hostile
    assert page_name(HOSTILE) != f"{HOSTILE}.html" and "<" not in page_name(HOSTILE)


def test_recorded_changes_are_shown_instead_of_recomputed(engine: Engine, tmp_path: Path) -> None:
    build_history(engine)
    recorded = Change(
        section_key="1.11.14",
        heading_path=("Recorded heading",),
        kind="modified",
        old_sentences=("A recorded old sentence.",),
        new_sentences=("A recorded new sentence.",),
        topics=("rehabilitation",),
    )
    with open_session(engine) as session:
        v1 = repo.get_version(session=session, document_id=BACME, number=1)
        v2 = repo.get_version(session=session, document_id=BACME, number=2)
        assert v1 is not None and v2 is not None and v2.id is not None
        store.add_change(
            session=session,
            document_id=BACME,
            from_version_id=v1.id,
            to_version_id=v2.id,
            ordinal=0,
            payload=recorded.to_dict(),
        )
        session.commit()
    build_report(engine=engine, out=tmp_path, topics=TOPICS)
    page = outline(tmp_path / "documents" / page_name(BACME))
    assert page.deleted[-1] == "old" and page.inserted[-1] == "new"  # version 2's recorded one
    assert "Section 1.11.14: Recorded heading" in [t for _, t in page.headings]
    # version 3 had no recorded rows: computed from the stored texts
    assert any("Pacing up should be slow" in d for d in page.deleted)


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

"""Hostile publisher text (tags, quotes, ampersands) is escaped once on every report page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Engine

from compare.model import Change
from compare.topics import load_topics
from guidewatch.report.chart import bar_chart
from guidewatch.report.feeds import write_feeds
from guidewatch.report.site import build_report, page_name
from guidewatch.settings import DEFAULT_TOPICS
from scrapers.model import Document, Section
from storage import alert_queue, version_store
from storage.db import open_session
from tests.support.feeds import ATOM
from tests.test_search import add_document_history

TOPICS = load_topics(DEFAULT_TOPICS)
DOCUMENT = "hostile"
TITLE = """<script>alert("title")</script> & 'Co'"""
SOURCE = '<src> & "co"'
HEADING = """<script>alert("heading")</script> & 'H'"""
OLD = """Offer <b>graded</b> exercise & "rest"."""
NEW = """Offer <script>alert('sentence')</script> & "rest"."""
STATEMENT = """<img src=x onerror="alert(1)"> & 'stated'"""
HOSTILE = (TITLE, SOURCE, HEADING, OLD, NEW, STATEMENT)


class Text(HTMLParser):
    """The tags and the unescaped text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note every element."""
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        """Keep the text."""
        self.text.append(data)


def parsed(html: str) -> Text:
    """Parse one page or fragment."""
    parser = Text()
    parser.feed(html)
    parser.close()
    return parser


def hostile_history(engine: Engine) -> None:
    """A document whose title, source, headings, sentences and statement are hostile."""
    before = Document(sections=(Section("1", (HEADING,), OLD),), title=TITLE)
    after = Document(sections=(Section("1", (HEADING,), NEW),), title=TITLE)
    add_document_history(
        engine,
        DOCUMENT,
        [("2024-01-01", "2024-01-02", before), ("2024-02-01", "2024-02-02", after)],
        source=SOURCE,
    )
    change = Change(
        section_key="1",
        heading_path=(HEADING,),
        kind="modified",
        old_sentences=(OLD,),
        new_sentences=(NEW,),
        topics=("rehabilitation",),
        terms=("graded exercise",),
        statement=STATEMENT,
        significance=60,
    )
    with open_session(engine) as session:
        v1 = version_store.get_version(session=session, document_id=DOCUMENT, number=1)
        v2 = version_store.get_version(session=session, document_id=DOCUMENT, number=2)
        assert v1 is not None and v1.id is not None and v2 is not None and v2.id is not None
        alert_queue.add_changes(
            session=session,
            document_id=DOCUMENT,
            from_version_id=v1.id,
            to_version_id=v2.id,
            payloads=[change.to_dict()],
        )
        session.commit()


def assert_escaped_once(html: str, shown: tuple[str, ...], where: str) -> None:
    """No hostile markup became an element, and each hostile string reads as written."""
    page = parsed(html)
    assert not page.tags & {"script", "b", "img", "src"}, (where, page.tags)
    assert "<script" not in html and "<b>" not in html and "<img" not in html, where
    assert "&amp;lt;" not in html and "&amp;quot;" not in html, where  # escaped once only
    text = "".join(page.text)
    for value in shown:
        assert value in text, (where, value)


def test_hostile_text_is_escaped_on_every_page(sqlite_engine: Engine, tmp_path: Path) -> None:
    hostile_history(sqlite_engine)
    pages = build_report(engine=sqlite_engine, out=tmp_path, topics=TOPICS)
    assert len(pages) == 2
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert_escaped_once(index, (TITLE, SOURCE), "index")
    document = (tmp_path / "documents" / page_name(DOCUMENT)).read_text(encoding="utf-8")
    assert_escaped_once(document, (TITLE, SOURCE, HEADING, STATEMENT), "document page")
    assert f"<title>{TITLE}: history</title>" not in document
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &#x27;Co&#x27;" in document
    # the redline marks the words as words: the struck and added ones are text, not tags
    struck = parsed(document)
    assert "del" in struck.tags and "ins" in struck.tags
    assert "<b>graded</b>" in "".join(struck.text)
    assert "<script>alert('sentence')</script>" in "".join(struck.text)


def test_hostile_text_is_escaped_in_every_feed_entry(sqlite_engine: Engine, tmp_path: Path) -> None:
    hostile_history(sqlite_engine)
    paths = write_feeds(sqlite_engine, tmp_path, TOPICS)
    contents = [
        entry.findtext(f"{ATOM}content") or ""
        for path in paths
        for entry in etree.parse(str(path)).getroot().iter(f"{ATOM}entry")
    ]
    assert contents  # the change is on a watched topic
    for content in contents:
        assert_escaped_once(content, (TITLE, STATEMENT, HEADING), "feed entry")


def test_the_chart_escapes_what_it_embeds() -> None:
    chart = bar_chart('a"b', TITLE, ["<v1>", "v2"], ["&day", '"2"'], [1, 2])
    assert_escaped_once(str(chart), (TITLE, "<v1>", "&day"), "chart")
    assert 'id="a&quot;b"' in chart and 'aria-labelledby="a&quot;b a&quot;b-desc"' in chart

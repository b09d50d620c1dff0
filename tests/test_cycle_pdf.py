"""PDF documents through the whole cycle: discovery on index pages, moved links, bad PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from guidewatch.app import App
from guidewatch.changes import make_hooks
from guidewatch.cycle import CheckResult, run_cycle
from storage import blobs, fetch_log, version_store
from storage.changes import ChangeRow, list_changes
from storage.db import open_session
from storage.models import VersionSection
from tests.support.pdfgen import Block, Bullets, Heading, Para, make_pdf, make_resaved_pdf
from tests.support.site import FixtureSite, Reply
from tests.support.world import FIXTURES, make_app
from tests.test_pdf_reading import SPACED, TIGHT, booklet

GUIDE = "bacme-guide-to-therapy"
INDEX = "/bacme/resources/"
# The index page links to these root-relative: the mirror serves them under /bacme.
OLD_PDF = "/bacme/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf"
NEW_PDF = "/bacme/wp-content/uploads/2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf.pagespeed.ce.Xk3p9QaZ1b.pdf"  # noqa: E501
# What the history records: the publisher's addresses, not the mirror's.
LIVE_OLD = "https://bacme.info" + OLD_PDF.removeprefix("/bacme")
LIVE_NEW = "https://bacme.info" + NEW_PDF.removeprefix("/bacme")

PAGES: list[list[Block]] = [
    [
        Heading(0, "ME/CFS Guide to Therapy"),
        Heading(1, "4. What is Graded Exercise Therapy?"),
        Para(
            "Graded exercise therapy is a structured programme. Once a stable baseline is "
            "reached, increase your activity by no more than 10-20% at a time."
        ),
        Bullets(("Keep an activity diary.", "Rest before you are tired.")),
    ],
    [
        Heading(1, "5. Pacing"),
        Para("Pacing is an energy management strategy to avoid post-exertional malaise."),
    ],
]


def pdf_reply(body: bytes) -> Reply:
    return Reply(body=body, headers={"Content-Type": "application/pdf"})


def cycle(app: App) -> CheckResult:
    specs = app.catalog.select([], [GUIDE])
    return run_cycle(
        specs, engine=app.writable_engine(), policy=app.policy(), rewrites=app.settings.rewrites
    )[0]


@pytest.fixture
def app(site: FixtureSite, tmp_path: Path) -> App:
    site.set_file(INDEX, FIXTURES / "bacme/resources-v1.html", "text/html; charset=utf-8")
    site.set(OLD_PDF, pdf_reply(make_pdf(PAGES, running_header="BACME Guide to Therapy")))
    return make_app(site, tmp_path)


def test_pdf_found_on_index_page_is_stored_with_sections_and_pages(app: App) -> None:
    result = cycle(app)
    assert result.outcome == "new_version", result.message
    with open_session(app.engine) as session:
        version = version_store.latest_version(session=session, document_id=GUIDE)
        assert version is not None and version.url == LIVE_OLD
        document = version_store.version_document(session=session, version=version)
    section = next(s for s in document.sections if s.key.startswith("4. What is Graded"))
    assert "no more than 10-20%" in section.text
    assert section.pages == (1,)
    assert "BACME Guide to Therapy" not in document.text  # the running header is gone
    assert next(s for s in document.sections if s.key == "5. Pacing").pages == (2,)


def test_moved_link_is_the_same_document_with_a_moved_url(app: App, site: FixtureSite) -> None:
    assert cycle(app).outcome == "new_version"
    # BACME moves the file (new upload folder, pagespeed rewrite) and re-saves the same text.
    site.set_file(INDEX, FIXTURES / "bacme/resources-v2.html", "text/html; charset=utf-8")
    site.set(NEW_PDF, pdf_reply(make_resaved_pdf(PAGES, running_header="BACME Guide to Therapy")))
    result = cycle(app)
    assert result.outcome == "unchanged", result.message
    assert result.moved_from == LIVE_OLD
    with open_session(app.engine) as session:
        assert len(version_store.list_versions(session=session, document_id=GUIDE)) == 1
        log = fetch_log.list_fetches(session=session, document_id=GUIDE)
        assert (log[0].url, log[1].url) == (LIVE_NEW, LIVE_OLD)
        assert fetch_log.final_url(log[0]) == LIVE_NEW
        assert log[0].body_sha256 != log[1].body_sha256  # new bytes kept as evidence


def test_index_without_the_link_is_a_clear_error(app: App, site: FixtureSite) -> None:
    site.set(INDEX, "<html><body><a href='/x/Other.pdf'>Annual report</a></body></html>")
    result = cycle(app)
    assert result.outcome == "failed"
    assert "guide to therapy" in result.message.lower() and "Annual report" in result.message


@pytest.mark.parametrize(
    ("body", "outcome", "words"),
    [
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n trailer", "suspect", "corrupt"),
        (make_pdf(PAGES, encrypt_password="secret"), "suspect", "encrypted"),
        (b"<!doctype html><html><body>Access denied</body></html>", "suspect", "html"),
    ],
    ids=["corrupt", "encrypted", "html-at-pdf-url"],
)
def test_bad_pdfs_are_suspect_and_kept_as_evidence(
    app: App, site: FixtureSite, body: bytes, outcome: str, words: str
) -> None:
    site.set(OLD_PDF, pdf_reply(body))
    result = cycle(app)
    assert result.outcome == outcome and words in result.message.lower(), result.message
    with open_session(app.engine) as session:
        assert version_store.list_versions(session=session, document_id=GUIDE) == []
        row = fetch_log.list_fetches(session=session, document_id=GUIDE)[0]
        assert row.body_sha256 and blobs.get_blob(session=session, sha=row.body_sha256) == body
        assert (
            fetch_log.fetch_headers(session=session, fetch=row)["content-type"] == "application/pdf"
        )


def test_pdf_over_the_size_cap_is_refused(site: FixtureSite, tmp_path: Path) -> None:
    site.set_file(INDEX, FIXTURES / "bacme/resources-v1.html", "text/html; charset=utf-8")
    site.set(OLD_PDF, pdf_reply(make_pdf(PAGES * 20)))
    app = make_app(site, tmp_path, GUIDEWATCH_MAX_BYTES="20000")
    result = cycle(app)
    assert result.outcome == "failed" and "20000" in result.message.replace(",", "")


def recorded_cycle(app: App) -> CheckResult:
    """One cycle with the change-recording hooks, as `guidewatch run` has them."""
    after_version, after_check = make_hooks(app.settings, app.writable_engine())
    specs = app.catalog.select([], [GUIDE])
    return run_cycle(
        specs,
        engine=app.writable_engine(),
        policy=app.policy(),
        rewrites=app.settings.rewrites,
        after_version=after_version,
        after_check=after_check,
    )[0]


def recorded_changes(app: App) -> list[ChangeRow]:
    with open_session(app.engine) as session:
        return list_changes(session=session, document_id=GUIDE, on_topic_only=False)


def test_new_edition_with_one_heading_renamed_records_one_renamed_section(
    app: App, site: FixtureSite
) -> None:
    site.set(OLD_PDF, pdf_reply(make_pdf(booklet(), layout=SPACED, title="Booklet")))
    assert recorded_cycle(app).outcome == "new_version"
    # The new edition is typeset anew (headings tight to the text, a Letter page) and one
    # heading names another therapy; not a word of the text under it changes.
    renamed = booklet("4. What is activity management?")
    site.set(OLD_PDF, pdf_reply(make_pdf(renamed, layout=TIGHT, title="Booklet")))
    assert recorded_cycle(app).outcome == "new_version"
    rows = recorded_changes(app)
    assert [(r.kind, r.data()["old_section_key"], r.section_key) for r in rows] == [
        ("renamed", "4. What is graded exercise therapy?", "4. What is activity management?")
    ]


def test_a_version_read_by_an_older_extractor_is_read_again_before_comparing(
    app: App, site: FixtureSite
) -> None:
    site.set(OLD_PDF, pdf_reply(make_pdf(booklet(), layout=SPACED, title="Booklet")))
    assert recorded_cycle(app).outcome == "new_version"
    # What an older extractor made of it: the same words, cut by page.
    with open_session(app.writable_engine()) as session:
        version = version_store.latest_version(session=session, document_id=GUIDE)
        assert version is not None
        version.extractor_version = "pdf-1"
        for row in session.exec(
            select(VersionSection).where(VersionSection.version_id == version.id)
        ):
            row.key = f"page {row.ordinal + 1}"
            row.heading_path = "[]"
        session.commit()
    renamed = booklet("4. What is activity management?")
    site.set(OLD_PDF, pdf_reply(make_pdf(renamed, layout=TIGHT, title="Booklet")))
    assert recorded_cycle(app).outcome == "new_version"
    assert [r.kind for r in recorded_changes(app)] == ["renamed"]

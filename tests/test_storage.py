"""Storage on SQLite and on a real PostgreSQL cluster: blobs, versions, fetch log, migrations."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from scrapers.model import Document, Section
from storage import blobs, fetch_log, repo, version_store
from storage.db import database_exists, make_engine, migrate, open_session
from storage.models import Blob, Fetch

DOC = Document(
    sections=(
        Section("1.11.14", ("1.11 Managing ME/CFS",), "Do not offer graded exercise therapy.", ()),
        Section("box-4", ("Box 4",), "Graded exercise therapy is defined as...", (3,)),
    ),
    title="NG206",
    meta={"public_updated_at": "2021-10-29"},
)


def _add_doc(engine: Engine) -> None:
    with open_session(engine) as session:
        repo.upsert_document(
            session=session,
            id="nice-ng206-recommendations",
            source="nice",
            title="NG206",
            kind="nice-chapter",
            url="http://127.0.0.1/x",
        )
        session.commit()


def test_blob_is_stored_once_compressed_and_verified(engine: Engine) -> None:
    body = b"%PDF-1.7 " + b"graded exercise therapy " * 1000
    with open_session(engine) as session:
        first = blobs.put_blob(session=session, body=body)
        second = blobs.put_blob(session=session, body=body)
        session.commit()
        assert first == second == repo.sha256(body)
        assert len(session.exec(select(Blob)).all()) == 1
        row = session.get(Blob, first)
        assert row is not None and len(row.data) < len(body)
        assert blobs.get_blob(session=session, sha=first) == body


def test_damaged_blob_is_detected_on_read(engine: Engine) -> None:
    with open_session(engine) as session:
        digest = blobs.put_blob(session=session, body=b"original")
        session.commit()
        row = session.get(Blob, digest)
        assert row is not None
        row.data = zlib.compress(b"tampered")
        session.add(row)
        session.commit()
        with pytest.raises(blobs.CorruptBlobError):
            blobs.get_blob(session=session, sha=digest)


def test_versions_are_numbered_and_round_trip(engine: Engine) -> None:
    _add_doc(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with open_session(engine) as session:
        sha = blobs.put_blob(session=session, body=b"<html>")
        v1 = version_store.add_version(
            session=session,
            document_id="nice-ng206-recommendations",
            document=DOC,
            url="http://127.0.0.1/x",
            body_sha256=sha,
            extractor="nice-chapter",
            extractor_version="nice-1",
            fetch_id=None,
            seen_at=now,
        )
        v2 = version_store.add_version(
            session=session,
            document_id="nice-ng206-recommendations",
            document=DOC,
            url="http://127.0.0.1/x",
            body_sha256=sha,
            extractor="nice-chapter",
            extractor_version="nice-1",
            fetch_id=None,
            seen_at=now + timedelta(days=2),
        )
        session.commit()
        assert (v1.number, v2.number) == (1, 2)
        assert version_store.version_document(session=session, version=v1) == DOC
        at = version_store.version_at(
            session=session,
            document_id="nice-ng206-recommendations",
            when=now + timedelta(days=1),
        )
        assert at is not None and at.number == 1
        assert v1.first_seen_at == now


def test_duplicate_version_number_is_refused(engine: Engine) -> None:
    _add_doc(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with open_session(engine) as session:
        sha = blobs.put_blob(session=session, body=b"x")
        version_store.add_version(
            session=session,
            document_id="nice-ng206-recommendations",
            document=DOC,
            url="u",
            body_sha256=sha,
            extractor="e",
            extractor_version="1",
            fetch_id=None,
            seen_at=now,
        )
        session.commit()
        with pytest.raises(IntegrityError):
            session.execute(
                text(
                    "INSERT INTO versions (document_id, number, text_sha256, text_size, title,"
                    " meta, url, body_sha256, extractor, extractor_version, first_seen_at,"
                    " last_seen_at) VALUES ('nice-ng206-recommendations', 1, 'h', 1, '', '{}',"
                    " 'u', 's', 'e', '1', :t, :t)"
                ),
                {"t": now},
            )
            session.commit()


def test_validators_come_from_the_last_confirming_fetch(engine: Engine) -> None:
    _add_doc(engine)
    with open_session(engine) as session:
        for outcome, etag in (("new_version", '"a"'), ("failed", '"b"')):
            fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id="nice-ng206-recommendations",
                    started_at=repo.utcnow(),
                    url="http://h/doc",
                    outcome=outcome,
                    headers=json.dumps({"etag": etag}),
                ),
            )
        session.commit()
        found = fetch_log.validators_for(
            session=session, document_id="nice-ng206-recommendations", url="http://h/doc"
        )
        assert found == ('"a"', None)


def test_fetch_state_reads_the_validators_validators_for_reads(engine: Engine) -> None:
    _add_doc(engine)
    doc, urls = "nice-ng206-recommendations", ("http://h/doc", "http://h/moved")
    log = [
        (urls[0], "new_version", '"a"'),
        (urls[0], "not_modified", '"a"'),
        (urls[0], "unchanged", '"b"'),
        (urls[0], "failed", '"c"'),
        (urls[1], "new_version", '"d"'),
        (urls[0], "not_modified", '"b"'),
        (urls[1], "suspect", '"e"'),
        (urls[1], "unchanged", '"f"'),
    ]
    with open_session(engine) as session:
        for number, (url, outcome, etag) in enumerate(log):
            headers = {"etag": etag, "last-modified": f"Mon, 0{number + 1} Jun 2026 10:00:00 GMT"}
            fetch_log.add_fetch(
                session=session,
                fetch=Fetch(
                    document_id=doc,
                    started_at=repo.utcnow(),
                    url=url,
                    outcome=outcome,
                    status=304 if outcome == "not_modified" else 200,
                    size=0,
                    headers=json.dumps(headers),
                ),
            )
            session.commit()
            for asked in urls:
                state = fetch_log.fetch_state(session=session, document_id=doc, url=asked)
                expected = fetch_log.validators_for(session=session, document_id=doc, url=asked)
                assert (state.etag, state.last_modified) == expected
                assert state.previous_outcome == outcome
    assert expected == ('"f"', "Mon, 08 Jun 2026 10:00:00 GMT")


def test_migrations_run_twice_and_database_exists(database_url: str) -> None:
    assert not database_exists(database_url)
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"documents", "fetches", "blobs", "versions", "sections"} <= tables
    engine.dispose()
    assert database_exists(database_url)

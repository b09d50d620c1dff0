"""`search` checks the versions it quotes in bulk: the same verdict as one by one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from scrapers.model import Section
from storage import repo, text_check, version_store
from storage.db import open_session
from storage.text_check import verified_versions
from tests.support.versions import store_version

DOC = "nice-ng206-recommendations"
OTHER = "bacme-guide"
URL = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"


def _store(engine: Engine, document_id: str, number: int, texts: list[str]) -> None:
    sections = tuple(
        Section(f"1.{i}", ("Recommendations", f"1.{i} Part “{i}”"), t) for i, t in enumerate(texts)
    )
    store_version(engine, document_id, URL, sections, datetime(2024, number, 1, tzinfo=UTC))


def _history(engine: Engine) -> None:
    with open_session(engine) as session:
        for doc in (DOC, OTHER):
            repo.upsert_document(
                session=session, id=doc, source="nice", title=doc, kind="nice-chapter", url=URL
            )
        session.commit()
    for number in range(1, 5):
        _store(engine, DOC, number, ["Do not offer GET.", f"Edit {number}: é ü", "Shared."])
        _store(engine, OTHER, number, ["Shared.", f"Other {number}"] * number)


def test_bulk_check_returns_what_one_by_one_returns(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(engine)
    monkeypatch.setattr(text_check, "CHUNK", 3)  # several chunks, heading paths shared across
    refs = [(doc, n) for doc in (DOC, OTHER) for n in range(1, 5)] + [(DOC, 9)]
    with open_session(engine) as session:
        bulk = verified_versions(session=session, refs=refs)
        single = {}
        for doc, n in refs:
            row = version_store.get_version(session=session, document_id=doc, number=n)
            if row is not None:
                version_store.verified_document(session=session, version=row)
                single[doc, n] = row
    assert (DOC, 9) not in bulk and len(bulk) == 8
    assert {"document_id", "number", "text_sha256", "provenance", "archive_url"} <= set(
        text_check.CHECKED
    )  # what the check and `search` (where a version was first seen) read
    assert {k: tuple(v) for k, v in bulk.items()} == {
        k: tuple(getattr(v, name) for name in text_check.CHECKED) for k, v in single.items()
    }


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE section_texts SET text = text || ' Altered.' WHERE text LIKE 'Other 3%'",
        "UPDATE sections SET heading_path = '[\"Recommendations\"]' WHERE key = '1.1' "
        "AND version_id = (SELECT id FROM versions WHERE document_id = 'bacme-guide' "
        "AND number = 3)",
        "UPDATE sections SET key = '9.9' WHERE key = '1.0' AND version_id = "
        "(SELECT id FROM versions WHERE document_id = 'bacme-guide' AND number = 3)",
    ],
)
def test_bulk_check_names_the_first_altered_version(engine: Engine, damage: str) -> None:
    _history(engine)
    later = "UPDATE section_texts SET text = text || ' Altered.' WHERE text LIKE 'Edit 2%'"
    with engine.begin() as connection:
        assert connection.execute(text(damage)).rowcount >= 1
        assert connection.execute(text(later)).rowcount == 1  # DOC version 2, sorted after
    refs = [(doc, n) for doc in (DOC, OTHER) for n in range(1, 5)]
    with open_session(engine) as session:
        with pytest.raises(version_store.CorruptTextError, match=f"{OTHER} version 3 no longer"):
            verified_versions(session=session, refs=refs)
        # the versions before it in (document, number) order are sound
        sound = [(OTHER, 1), (OTHER, 2), (DOC, 1)]
        assert len(verified_versions(session=session, refs=sound)) == 3

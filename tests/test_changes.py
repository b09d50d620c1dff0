"""Recording changes and events: the after_version and after_check hooks on real databases."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from compare.noise import resolve_ignore
from guidewatch.changes import record_event
from guidewatch.cycle import CheckResult
from storage import changes as store
from storage.changes import AlertItem, ChangeRow
from storage.db import open_session
from tests.support.changes import (
    NICE_V1,
    Keeper,
    LinesExtractor,
    nice_replace,
    settings_for,
    spec,
)


def _changes(engine: Engine) -> list[ChangeRow]:
    with open_session(engine) as session:
        return list(session.exec(select(ChangeRow).order_by(ChangeRow.id)))  # type: ignore[arg-type]


def _items(engine: Engine) -> list[AlertItem]:
    with open_session(engine) as session:
        return list(session.exec(select(AlertItem).order_by(AlertItem.id)))  # type: ignore[arg-type]


def test_wording_change_is_recorded_once_and_queued_on_its_topic(
    engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    new = keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    assert new is not None and new.number == 2
    rows = _changes(engine)
    assert [(r.section_key, r.kind) for r in rows] == [("1.11.14", "modified")]
    data = rows[0].data()
    assert "treatment or cure" in data["terms"]
    assert data["words_removed"] == ["treatment", "or"]
    # The edit sits in a "Do not offer ...:" list: on rehabilitation and on safeguards.
    assert rows[0].topic_list() == ["rehabilitation", "safeguards"]
    assert [(i.kind, i.topic) for i in _items(engine)] == [
        ("change", "rehabilitation"),
        ("change", "safeguards"),
    ]

    # The hook running again for the same version (a retried transaction) adds nothing.
    after_version, _ = keeper.hooks()
    from storage import version_store

    with open_session(engine) as session:
        v1 = version_store.get_version(session=session, document_id=keeper.spec.id, number=1)
        v2 = version_store.get_version(session=session, document_id=keeper.spec.id, number=2)
        after_version(session, keeper.spec, v1, v2)  # type: ignore[arg-type]
        session.commit()
    assert len(_changes(engine)) == 1 and len(_items(engine)) == 2


def test_changes_on_no_topic_are_recorded_but_not_queued(engine: Engine, tmp_path: Path) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    keeper.keep(nice_replace(("personalised sleep management advice", "sleep hygiene leaflets")))
    rows = _changes(engine)
    assert [(r.section_key, r.topic_list()) for r in rows] == [("1.12.28", [])]
    assert _items(engine) == []
    with open_session(engine) as session:
        assert store.list_changes(session=session) == []
        assert len(store.list_changes(session=session, on_topic_only=False)) == 1


def test_mass_illness_rename_records_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    renamed = keeper.keep(NICE_V1.replace("CFS/ME", "ME/CFS"))
    assert renamed is not None and renamed.number == 2  # a new version is kept as evidence
    assert _changes(sqlite_engine) == []
    assert _items(sqlite_engine) == []


def test_govuk_status_label_and_updated_date_record_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    page = """\
## summary | Summary
Closed consultation
Updated 21 May 2024
We are seeking views on the interim delivery plan, including rehabilitation services.
## body | Body
This was published under the 2022 to 2024 Sunak Conservative government
Pacing and energy management are at the heart of the plan.
"""
    changed = page.replace("Closed consultation", "Consultation outcome").replace(
        "Updated 21 May 2024", "Updated 3 June 2025"
    )
    keeper = Keeper(sqlite_engine, spec("dhsc-plan", "DHSC: plan", ignore=("govuk",)),
                    settings_for(tmp_path))  # fmt: skip
    keeper.keep(page)
    assert keeper.keep(changed) is not None
    assert _changes(sqlite_engine) == []
    assert _items(sqlite_engine) == []

    # Without the rule the same edit is a change: the test can fail.
    bare = Keeper(sqlite_engine, spec("dhsc-bare", "DHSC: bare"), settings_for(tmp_path))
    bare.keep(page)
    bare.keep(changed)
    assert {r.document_id for r in _changes(sqlite_engine)} == {"dhsc-bare"}


def test_ignore_presets_expand_and_regexes_pass_through() -> None:
    rules = resolve_ignore(["govuk", r"Review date: \d+"])
    assert rules[-1] == r"Review date: \d+"
    assert len(rules) > 2


def test_extractor_upgrade_with_same_raw_text_records_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    body = NICE_V1.replace(
        "## 1.12.28", "Page 3 of 9 - graded exercise therapy (GET) guide\n## 1.12.28"
    )
    old_extractor = LinesExtractor(version="lines-1", keep_footers=True)
    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path), extractor=old_extractor)
    keeper.keep(body)
    keeper.extractor = LinesExtractor(version="lines-2")
    upgraded = keeper.keep(body)
    assert upgraded is not None and upgraded.number == 2  # the text hash differs...
    assert _changes(sqlite_engine) == []  # ...but like compared with like, nothing changed

    # Compared naively (stored sections of both), the footer would read as a removal.
    from compare.diff import compare_documents
    from storage import version_store

    with open_session(sqlite_engine) as session:
        v1 = version_store.get_version(session=session, document_id=keeper.spec.id, number=1)
        assert v1 is not None and upgraded is not None
        naive = compare_documents(
            version_store.version_document(session=session, version=v1),
            version_store.version_document(session=session, version=upgraded),
            topics=keeper.topics,
        )
    assert naive and naive[0].topics


def test_comparison_error_keeps_the_version(sqlite_engine: Engine, tmp_path: Path) -> None:
    class Broken(LinesExtractor):
        def extract(self, spec, fetched):  # type: ignore[no-untyped-def]
            if b"as a treatment or cure" in fetched.body:  # only the first version's page
                raise RuntimeError("extractor bug")
            return super().extract(spec, fetched)

    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path),
                    extractor=LinesExtractor(version="lines-1"))  # fmt: skip
    keeper.keep(NICE_V1)
    keeper.extractor = Broken(version="lines-2")
    version = keeper.keep(nice_replace(("as a treatment or cure", "as a cure")))
    assert version is not None and version.number == 2
    assert _changes(sqlite_engine) == []


def _result(keeper: Keeper, outcome: str, fetch_id: int, **extra: object) -> CheckResult:
    return CheckResult(keeper.spec.id, outcome, "boom", fetch_id=fetch_id, **extra)  # type: ignore[arg-type]


def test_failing_is_told_once_at_the_threshold_and_recovery_once(
    engine: Engine, tmp_path: Path
) -> None:
    keeper = Keeper(engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    kinds: list[list[str]] = []
    for _ in range(5):
        fid = keeper.fetch("failed")
        kinds.append(record_event(engine, keeper.spec, _result(keeper, "failed", fid), threshold=3))
    assert kinds == [[], [], ["failing"], [], []]
    ok = keeper.fetch("unchanged")
    assert record_event(engine, keeper.spec, _result(keeper, "unchanged", ok), threshold=3) == [
        "recovered"
    ]
    ok2 = keeper.fetch("unchanged")
    assert record_event(engine, keeper.spec, _result(keeper, "unchanged", ok2), threshold=3) == []
    # Two failures then success: below the threshold, nothing to tell either way.
    for _ in range(2):
        fid = keeper.fetch("failed")
        assert record_event(engine, keeper.spec, _result(keeper, "failed", fid), threshold=3) == []
    ok3 = keeper.fetch("unchanged")
    assert record_event(engine, keeper.spec, _result(keeper, "unchanged", ok3), threshold=3) == []
    assert [i.kind for i in _items(engine)] == ["failing", "recovered"]


def test_gone_moved_and_discovered_are_told_once(sqlite_engine: Engine, tmp_path: Path) -> None:
    keeper = Keeper(sqlite_engine, spec(), settings_for(tmp_path))
    keeper.keep(NICE_V1)
    told = []
    for _ in range(3):
        fid = keeper.fetch("gone", status=410)
        told += record_event(sqlite_engine, keeper.spec, _result(keeper, "gone", fid), threshold=3)
    assert told == ["gone"]
    gone = [i for i in _items(sqlite_engine) if i.kind == "gone"][0]
    assert "410" in gone.data()["detail"]

    moved = []
    for _ in range(2):
        fid = keeper.fetch("unchanged", url="http://127.0.0.1:9/new-place")
        result = _result(keeper, "unchanged", fid, moved_from="http://127.0.0.1:9/old-place")
        moved += record_event(sqlite_engine, keeper.spec, result, threshold=3)
    assert moved == ["recovered", "moved"]
    assert [i.kind for i in _items(sqlite_engine)].count("moved") == 1

    pdf = Keeper(sqlite_engine, spec("bacme-guide", "BACME: Guide", kind="pdf-link"),
                 settings_for(tmp_path), extractor=LinesExtractor(kind="pdf-link"))  # fmt: skip
    version = pdf.keep(NICE_V1, url="http://127.0.0.1:9/files/guide-2025.pdf")
    assert version is not None
    # The cycle's after_check queued it; telling the same check again queues nothing.
    assert [i.kind for i in _items(sqlite_engine)].count("discovered") == 1
    result = CheckResult("bacme-guide", "new_version", "", 1, version.fetch_id)
    assert record_event(sqlite_engine, pdf.spec, result, threshold=3) == []
    item = [i for i in _items(sqlite_engine) if i.kind == "discovered"][0]
    assert json.loads(item.payload)["live_url"].endswith("guide-2025.pdf")

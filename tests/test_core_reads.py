"""The schema is said once (storage.tables), and the query commands read it without the ORM."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from storage import changes, deliveries, models, tables
from tests.test_queries_light import DOC, history_env, loaded_alone

MAPPED = {
    models.StoredDocument: tables.documents,
    models.Blob: tables.blobs,
    models.HeaderSet: tables.header_sets,
    models.Fetch: tables.fetches,
    models.Version: tables.versions,
    models.VersionSection: tables.sections,
    models.SectionText: tables.section_texts,
    models.TermCount: tables.term_counts,
    changes.ChangeRow: tables.changes,
    changes.AlertItem: tables.alert_items,
    changes.Alert: tables.alerts,
    deliveries.Delivery: tables.deliveries,
}
# What no query command needs: the ORM and SQLModel (about 0.1 s of a process), migrations,
# fetching, page parsing, comparing, alert writing, Prefect, and pydantic (the settings are a
# dataclass; a right topics file is read by compare.topicshape; the sources file is not read).
NOT_FOR_QUERIES = (
    "sqlalchemy.orm",
    "sqlmodel",
    "alembic",
    "httpx",
    "bs4",
    "prefect",
    "compare.diff",
    "compare.classify",
    "alerts.digest",
    "alerts.outbox",
    "alerts.mailing",
    "alerts.subscribers",
    "scrapers.fetch",
    "storage.models",
    "pydantic",
    "pydantic_core",
)


def test_every_orm_class_is_mapped_onto_its_core_table() -> None:
    assert set(MAPPED.values()) == set(tables.metadata.sorted_tables)
    for cls, table in MAPPED.items():
        assert cls.__table__ is table, cls  # type: ignore[attr-defined]
        for name, column in table.columns.items():
            assert getattr(cls, name).property.columns == [column], (cls, name)


def test_the_migrated_schema_is_the_tables(engine: Engine) -> None:
    """Alembic's comparison finds nothing between the migrations and storage.tables."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": tables.include_object, "compare_type": True}
        )
        assert compare_metadata(context, tables.metadata) == []


def test_query_commands_load_no_orm(tmp_path: Path) -> None:
    env = history_env(tmp_path)
    commands = [
        ["history", DOC],
        ["history", DOC, "--json"],
        ["search", "graded exercise therapy"],
        ["search", "graded exercise therapy", "--first", "--format", "csv"],
        ["show", DOC],
        ["show", DOC, "--at", "2024-01-05", "--json"],
        ["show", DOC, "--at", "2024-01-05", "--section", "Managing ME/CFS"],
        ["timeline"],
        ["timeline", DOC, "--term", "pacing"],
        ["fetches", DOC],
    ]
    for argv in commands:
        assert loaded_alone(argv, NOT_FOR_QUERIES, env) == (0, []), argv

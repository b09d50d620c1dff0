"""An unchanged document costs one transaction and no event query; headers are kept once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import select

from guidewatch.app import App
from guidewatch.changes import make_hooks
from guidewatch.cycle import run_cycle
from storage import fetch_log
from storage.db import make_engine, open_session
from storage.models import HeaderSet
from tests.support.site import FixtureSite, Reply
from tests.support.world import BHC_PAGE_PATH, FIXTURES, NICE_PATH, html, make_app

NICE = "nice-ng206-recommendations"
BHC = "bhc-clinical-care-guide-page"


@pytest.fixture
def app(site: FixtureSite, tmp_path: Path) -> App:
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    page = html("pages/bhc-orthostatic-intolerance-v1.html")  # served without validators
    site.set(BHC_PAGE_PATH, Reply(body=page.body, headers={"Content-Type": "text/html"}))
    return make_app(site, tmp_path)


@contextmanager
def counting(engine: Engine) -> Iterator[tuple[list[str], Counter[str]]]:
    """Collect the statements run and count the commits on one engine."""
    statements: list[str] = []
    commits: Counter[str] = Counter()

    def statement(_c: object, _cur: object, sql: str, *_: object) -> None:
        statements.append(" ".join(sql.split()))

    def commit(_c: object) -> None:
        commits["commit"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield statements, commits
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def cycle(app: App) -> list[str]:
    engine = app.writable_engine()
    after_version, after_check = make_hooks(app.settings, engine)
    results = run_cycle(
        app.catalog.select([], [NICE, BHC]),
        engine=engine,
        policy=app.policy(),
        after_version=after_version,
        after_check=after_check,
        rewrites=app.settings.rewrites,
    )
    return [r.outcome for r in results]


def test_an_unchanged_document_is_one_transaction_without_event_queries(app: App) -> None:
    assert cycle(app) == ["new_version", "new_version"]
    cycle(app)  # the first 304 brings a header set not seen before
    engine = app.writable_engine()
    with counting(engine) as (statements, commits):
        outcomes = cycle(app)
    # NICE is answered 304 (its ETag); the BHC page is served again, the same text
    assert outcomes == ["not_modified", "unchanged"]
    assert commits["commit"] == 2  # one per document
    assert not [s for s in statements if "alert_items" in s]
    writes = [s.split()[0] for s in statements if not s.startswith(("SELECT", "PRAGMA"))]
    assert sorted(writes) == ["INSERT", "INSERT", "UPDATE", "UPDATE"]  # a fetch, last seen
    # the 304 costs 5 statements: declared fields; newest fetch with the validators; gone and
    # newest version; last seen; the fetch row (each document's check starts with the first)
    starts = [i for i, s in enumerate(statements) if s.startswith("SELECT documents.source")]
    assert len(starts) == 2 and starts[1] - starts[0] == 5
    # the same headers as the newest fetch's: its header set is not looked up again
    assert not [s for s in statements if s.startswith("SELECT header_sets.id")]


def test_headers_are_kept_once_and_read_back_as_served(app: App) -> None:
    cycle(app)
    cycle(app)
    cycle(app)
    with open_session(app.engine) as session:
        fetches = fetch_log.list_fetches(session=session, document_id=BHC)
        sets = session.exec(select(func.count()).select_from(HeaderSet)).one()
        assert len(fetches) == 3 and sets == 2 + 1  # BHC 200, NICE 200, NICE 304
        assert len({f.headers_id for f in fetches}) == 1
        for fetch in fetches:
            headers = fetch_log.fetch_headers(session=session, fetch=fetch)
            assert headers["content-type"].startswith("text/html")
            assert "date" in headers and fetch.date_offset is not None
            assert abs(fetch.date_offset) < 5
            # no redirect: the final URL is not repeated, and reads back as the URL asked
            assert fetch_log.final_url(fetch) == fetch.url


def test_migrate_loads_alembic_only_when_the_schema_is_behind(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS, head_revisions

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == set(ScriptDirectory.from_config(config).get_heads())
    url = f"sqlite:///{tmp_path / 'g.db'}"
    probe = (
        "import sys; from storage.db import make_engine, migrate; "
        f"migrate(make_engine({url!r})); print('alembic' in sys.modules)"
    )
    root = Path(__file__).parent.parent
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # created, then found up to date


def test_fetching_does_not_import_the_httpx_command_line() -> None:
    probe = "import sys, scrapers.fetch; print(sorted({'rich', 'click'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_downgrading_puts_the_headers_back_in_each_fetch(app: App) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS

    cycle(app)
    cycle(app)
    engine = app.writable_engine()
    with open_session(engine) as session:
        expected = {
            f.id: fetch_log.fetch_headers(session=session, fetch=f)
            for f in fetch_log.list_fetches(session=session, document_id=NICE)
        }
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, headers FROM fetches").fetchall()
    restored = {id: json.loads(headers) for id, headers in rows if id in expected}
    assert restored == expected and all("date" in h for h in restored.values())


# What a run has no use for, whether it stores new versions or not (once the schema exists):
# the ORM (SQLModel, its models, the changes and outbox tables as ORM classes); the check,
# storing a new version, comparing it, the events hook, the witness and the delivery of an
# outbox with nothing to send all work on SQLAlchemy Core. Nor pydantic, which SQLModel is
# built on: the settings, sources and topics files that are right are read without it.
ORM = (
    "sqlalchemy.orm",
    "sqlmodel",
    "storage.models",
    "storage.changes",
    "alerts.outbox",
    "pydantic",
)
# What an unchanged cycle has no use for: comparing, counting terms, writing alert messages.
NOT_FOR_UNCHANGED = (
    "compare.diff",
    "storage.alert_queue",
    "guidewatch.term_counts",
    "alerts.digest",
    "jinja2",
    *ORM,
)


def test_an_unchanged_run_imports_no_comparing_and_no_alert_writing(
    site: FixtureSite, tmp_path: Path
) -> None:
    import os

    from tests.support.world import rewrites

    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))  # answered 304
    page = html("pages/bhc-orthostatic-intolerance-v1.html")  # no validators: the same body
    site.set(BHC_PAGE_PATH, Reply(body=page.body, headers={"Content-Type": "text/html"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEWATCH_")} | {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }
    probe = (
        "import json, sys; from guidewatch.cli import main; "
        f"code = main(['run', '--document', {NICE!r}, '--document', {BHC!r}]); "
        f"print(json.dumps([code, sorted(set(sys.argv[1:]) & set(sys.modules))]))"
    )
    root = Path(__file__).parent.parent
    runs = []
    for served in ("v1", "v2-cure", "v2-cure"):
        # the second run brings a change on a topic: alert items wait, and nobody is set to
        # receive them (no mail settings), as in most runs of a new install
        site.set(NICE_PATH, html(f"nice/ng206-recommendations-{served}.html"))
        out = subprocess.run(
            [sys.executable, "-c", probe, *NOT_FOR_UNCHANGED],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(out.stdout.strip().splitlines()[-1])
    first, changed, unchanged = (json.loads(run) for run in runs)
    assert first[0] == 0 and "compare.diff" not in first[1]  # a first version is not compared
    # the ORM (and pydantic under SQLModel) only by Alembic creating the schema (first migration)
    assert [m for m in first[1] if m in ORM] == ["pydantic", "sqlalchemy.orm", "sqlmodel"]
    assert "compare.diff" in changed[1]
    assert not set(ORM) & set(changed[1])  # new versions are stored through Core
    assert unchanged == [0, []]
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'guidewatch.db'}")
    with open_session(engine) as session:
        outcomes = {
            document: [
                f.outcome for f in fetch_log.list_fetches(session=session, document_id=document)
            ]
            for document in (NICE, BHC)
        }
    assert outcomes == {
        NICE: ["not_modified", "new_version", "new_version"],
        BHC: ["unchanged", "unchanged", "new_version"],
    }
    with engine.connect() as connection:
        waiting = connection.exec_driver_sql("SELECT count(*) FROM alert_items").scalar_one()
    assert waiting >= 1


# What a run whose every page and PDF answers 304 has no use for: reading bodies.
BODY_READERS = ("bs4", "pypdfium2")


def test_an_all_304_run_imports_neither_bs4_nor_pdfium_for_any_kind(
    site: FixtureSite, tmp_path: Path
) -> None:
    import os

    from tests.support.pdfgen import Heading, Para, make_pdf

    page = html("pages/bhc-orthostatic-intolerance-v1.html")  # served with an ETag
    site.set("/page/", page)
    pdf = make_pdf([[Heading(1, "1. Pacing"), Para("Stay within the energy envelope. " * 20)]])
    site.set(
        "/guide.pdf", Reply(body=pdf, headers={"Content-Type": "application/pdf", "ETag": '"g1"'})
    )
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    plan = (FIXTURES / "govuk" / "final-plan-publication.json").read_bytes()
    site.set(  # a publication with its own change history: no parent is fetched
        "/api/content/plan",
        Reply(body=plan, headers={"Content-Type": "application/json", "ETag": '"p1"'}),
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[sources.site]\nname = "Loopback"\nhomepage = "http://127.0.0.1"\n\n'
        f'[documents.page]\nsource = "site"\ntitle = "A page"\nkind = "html"\n'
        f'url = "{site.url("/page/")}"\nselector = "main"\n\n'
        f'[documents.guide]\nsource = "site"\ntitle = "A guide"\nkind = "pdf"\n'
        f'url = "{site.url("/guide.pdf")}"\n\n'
        f'[documents.chapter]\nsource = "site"\ntitle = "A chapter"\nkind = "nice-chapter"\n'
        f'url = "{site.url(NICE_PATH)}"\n\n'
        f'[documents.plan]\nsource = "site"\ntitle = "A plan"\nkind = "govuk"\n'
        f'url = "{site.url("/plan")}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEWATCH_")} | {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }
    probe = (
        "import json, sys; from guidewatch.cli import main; "
        f"code = main(['--sources', {str(sources)!r}, 'run']); "
        f"print(json.dumps([code, sorted(set(sys.argv[1:]) & set(sys.modules))]))"
    )
    root = Path(__file__).parent.parent
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", probe, *BODY_READERS, *ORM],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(2)
    ]
    # a first run reads bodies and stores versions through Core (first versions queue no
    # alert to send); the ORM (and pydantic under SQLModel) only by Alembic creating the schema
    assert runs[0] == [0, sorted({*BODY_READERS, "pydantic", "sqlalchemy.orm", "sqlmodel"})]
    assert runs[1] == [0, []]  # every one answered 304: no body is read, no ORM loaded
    with open_session(make_engine(f"sqlite:///{tmp_path / 'data' / 'guidewatch.db'}")) as session:
        outcomes = [
            f.outcome
            for document in ("page", "guide", "chapter", "plan")
            for f in fetch_log.list_fetches(session=session, document_id=document)
        ]
    assert outcomes == ["not_modified", "new_version"] * 4

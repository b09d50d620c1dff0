"""Database engines, sessions and schema migrations (SQLite by default, PostgreSQL by URL).

Importing this module loads SQLAlchemy Core only: the ORM session (SQLModel) is imported by
open_session, which the commands that change stored objects use; a run's checks and the query
commands work on a Core connection (writer_connection lets one store function serve both).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, create_engine, make_url

if TYPE_CHECKING:  # the PostgreSQL dialect is imported only when the database is PostgreSQL
    from typing import TypeAlias

    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlmodel import Session

    # What a reader takes: a Core connection (the query commands) or an ORM session (writers).
    Db: TypeAlias = Connection | Session

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, create_folder: bool = True) -> Engine:
    """Return an engine for a database URL, creating a SQLite file's folder unless told not to."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if create_folder and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def database_exists(target: Engine | str) -> bool:
    """Tell whether a database (engine or URL) holds guidewatch's schema, creating nothing."""
    if isinstance(target, str):
        engine = make_engine(target, create_folder=False)
        try:
            return database_exists(engine)
        finally:
            engine.dispose()
    if target.url.get_backend_name() == "sqlite":
        database = target.url.database
        # Connecting to a SQLite file that is not there would create it.
        if not database or database == ":memory:" or not Path(database).expanduser().exists():
            return False
    try:
        return inspect(target).has_table("alembic_version")
    except Exception:
        return False


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(None|['\"]([^'\"]+)['\"])", re.M)


def head_revisions() -> set[str]:
    """The newest migration ids, read from the migration files (without importing Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((m[0], m[2]) for m in _REVISION.findall(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    """The migration ids the database is at (empty for a new database)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {str(row[0]) for row in rows}
    except Exception:  # no alembic_version table yet
        return set()


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic migration (Alembic loads only if needed)."""
    heads = head_revisions()
    if heads and current_revisions(engine) == heads:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_session(engine: Engine) -> Session:
    """Return a new session that does not expire objects on commit (SQLModel loads now)."""
    from sqlmodel import Session

    return Session(engine, expire_on_commit=False)


def open_reader(engine: Engine) -> Connection:
    """Return a Core connection for reading (no ORM, SQLModel nor pydantic loaded)."""
    return engine.connect()


def core_connection(db: Db) -> Connection:
    """The Core connection behind a reader (an ORM session's, in its transaction)."""
    return db if isinstance(db, Connection) else db.connection()


def writer_connection(db: Db) -> Connection:
    """The Core connection to write through: an ORM session's, once what it holds is flushed.

    One implementation serves a run's Core connection and the writers' ORM sessions: what a
    session holds pending goes first, in the order an ORM insert would have flushed it.
    """
    if isinstance(db, Connection):
        return db
    db.flush()
    return db.connection()


def dialect_name(db: Db) -> str:
    """The name of the database's dialect ("sqlite", "postgresql") behind a reader."""
    if isinstance(db, Connection):
        return db.dialect.name
    return db.get_bind().dialect.name


def insert_or_ignore(
    session: Db, table: Any, *, index_elements: list[str] | None = None
) -> PgInsert | SqliteInsert:
    """An INSERT into `table` that skips a row whose key exists, in the session's dialect."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite_insert(table).on_conflict_do_nothing(index_elements=index_elements)

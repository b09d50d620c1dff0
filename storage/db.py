"""Database engines, sessions and schema migrations (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

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


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_session(engine: Engine) -> Session:
    """Return a new session that does not expire objects on commit."""
    return Session(engine, expire_on_commit=False)

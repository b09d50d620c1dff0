"""What the schema has: queries that never migrate ask before reading a newer table.

Each function takes a Core connection or an ORM session and never commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect

from storage.db import core_connection

if TYPE_CHECKING:
    from storage.db import Db


def has_table(*, session: Db, name: str) -> bool:
    """Whether the database has this table."""
    return bool(inspect(core_connection(session)).has_table(name))


def has_changes_table(*, session: Db) -> bool:
    """Whether the changes table of migration 0002 is there."""
    return has_table(session=session, name="changes")


def has_term_counts(*, session: Db) -> bool:
    """Whether the term counts of migration 0008 are there."""
    return has_table(session=session, name="term_counts")

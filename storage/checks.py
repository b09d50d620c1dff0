"""What the schema has: queries that never migrate ask before reading a newer table.

Each function takes a session and never commits.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session


def has_table(*, session: Session, name: str) -> bool:
    """Whether the database has this table."""
    return bool(inspect(session.connection()).has_table(name))


def has_changes_table(*, session: Session) -> bool:
    """Whether the changes table of migration 0002 is there."""
    return has_table(session=session, name="changes")


def has_term_counts(*, session: Session) -> bool:
    """Whether the term counts of migration 0008 are there."""
    return has_table(session=session, name="term_counts")

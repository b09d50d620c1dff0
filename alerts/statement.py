"""The one line that says what a change did: the single place a change's statement comes from.

Feeds, chat channels and subscribers' digests all call `statement()`. Today it is the digest's
headline ("NICE NG206 1.11.14: wording on graded exercise therapy changed"); when
compare/statement.py gives every change its own one-line statement, this function returns it.
"""

from __future__ import annotations

from alerts.naming import headline
from alerts.notes import ChangeNote


def statement(note: ChangeNote) -> str:
    """Say in one line what a change did and where (page text may hold line breaks: removed)."""
    return " ".join(headline(note).split())

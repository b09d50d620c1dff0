"""Render the report with its templates (guidewatch/report/templates): the same environment
as the email's (alerts.templating), so every value is escaped by default."""

from __future__ import annotations

from pathlib import Path

from alerts import templating
from compare.model import Change
from compare.redline import lines

TEMPLATES = Path(__file__).with_name("templates")


def render(name: str, /, **values: object) -> str:
    """Render one of the report's templates with these values."""
    return templating.render(name, folder=TEMPLATES, **values)


def redline(change: Change) -> str:
    """A change's old and new wording sentence by sentence, as the alert email shows it: a
    small edit marked with <del> and <ins> inside its sentence, a rewritten one whole."""
    parts = templating.environment(TEMPLATES).get_template("parts.html").module
    rows = tuple(lines(change.old_sentences, change.new_sentences))
    return str(parts.redline(rows))  # type: ignore[attr-defined]

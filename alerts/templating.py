"""The Jinja2 environment the digest's two parts are rendered with, and the escape helper.

Templates ending in .html escape every value by default (autoescape); a value already marked
safe (a macro's output) is left alone. `esc` is the one escape helper: the templates use it
for every value they print, and the report's hand-built HTML calls it directly.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

from compare.redline import ADDED, REMOVED

TEMPLATES = Path(__file__).parent / "templates"


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


@pass_eval_context
def _finalize(context: EvalContext, value: Any) -> Any:
    # escaped the same way as the report (&quot; rather than Jinja's &#34;)
    if context.autoescape and not hasattr(value, "__html__"):
        return Markup(esc(value))
    return value


@cache
def environment() -> Environment:
    """The environment: templates from alerts/templates, HTML ones escaped by default."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], ["txt"], default_for_string=True, default=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(REMOVED=REMOVED, ADDED=ADDED)
    return env


def render(name: str, **values: Any) -> str:
    """Render one template with these values."""
    return environment().get_template(name).render(**values)

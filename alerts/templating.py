"""The Jinja2 environments every HTML and text output is rendered with, and the escape helper.

Templates ending in .html escape every value by default (autoescape); a value already marked
safe (a macro's output, the report's SVG chart) is left alone. `esc` is the one escape
helper: autoescape prints every value through it, and the report's SVG chart calls it
directly. The digest's templates are in alerts/templates; the static report
(guidewatch/report) renders its own folder with an environment configured the same way.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

from alerts.dates import day, iso
from compare.redline import ADDED, REMOVED, edges

TEMPLATES = Path(__file__).parent / "templates"


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


@pass_eval_context
def _finalize(context: EvalContext, value: object) -> object:
    # escaped the same way everywhere (&quot; rather than Jinja's &#34;)
    if context.autoescape and not hasattr(value, "__html__"):
        return Markup(esc(value))
    return value


@cache
def environment(folder: Path = TEMPLATES) -> Environment:
    """The environment of one folder of templates, HTML ones escaped by default."""
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"], ["txt"], default_for_string=True, default=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(REMOVED=REMOVED, ADDED=ADDED, edges=edges)
    env.filters.update(iso=iso, day=day)
    return env


def render(name: str, /, *, folder: Path = TEMPLATES, **values: object) -> str:
    """Render one template of `folder` (the digest's by default) with these values."""
    return environment(folder).get_template(name).render(**values)

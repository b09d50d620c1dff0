"""HTML building blocks for the report: every piece of page text goes through `esc` (the
same escape helper as the email's templates, alerts.templating)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alerts import dates
from alerts.dates import iso
from alerts.templating import esc
from compare.model import Change
from compare.redline import REMOVED, Markup, Run, edges
from compare.statement import statement_of

BAR_WIDTH = 28
CHART_HEIGHT = 120


def day(moment: datetime | None) -> str:
    """Format a moment as a UTC date for people ("01 Jul 2023")."""
    return dates.day(moment, padded=True)


def time_tag(moment: datetime | None) -> str:
    """Return a <time> element showing the date."""
    if moment is None:
        return "-"
    return f'<time datetime="{esc(iso(moment))}">{esc(day(moment))}</time>'


def page(title: str, body: str, *, css: str, home: str | None = None) -> str:
    """Return a whole page: a skip link, a header, the main content and a footer."""
    crumb = f'<p><a href="{esc(home)}">All documents</a></p>' if home else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="{esc(css)}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><p class="name">guidewatch: ME/CFS guidance history</p>{crumb}</header>
<main id="main" tabindex="-1">
{body}
</main>
<footer class="site"><p>Made by guidewatch from its stored versions. Dates are UTC;
&ldquo;first seen&rdquo; and &ldquo;last seen&rdquo; are the fetches that saw the wording.</p>
</footer>
</body>
</html>
"""


def table(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *, row_headers: bool
) -> str:
    """Return a table; cells are HTML already, headers and caption are plain text."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            tag = "th" if row_headers and i == 0 else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f"<{tag}{scope}>{cell}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(caption)}">'
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def bar_chart(
    chart_id: str, term: str, labels: Sequence[str], dates: Sequence[str], counts: Sequence[int]
) -> str:
    """Return an inline SVG bar chart of one term's count per version, with a text summary."""
    top = max(max(counts, default=0), 1)
    width = max(len(counts), 1) * (BAR_WIDTH + 8) + 16
    plot = CHART_HEIGHT - 36
    bars = []
    for i, (label, when, count) in enumerate(zip(labels, dates, counts, strict=True)):
        x = 12 + i * (BAR_WIDTH + 8)
        height = round(plot * count / top)
        y = 16 + plot - height
        bars.append(
            f"<g><title>{esc(label)} ({esc(when)}): {count}</title>"
            f'<rect x="{x}" y="{y}" width="{BAR_WIDTH}" height="{max(height, 1)}" class="bar"/>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{y - 3}" class="count">{count}</text>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{CHART_HEIGHT - 6}" class="axis">{esc(label)}</text>'
            "</g>"
        )
    summary = ", ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    return (
        f'<figure class="chart"><figcaption id="{esc(chart_id)}">{esc(term)}</figcaption>'
        f'<svg role="img" aria-labelledby="{esc(chart_id)} {esc(chart_id)}-desc" '
        f'width="{width}" height="{CHART_HEIGHT}" viewBox="0 0 {width} {CHART_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<desc id="{esc(chart_id)}-desc">Count of &#8220;{esc(term)}&#8221; per version: '
        f"{esc(summary)}</desc>"
        f'<line x1="8" y1="{16 + plot}" x2="{width - 4}" y2="{16 + plot}" class="baseline"/>'
        f"{''.join(bars)}</svg></figure>"
    )


class _Report(Markup):
    """The report's redline: <del> and <ins> hold the words, the spaces stay outside, and a
    hidden "removed: " or "added: " tells a screen reader which is which."""

    def text(self, text: str) -> str:
        return esc(text)

    def _mark(self, tag: str, label: str, text: str) -> str:
        lead, words, trail = edges(text)
        hidden = f'<span class="sr-only">{label}</span>'
        return f"{esc(lead)}<{tag}>{hidden}{esc(words)}</{tag}>{esc(trail)}"

    def removed(self, text: str) -> str:
        return self._mark("del", "removed: ", text)

    def added(self, text: str) -> str:
        return self._mark("ins", "added: ", text)

    def whole(self, runs: Sequence[Run]) -> str:
        # the visible label says it once; no hidden "removed: " inside the <del> as well
        tag, text = runs[0]
        element = "del" if tag == REMOVED else "ins"
        return f"<{element}>{esc(text)}</{element}>"

    def row(self, label: str, body: str) -> str:
        return f"<p><strong>{label}:</strong> {body}</p>" if label else f"<p>{body}</p>"


def redline(change: Change) -> str:
    """Return a change's old and new wording sentence by sentence, as the alert email shows it:
    a small edit marked with <del> and <ins> inside its sentence, a rewritten one whole."""
    out = _Report().render(change.old_sentences, change.new_sentences)
    return f'<div class="redline">{"".join(out)}</div>' if out else ""


def change_block(change: Change, heading_level: int = 4) -> str:
    """Return one change: its section, kind, topics and redline."""
    where = " › ".join(change.heading_path)
    title = f"Section {change.section_key}" + (f": {where}" if where else "")
    facts = [f"<dt>Kind</dt><dd>{esc(change.kind.replace('-', ' '))}</dd>"]
    topics = ", ".join(change.topics) or "none"
    facts.append(f"<dt>Topics</dt><dd>{esc(topics)}</dd>")
    if change.terms:
        facts.append(f"<dt>Terms</dt><dd>{esc(', '.join(change.terms))}</dd>")
    if change.polarity_flip:
        facts.append(
            "<dt>Note</dt><dd>a sentence turned from &ldquo;do&rdquo; to "
            "&ldquo;do not&rdquo; (or back)</dd>"
        )
    if change.old_section_key and change.old_section_key != change.section_key:
        facts.append(f"<dt>Was section</dt><dd>{esc(change.old_section_key)}</dd>")
    facts.append(f"<dt>Significance</dt><dd>{change.significance}</dd>")
    on_topic = " on-topic" if change.topics else ""
    line = f'<p class="statement">{esc(statement_of(change))}</p>'
    return (
        f'<article class="change{on_topic}"><h{heading_level}>{esc(title)}</h{heading_level}>'
        f'{line}<dl class="facts">{"".join(facts)}</dl>{redline(change)}</article>'
    )

"""The report's bar chart: one term's count per version as inline SVG, with a text summary.

Built here rather than in a template because it is mostly arithmetic; every piece of text it
embeds (term, labels, dates, the id) goes through `esc`, and the result is marked safe so the
page template embeds it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from alerts.templating import esc

BAR_WIDTH = 28
CHART_HEIGHT = 120


def bar_chart(
    chart_id: str, term: str, labels: Sequence[str], dates: Sequence[str], counts: Sequence[int]
) -> Markup:
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
            f"<g><title>{esc(label)} ({esc(when)}): {int(count)}</title>"
            f'<rect x="{x}" y="{y}" width="{BAR_WIDTH}" height="{max(height, 1)}" class="bar"/>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{y - 3}" class="count">{int(count)}</text>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{CHART_HEIGHT - 6}" class="axis">{esc(label)}</text>'
            "</g>"
        )
    summary = ", ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    name = esc(chart_id)
    return Markup(
        f'<figure class="chart"><figcaption id="{name}">{esc(term)}</figcaption>'
        f'<svg role="img" aria-labelledby="{name} {name}-desc" '
        f'width="{width}" height="{CHART_HEIGHT}" viewBox="0 0 {width} {CHART_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<desc id="{name}-desc">Count of &#8220;{esc(term)}&#8221; per version: '
        f"{esc(summary)}</desc>"
        f'<line x1="8" y1="{16 + plot}" x2="{width - 4}" y2="{16 + plot}" class="baseline"/>'
        f"{''.join(bars)}</svg></figure>"
    )

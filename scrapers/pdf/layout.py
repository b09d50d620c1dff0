"""Page layout: running headers and footers, figures and their labels, reading order."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from statistics import median

from scrapers.pdf.read import Box, Line, Page
from scrapers.text import normalise_block

# A running header or footer sits in this share of the page height at the top or bottom.
BAND = 0.12
_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|[ivx]{1,5}",
    re.IGNORECASE,
)
# A label in a figure is short; a region whose text is mostly long lines is a text box.
LABEL_WORDS = 6


def _band_key(line: Line) -> str:
    return re.sub(r"\d+", "#", normalise_block(line.text).lower())


def _in_band(line: Line) -> bool:
    return line.bottom > line.page_height * (1 - BAND) or line.top < line.page_height * BAND


def drop_running_lines(pages: list[list[Line]], body_size: float) -> list[list[Line]]:
    """Remove page numbers and lines repeated (digits aside) at the top or bottom of most pages.

    In a short document a heading that happens to open every page is not a running header:
    there only lines no bigger than the body text count.
    """
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_band_key(line) for line in lines if _in_band(line)})
    needed = max(2, math.ceil(0.5 * len(pages)))

    def running(line: Line) -> bool:
        if not _in_band(line):
            return False
        if _PAGE_NUMBER.fullmatch(normalise_block(line.text)):
            return True
        repeated = len(pages) > 1 and seen[_band_key(line)] >= needed
        return repeated and (len(pages) >= 4 or line.size <= body_size)

    return [[line for line in lines if not running(line)] for lines in pages]


# Figures


def _near(a: Box, b: Box, margin: float) -> bool:
    return (
        a[0] - margin <= b[2] and b[0] - margin <= a[2]
        and a[1] - margin <= b[3] and b[1] - margin <= a[3]
    )  # fmt: skip


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def graphic_regions(page: Page, margin: float) -> list[Box]:
    """Clusters of drawn paths and images, merged when within `margin` of each other.

    Page-sized backgrounds and hairline rules on their own are not regions.
    """
    area = page.width * page.height
    boxes = [
        box
        for box in page.graphics
        if (box[2] - box[0]) * (box[3] - box[1]) < 0.6 * area
        and max(box[2] - box[0], box[3] - box[1]) >= 2.0
    ]
    regions: list[Box] = []
    for box in sorted(boxes, key=lambda b: (-b[3], b[0])):
        merged = box
        keep: list[Box] = []
        for region in regions:
            if _near(region, merged, margin):
                merged = _union(region, merged)
            else:
                keep.append(region)
        regions = [*keep, merged]
    # A merge can bring two earlier regions within reach of each other: merge again.
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(regions):
            for j in range(i + 1, len(regions)):
                if _near(a, regions[j], margin):
                    regions[i] = _union(a, regions.pop(j))
                    changed = True
                    break
            if changed:
                break
    return [r for r in regions if (r[2] - r[0]) > 3 * margin and (r[3] - r[1]) > 2 * margin]


def _inside(line: Line, region: Box, margin: float) -> bool:
    """True when the line's box lies within the region widened by `margin`."""
    return (
        line.x0 >= region[0] - margin and line.x1 <= region[2] + margin
        and line.bottom >= region[1] - margin and line.top <= region[3] + margin
    )  # fmt: skip


def _beside(line: Line, region: Box, margin: float) -> bool:
    """True when the line sits next to the region, level with it: a label beside a picture."""
    middle = (line.top + line.bottom) / 2
    if not region[1] <= middle <= region[3]:
        return False
    return region[0] - margin <= line.x1 and line.x0 <= region[2] + margin


def mark_figures(page: Page, body_size: float) -> list[Box]:
    """Mark the lines that are labels of a figure: short lines in a region of drawn paths
    or images (or beside it, when set apart from the body text by size or weight), where
    the region's text is mostly such labels. Returns the figure regions."""
    margin = 1.5 * body_size
    figures: list[Box] = []
    for region in graphic_regions(page, margin):
        inside = [line for line in page.lines if _inside(line, region, margin)]
        set_apart = [
            line
            for line in page.lines
            if line not in inside
            and _beside(line, region, 2 * margin)
            and (line.bold or line.size >= body_size + 0.5)
            and len(line.text.split()) <= LABEL_WORDS
        ]
        # An icon beside a heading is no figure: labels beside a picture come in a group,
        # next to a picture several lines tall.
        if len(set_apart) < 2 or region[3] - region[1] < 4 * body_size:
            set_apart = []
        labels = [line for line in inside if len(line.text.split()) <= LABEL_WORDS]
        if not labels and not set_apart or len(labels) < 0.7 * len(inside):
            continue
        labels += set_apart
        has_image = any(_near(region, image, 0) for image in page.images)
        # Lines stacked on one left edge in a box or on a band are a styled heading or a
        # callout, not a figure: a chart's labels are scattered.
        scattered = len({round(line.x0 / 5) for line in labels}) >= 2
        if not has_image and (len(labels) < 3 or not scattered):
            continue
        for line in labels:
            line.figure = len(figures)
        figures.append(region)
    return figures


# Reading order


def reading_order(lines: list[Line]) -> list[Line]:
    """Order a page's lines top to bottom, reading side-by-side columns one after the other;
    each figure's labels are read together, top to bottom, where the figure starts."""
    text = [line for line in lines if line.figure < 0]
    ordered = _text_order(text)
    groups: dict[int, list[Line]] = {}
    for line in lines:
        if line.figure >= 0:
            groups.setdefault(line.figure, []).append(line)
    for labels in groups.values():
        labels.sort(key=lambda line: (-round(line.top, 0), line.x0))
        top = labels[0].top
        left, right = min(x.x0 for x in labels), max(x.x1 for x in labels)
        at = next(
            (i for i, line in enumerate(ordered) if line.top <= top and _under(line, left, right)),
            len(ordered),
        )
        ordered[at:at] = labels
    return ordered


def _under(line: Line, left: float, right: float) -> bool:
    """True when a line and the span left..right overlap by a good part of the narrower
    (a line's box can run on past its last word, with trailing spaces)."""
    overlap = min(line.x1, right) - max(line.x0, left)
    return overlap > 0.3 * min(line.x1 - line.x0, right - left)


def _text_order(lines: list[Line]) -> list[Line]:
    ordered = sorted(lines, key=lambda line: (-round(line.base, 0), line.x0))
    gutter = _gutter(ordered)
    if gutter is None:
        return ordered
    result: list[Line] = []
    run: list[Line] = []
    for line in ordered:
        if line.x0 < gutter < line.x1:
            result.extend(_columns(run, gutter))
            run = []
            result.append(line)
        else:
            run.append(line)
    result.extend(_columns(run, gutter))
    return result


def _columns(run: list[Line], gutter: float) -> list[Line]:
    """A run of lines clear of the gutter: left column then right, if the left is a text column."""
    left = [line for line in run if line.x1 <= gutter]
    right = [line for line in run if line.x0 >= gutter]
    if len(left) < 2 or len(right) < 2:
        return run
    # Text columns are wide, close together and filled to near the gutter; a table's
    # first column (names, labels) is narrow and stops short.
    x0, x1 = min(line.x0 for line in left), max(line.x1 for line in left)
    right_x0, right_x1 = min(line.x0 for line in right), max(line.x1 for line in right)
    narrow = min(x1 - x0, right_x1 - right_x0)
    if narrow < 0.25 * run[0].page_width or right_x0 - x1 > 0.5 * narrow:
        return run
    if median(line.x1 for line in left) < x1 - 0.2 * (x1 - x0):
        return run
    return left + right


def _gutter(lines: list[Line]) -> float | None:
    """The x that most lines keep clear of, with text on both sides; None for one column."""
    if len(lines) < 4:
        return None
    width = lines[0].page_width
    rights = sorted(line.x1 for line in lines)
    lefts = sorted(line.x0 for line in lines)
    low, high = width * 0.25, width * 0.75
    # The counts only change at a line's edge: one x per stretch between edges will do,
    # the one nearest the middle of the page.
    edges = sorted({low, high, *(x for x in rights + lefts if low < x < high)})
    best: tuple[int, int, float, float] | None = None
    for start, end in zip(edges, edges[1:], strict=False):
        x = min(max(width / 2, start + 0.01), end - 0.01) if end - start > 0.02 else start
        left = bisect_right(rights, x)
        right = len(lefts) - bisect_left(lefts, x)
        crossing = len(lines) - left - right
        # Columns need more lines beside each other than lines across them.
        if min(left, right) < 2 or crossing >= min(left, right):
            continue
        score = (crossing, -min(left, right), abs(x - width / 2), x)
        if best is None or score < best:
            best = score
    return None if best is None else best[3]


def merge_rows(lines: list[Line]) -> list[Line]:
    """Join consecutive pieces of one baseline (table cells, tab stops) into one line."""
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        same_row = (
            last is not None
            and last.page == line.page
            and last.figure < 0
            and line.figure < 0
            and abs(last.base - line.base) <= 0.3 * max(last.size, line.size)
            and line.x0 >= last.x1
        )
        if last is None or not same_row:
            merged.append(line)
            continue
        merged[-1] = Line(
            page=last.page,
            text=f"{last.text} {line.text}",
            x0=last.x0,
            x1=line.x1,
            top=max(last.top, line.top),
            bottom=min(last.bottom, line.bottom),
            base=last.base,
            size=last.size if len(last.text) >= len(line.text) else line.size,
            bold=last.bold and line.bold,
            page_width=last.page_width,
            page_height=last.page_height,
            font=last.font if len(last.text) >= len(line.text) else line.font,
            figure=last.figure,
        )
    return merged

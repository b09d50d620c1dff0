"""Split section text into sentences, and sentences into words, for diffing."""

from __future__ import annotations

import re
from typing import NamedTuple

from scrapers.text import SENTENCE_CLOSERS, SENTENCE_END

# Abbreviations whose full stop never ends a sentence, even before a capital.
ABBREVIATIONS = frozenset(
    {
        "e.g.", "i.e.", "eg.", "ie.", "cf.", "vs.", "viz.", "dr.", "mr.", "mrs.", "ms.",
        "prof.", "st.", "no.", "nos.", "fig.", "figs.", "approx.", "al.", "ref.", "refs.",
        "vol.", "p.", "pp.", "ch.", "sec.", "ed.", "eds.", "jan.", "feb.", "mar.", "apr.",
        "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec.",
    }
)  # fmt: skip
_LIST_MARKER = re.compile(r"^(?:[-*\u2022\u25aa\u25cf\u2013\u2014\u00b7o]|\d+[.)]|[a-z][.)])\s+")
_BARE_MARKER = re.compile(r"^(?:\d+(?:\.\d+)*|[a-zA-Z]|[ivxlc]+)[.)]$")
_BULLET = re.compile(r"^[-*\u2022\u25aa\u25cf\u2013\u2014\u00b7]\s+")
# A candidate boundary: terminal punctuation, optional closing quote/bracket, whitespace,
# then something that can start a sentence.
_BOUNDARY = re.compile(
    rf"({SENTENCE_END})({SENTENCE_CLOSERS})\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u00de])"
)
_INITIALS = re.compile(r"(?:^|[\s(/])(?:[A-Za-z]\.){2,}$")
_WORD = re.compile(r"\w+(?:[-'\u2019/.]\w+)*")


def _lines(text: str) -> list[str]:
    """Join wrapped lines into paragraphs; keep list items and blank-line breaks apart."""
    blocks: list[str] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        starts_item = bool(_LIST_MARKER.match(line))
        ends_before = bool(current) and current[-1].endswith((".", "!", "?", ":", ";"))
        # a list item's wrapped continuation starts in lower case; a capital starts a new block
        after_item = bool(current) and bool(_LIST_MARKER.match(current[0])) and line[0].isupper()
        if current and (starts_item or ends_before or after_item):
            blocks.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        blocks.append(" ".join(current))
    return blocks


def _ends_with_abbreviation(chunk: str) -> bool:
    """Whether a chunk ends in an abbreviation or initials ("e.g.", "Dr.", "M.E.")."""
    last = chunk.rsplit(None, 1)[-1].lower().lstrip("([\"'")
    return last in ABBREVIATIONS or bool(_INITIALS.search(chunk))


def _split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph at sentence boundaries."""
    out: list[str] = []
    start = 0
    for found in _BOUNDARY.finditer(paragraph):
        end = found.end(2)
        chunk = paragraph[start:end]
        if found.group(1) == "." and not found.group(2) and _ends_with_abbreviation(chunk):
            continue
        if _BARE_MARKER.match(chunk.strip()):
            continue  # "1." or "a)" numbering a list item stays with its item
        out.append(chunk.strip())
        start = found.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


class Placed(NamedTuple):
    """A sentence and the list it belongs to: a line ending in ":" and the bulleted items after
    it are one list (`group` numbers it from 0); `intro` marks that line's last sentence."""

    text: str
    group: int | None = None
    intro: bool = False


def placed_sentences(text: str) -> list[Placed]:
    """Split text into sentences like `sentences`, each with the list it belongs to."""
    out: list[Placed] = []
    groups = 0
    group: int | None = None  # the list that bulleted items now join
    waiting: int | None = None  # a sentence ending in ":" whose list has not started yet
    for block in _lines(text):
        item = bool(_BULLET.match(block))
        parts = [s for s in _split_paragraph(_BULLET.sub("", block)) if s]
        if item and waiting is not None:
            group, groups = groups, groups + 1
            out[waiting] = out[waiting]._replace(group=group, intro=True)
            waiting = None
        elif not item:
            group = waiting = None
        out.extend(Placed(part, group if item else None) for part in parts)
        if not item and parts and parts[-1].endswith(":"):
            waiting = len(out) - 1
    return out


def sentences(text: str) -> list[str]:
    """Split text into sentences; list items are their own sentences, bullets dropped."""
    return [placed.text for placed in placed_sentences(text)]


def words(sentence: str) -> list[str]:
    """Return the words of a sentence ("ME/CFS", "10-20", "post-exertional" stay whole)."""
    return _WORD.findall(sentence)


def word_count(text: str) -> int:
    """How many words a text has, counted at spaces (as a reader counts a quote's length)."""
    return len(text.split())

"""The redline: old → new wording as kept, struck and added runs of words, sentence by sentence.

One diff for every place that shows a change (the email, the report, the terminal, the run
page in Prefect); each of them adds only its own markup. A replaced phrase reads as one struck
phrase and one added phrase, and a rewritten sentence is struck and added whole, not shown as
confetti. The word lists stored in a Change (compare.diff) are a separate, case-blind count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from compare.sentences import word_count

PAIR_SIMILAR = 0.5  # an old and a new sentence this alike are one sentence edited in place
MAX_PAIRING = 2500  # beyond this many sentence pairs, every sentence is shown whole

KEPT, REMOVED, ADDED = "=", "-", "+"
ROW_LABELS = {REMOVED: "Removed", ADDED: "Added"}  # a sentence struck or added whole

Run = tuple[str, str]  # (KEPT | REMOVED | ADDED, text)

_TOKENS = re.compile(r"\s+|[^\s]+")
_EDGES = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


@dataclass(frozen=True)
class Row:
    """One sentence of a redline: edited in place (both sides and runs), or removed or added."""

    old: str
    new: str
    runs: tuple[Run, ...] = ()

    @property
    def whole(self) -> str:
        """REMOVED or ADDED for a sentence struck or added whole, "" for one edited in place."""
        if self.runs:
            return ""
        return REMOVED if self.old else ADDED

    def shown(self) -> list[Run]:
        """The runs to show: the word runs spaced apart, or the whole sentence as one run."""
        if self.runs:
            return spaced(self.runs)
        return [(REMOVED, self.old)] if self.old else [(ADDED, self.new)]


def _merge_short_equalities(runs: list[Run]) -> list[Run]:
    """Fold a few unchanged words sitting between two bigger changes into those changes.

    "~~should~~ **can** be started ~~only once…~~ **at diagnosis…**" reads as confetti; as
    "~~should be started only once…~~ **can be started at diagnosis…**" it reads as what it
    is, one rewritten phrase. An unchanged stretch is kept when it is longer than the change
    on either side of it (the rule diff-match-patch's semantic clean-up uses, in words).
    """
    # segments: ("=", text) or ("~", removed, added)
    segments: list[tuple[str, ...]] = []
    for tag, text in runs:
        if tag == KEPT:
            segments.append((KEPT, text))
        elif segments and segments[-1][0] == "~":
            _, removed, added = segments[-1]
            segments[-1] = (
                ("~", removed + text, added) if tag == REMOVED else ("~", removed, added + text)
            )
        else:
            segments.append(("~", text, "") if tag == REMOVED else ("~", "", text))
    merged = True
    while merged:
        merged = False
        for index in range(1, len(segments) - 1):
            left, same, right = segments[index - 1], segments[index], segments[index + 1]
            if same[0] != KEPT or left[0] != "~" or right[0] != "~":
                continue
            words = word_count(same[1])
            if words > max(word_count(left[1]), word_count(left[2])):
                continue
            if words > max(word_count(right[1]), word_count(right[2])):
                continue
            joined = ("~", left[1] + same[1] + right[1], left[2] + same[1] + right[2])
            segments[index - 1 : index + 2] = [joined]
            merged = True
            break
    out: list[Run] = []
    for segment in segments:
        if segment[0] == KEPT:
            out.append((KEPT, segment[1]))
            continue
        if segment[1]:
            out.append((REMOVED, segment[1]))
        if segment[2]:
            out.append((ADDED, segment[2]))
    return out


def word_diff(old: str, new: str) -> list[Run]:
    """Split old → new into ("=", text), ("-", removed), ("+", added) runs, word by word.

    Spaces between two changed words join them, and a few unchanged words between two
    larger changes are folded into them, so a replaced phrase reads as one struck phrase
    and one added phrase, not as alternating single words. The runs rebuild both texts.
    """
    a = _TOKENS.findall(old)
    b = _TOKENS.findall(new)
    runs: list[Run] = []
    removed, added = "", ""

    def flush() -> None:
        nonlocal removed, added
        if removed:
            runs.append((REMOVED, removed))
        if added:
            runs.append((ADDED, added))
        removed, added = "", ""

    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = "".join(a[i1:i2])
            if (removed or added) and not same.strip() and index < len(opcodes) - 1:
                removed, added = removed + same, added + same
                continue
            flush()
            runs.append((KEPT, same))
            continue
        removed += "".join(a[i1:i2])
        added += "".join(b[j1:j2])
    flush()
    return _merge_short_equalities(runs)


def _similarity(old: str, new: str) -> float:
    return SequenceMatcher(None, old.lower().split(), new.lower().split(), autojunk=False).ratio()


def rows(old: Sequence[str], new: Sequence[str]) -> list[Row]:
    """Pair changed sentences in order: alike ones become one row edited word by word, the
    rest are rows removed or added whole (a rewritten sentence is not shown as confetti)."""
    n, m = len(old), len(new)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    pair = [[0.0] * m for _ in range(n)]
    if n * m <= MAX_PAIRING:
        for i in range(n):
            for j in range(m):
                pair[i][j] = _similarity(old[i], new[j])
    # the best total likeness of an in-order pairing (a small alignment, like diff's LCS)
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if pair[i][j] >= PAIR_SIMILAR:
                best = max(best, score[i + 1][j + 1] + pair[i][j])
            score[i][j] = best
    out: list[Row] = []
    removed: list[Row] = []
    added: list[Row] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and pair[i][j] >= PAIR_SIMILAR:
            if score[i][j] == score[i + 1][j + 1] + pair[i][j]:
                out += removed + added
                removed, added = [], []
                out.append(Row(old[i], new[j], tuple(word_diff(old[i], new[j]))))
                i, j = i + 1, j + 1
                continue
        if i < n and (j >= m or score[i][j] == score[i + 1][j]):
            removed.append(Row(old[i], ""))
            i += 1
        else:
            added.append(Row("", new[j]))
            j += 1
    return out + removed + added


def spaced(runs: Sequence[Run]) -> list[Run]:
    """The runs for display: a struck run directly followed by an added one gets a space
    between them, so "should" struck and "can" added never read "shouldcan"."""
    out: list[Run] = []
    for tag, text in runs:
        if tag == ADDED and out and out[-1][0] == REMOVED:
            if not out[-1][1][-1:].isspace() and not text[:1].isspace():
                out.append((KEPT, " "))
        out.append((tag, text))
    return out


def edges(text: str) -> tuple[str, str, str]:
    """Split a run into its leading spaces, its words and its trailing spaces, for markup
    that must sit tight around the words (markdown's ~~ and **)."""
    found = _EDGES.match(text)
    assert found is not None  # the pattern matches any text
    return found.group(1), found.group(2), found.group(3)


Line = tuple[str, list[Run]]  # a row's label ("Removed", "Added", or "" when edited) and runs


def lines(old: Sequence[str], new: Sequence[str]) -> list[Line]:
    """The redline's rows as shown, each with its label and its runs: the one row loop that
    the email, the report, the Prefect run page and the terminal all mark up."""
    return [(ROW_LABELS.get(row.whole, ""), row.shown()) for row in rows(old, new)]


class Markup:
    """One place's markup for a redline; a subclass overrides only what it marks."""

    def text(self, text: str) -> str:
        """Page text as this output needs it (escaped for HTML or markdown)."""
        return text

    def removed(self, text: str) -> str:
        """A removed run."""
        return self.text(text)

    def added(self, text: str) -> str:
        """An added run."""
        return self.text(text)

    def runs(self, runs: Sequence[Run]) -> str:
        """A row's runs, each marked as kept, removed or added."""
        marks = {REMOVED: self.removed, ADDED: self.added}
        return "".join(marks.get(tag, self.text)(text) for tag, text in runs)

    def whole(self, runs: Sequence[Run]) -> str:
        """A sentence removed or added whole (its label is shown by `row`)."""
        return self.runs(runs)

    def row(self, label: str, body: str) -> str:
        """One row from its label ("" for a sentence edited in place) and its marked body."""
        return f"{label}: {body}" if label else body

    def render(self, old: Sequence[str], new: Sequence[str]) -> list[str]:
        """Every row of the redline of old → new sentences, marked up."""
        return [
            self.row(label, self.whole(runs) if label else self.runs(runs))
            for label, runs in lines(old, new)
        ]

"""Pair the sections of two versions and diff each pair by sentence (no topics yet).

Sections pair by key and text, then text alone, then key: when NICE inserts a
recommendation, the ones after it keep their wording under new numbers, and cross-references
that follow the renumbering ("see recommendation 1.11.15") are read with the old numbers
mapped to the new ones, so that they are not changes. Sentences removed in one section and
added in another are moves: unchanged ones cancel out, edited ones are kept as a move.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from compare.noise import canonical
from compare.sentences import placed_sentences, word_count
from scrapers.model import Section

SIMILAR = 0.6  # unmatched sections at least this alike are one section under a new key
SAME_NUMBER = 0.1  # how much a recommendation's own number adds to its likeness
MAX_GAP_PAIRS = 2500  # beyond this many pairs in one gap, only shared sentences pair sections
MOVE_SIMILAR = 0.6  # a sentence removed here and one added there this alike is one, moved
MOVE_MIN_WORDS = 5  # shorter sentences are too common to call a move
IN_PLACE = 0.5  # a sentence with one this alike in its own section was edited there
MAX_MOVE_PAIRS = 10000  # beyond this many (removed, added) pairs, edited moves are not looked for
NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)+|box-\d+)$", re.IGNORECASE)
_REFERENCE = re.compile(r"(?<![\d.])\d+(?:\.\d+)+(?![\d]|\.\d)|\b[Bb]ox \d+\b")


@dataclass
class Prepared:
    """A section with its sentences in original and canonical form, and the list of each."""

    section: Section
    original: list[str]
    canon: list[str]
    heading: str
    heading_canon: str
    key_canon: str
    group: list[int | None] = field(default_factory=list)  # the list a sentence belongs to
    intro: list[bool] = field(default_factory=list)  # whether it introduces that list
    members: dict[int, list[int]] = field(default_factory=dict)  # a list's sentences, in order

    @property
    def full_text(self) -> str:
        """The section's own heading and its text, where its terms are counted."""
        return f"{self.heading}\n{self.section.text}"

    def intro_of(self, index: int) -> int | None:
        """The sentence introducing the list this list item hangs from, if any."""
        group = self.group[index]
        if group is None or self.intro[index]:
            return None
        first = self.members[group][0]
        return first if self.intro[first] else None

    def unit(self, index: int) -> list[int]:
        """The sentences read as one with this one: a list's introduction with all its items,
        an item with its introduction ("Do not offer people with ME/CFS:" + "- GET")."""
        group = self.group[index]
        if group is None:
            return [index]
        if self.intro[index]:
            return list(self.members[group])
        intro = self.intro_of(index)
        return [index] if intro is None else [intro, index]


@dataclass
class Delta:
    """What changed in one pair of sections, before topics are looked at."""

    old: Prepared | None
    new: Prepared | None
    # (canonical, original, index in its section) of each sentence removed or added
    removed: list[tuple[str, str, int]] = field(default_factory=list)
    added: list[tuple[str, str, int]] = field(default_factory=list)
    blocks: list[tuple[range, range]] = field(default_factory=list)  # replaced old -> new
    unchanged: list[str] = field(default_factory=list)  # original wording, in new order
    heading_changed: bool = False
    # sentences that came here from another section, edited on the way:
    # (original wording there, that section's heading path, its key)
    moved_in: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)


def prepare(section: Section, ignore: Sequence[str]) -> Prepared:
    """Split a section into sentences, keeping those that are not all noise."""
    heading = section.heading_path[-1] if section.heading_path else ""
    prepared = Prepared(
        section=section,
        original=[],
        canon=[],
        heading=heading,
        heading_canon=canonical(heading, ignore),
        key_canon=canonical(section.key, ignore),
    )
    for placed in placed_sentences(section.text):
        form = canonical(placed.text, ignore)
        if form:
            prepared.original.append(placed.text)
            prepared.canon.append(form)
            if placed.group is not None:
                prepared.members.setdefault(placed.group, []).append(len(prepared.group))
            prepared.group.append(placed.group)
            prepared.intro.append(placed.intro)
    return prepared


def _similarity(a: Prepared, b: Prepared) -> float:
    """How alike two sections' texts are (0-1): shared sentences, else shared words in order."""
    if not a.canon or not b.canon:
        return 0.0
    shared = sum((Counter(a.canon) & Counter(b.canon)).values())
    by_sentence = 2 * shared / (len(a.canon) + len(b.canon))
    matcher = SequenceMatcher(
        None, " ".join(a.canon).lower().split(), " ".join(b.canon).lower().split(), autojunk=False
    )
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return by_sentence
    return max(by_sentence, matcher.ratio())


def _candidates(
    olds: list[Prepared], news: list[Prepared], pairs: dict[int, int], taken: set[int]
) -> set[tuple[int, int]]:
    """Unpaired (old, new) sections worth scoring: sharing a sentence, or in the same gap
    between paired sections while that gap is small enough to compare every pair."""
    free_new = [j for j in range(len(news)) if j not in taken]
    by_sentence: dict[str, set[int]] = {}
    for j in free_new:
        for sentence in news[j].canon:
            by_sentence.setdefault(sentence, set()).add(j)
    found: set[tuple[int, int]] = set()
    gaps: dict[tuple[int, int], list[int]] = {}
    for i in range(len(olds)):
        if i in pairs:
            continue
        for sentence in olds[i].canon:
            found.update((i, j) for j in by_sentence.get(sentence, ()))
        before = [pairs[k] for k in range(i) if k in pairs]
        after = [pairs[k] for k in range(i + 1, len(olds)) if k in pairs]
        gap = (max(before, default=-1), min(after, default=len(news)))
        gaps.setdefault(gap, []).append(i)
    for (low, high), gap_olds in gaps.items():
        gap_news = [j for j in free_new if low < j < high]
        if len(gap_olds) * len(gap_news) <= MAX_GAP_PAIRS:
            found.update((i, j) for i in gap_olds for j in gap_news)
    return found


def _renumbering(
    olds: list[Prepared], news: list[Prepared], pairs: dict[int, int]
) -> dict[str, str]:
    """Old number -> new number of every numbered section paired under another number."""
    mapping: dict[str, str] = {}
    for i, j in pairs.items():
        old_key, new_key = olds[i].section.key, news[j].section.key
        if old_key != new_key and NUMBERED.match(old_key) and NUMBERED.match(new_key):
            mapping[old_key.lower()] = new_key
    return mapping


def follow_numbers(text: str, mapping: dict[str, str]) -> str:
    """Rewrite the references in text to numbered sections by their new numbers."""

    def renumber(found: re.Match[str]) -> str:
        ref = found.group(0)
        if ref.lower().startswith("box "):
            new = mapping.get("box-" + ref[4:])
            return f"{ref[:4]}{new[4:]}" if new else ref
        return mapping.get(ref, ref)

    return _REFERENCE.sub(renumber, text)


def _pair_alike(
    olds: list[Prepared],
    news: list[Prepared],
    pairs: dict[int, int],
    taken: set[int],
    *,
    numbered: bool = False,
) -> None:
    """Pair the unpaired sections that are most alike (at least SIMILAR), best first; with
    `numbered`, only numbered sections, a section's own number counting for a little."""
    scored = []
    for i, j in sorted(_candidates(olds, news, pairs, taken)):
        old_key, new_key = olds[i].section.key, news[j].section.key
        if numbered and not (NUMBERED.match(old_key) and NUMBERED.match(new_key)):
            continue
        score = _similarity(olds[i], news[j])
        if numbered and old_key == new_key:
            score += SAME_NUMBER
        if score >= SIMILAR:
            scored.append((-score, i, j))
    for _, i, j in sorted(scored):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)


def pair_sections(
    olds: list[Prepared], news: list[Prepared]
) -> tuple[list[tuple[int | None, int | None]], dict[str, str]]:
    """Pair sections: same key and text, same text (references following any renumbering),
    same key, same canonical key, most alike. Also return the renumbering found."""
    pairs: dict[int, int] = {}  # old index -> new index
    taken: set[int] = set()

    def match_on(key_of_old: list[str], key_of_new: list[str]) -> None:
        waiting: dict[str, list[int]] = {}
        for j, key in enumerate(key_of_new):
            if j not in taken and key:
                waiting.setdefault(key, []).append(j)
        for i, key in enumerate(key_of_old):
            if i not in pairs and waiting.get(key):
                j = waiting[key].pop(0)
                pairs[i] = j
                taken.add(j)

    new_text = ["\n".join(n.canon) for n in news]
    old_text = ["\n".join(o.canon) for o in olds]
    # text first: when recommendations are renumbered, the wording follows its new number
    match_on(
        [f"{o.section.key}\0{t}" for o, t in zip(olds, old_text, strict=True)],
        [f"{n.section.key}\0{t}" for n, t in zip(news, new_text, strict=True)],
    )
    match_on(old_text, new_text)
    mapping: dict[str, str] = {}
    as_written = [list(o.canon) for o in olds]

    def follow() -> None:
        """Read references with the renumbering found so far; pair what then reads the same."""
        nonlocal mapping
        for _ in range(3):  # a reference to a renumbered section can reveal another renumbering
            found = _renumbering(olds, news, pairs)
            if found == mapping:
                return
            mapping = found
            for old, written in zip(olds, as_written, strict=True):
                old.canon = [follow_numbers(sentence, mapping) for sentence in written]
            match_on(["\n".join(o.canon) for o in olds], new_text)

    follow()
    # a recommendation edited and renumbered at once: wording before number (its own number
    # breaks near-ties), so an inserted recommendation never takes an edited one's place
    _pair_alike(olds, news, pairs, taken, numbered=True)
    follow()
    match_on([o.section.key for o in olds], [n.section.key for n in news])
    match_on([o.key_canon for o in olds], [n.key_canon for n in news])
    _pair_alike(olds, news, pairs, taken)
    follow()
    result: list[tuple[int | None, int | None]] = [(i, j) for i, j in pairs.items()]
    result += [(i, None) for i in range(len(olds)) if i not in pairs]
    result += [(None, j) for j in range(len(news)) if j not in taken]
    return result, _renumbering(olds, news, pairs)


def delta_of(old: Prepared | None, new: Prepared | None) -> Delta:
    """Diff one pair of sections by canonical sentence."""
    delta = Delta(old, new)
    if old is None and new is not None:
        delta.added = list(zip(new.canon, new.original, range(len(new.canon)), strict=True))
        return delta
    if new is None and old is not None:
        delta.removed = list(zip(old.canon, old.original, range(len(old.canon)), strict=True))
        return delta
    assert old is not None and new is not None
    delta.heading_changed = old.heading_canon != new.heading_canon
    matcher = SequenceMatcher(None, old.canon, new.canon, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        # the same words cut into sentences differently ("for M.E. Pacing" / "for ME. Pacing")
        same = " ".join(old.canon[i1:i2]) == " ".join(new.canon[j1:j2])
        if tag == "equal" or same:
            delta.unchanged.extend(new.original[j1:j2])
            continue
        delta.removed.extend(zip(old.canon[i1:i2], old.original[i1:i2], range(i1, i2), strict=True))
        delta.added.extend(zip(new.canon[j1:j2], new.original[j1:j2], range(j1, j2), strict=True))
        if tag == "replace":
            delta.blocks.append((range(i1, i2), range(j1, j2)))
    return delta


def cancel_moves(deltas: list[Delta]) -> None:
    """Drop sentences removed in one place and added in another: moved text is no change."""
    moved = Counter(c for d in deltas for c, _, _ in d.removed) & Counter(
        c for d in deltas for c, _, _ in d.added
    )
    for side in ("removed", "added"):
        left = Counter(moved)
        for delta in deltas:
            kept = []
            for canon, original, index in getattr(delta, side):
                if left[canon] > 0:
                    left[canon] -= 1
                else:
                    kept.append((canon, original, index))
            setattr(delta, side, kept)


def _alike(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


def match_edited_moves(deltas: list[Delta]) -> None:
    """A sentence removed from one section and a like one added to another moved and was
    edited on the way: drop it from the first and note it on the second (`moved_in`)."""

    def at_home(canon: str, others: list[tuple[str, str, int]]) -> bool:
        """Whether a sentence has a like one on the other side of its own section (an edit in
        place, not a move)."""
        return any(_alike(canon, other) >= IN_PLACE for other, _, _ in others)

    removed = [
        (d, k, canon)
        for d in deltas
        if d.old is not None
        for k, (canon, _, _) in enumerate(d.removed)
        if word_count(canon) >= MOVE_MIN_WORDS and not at_home(canon, d.added)
    ]
    added = [
        (d, canon)
        for d in deltas
        if d.new is not None
        for canon, _, _ in d.added
        if word_count(canon) >= MOVE_MIN_WORDS and not at_home(canon, d.removed)
    ]
    if not removed or not added or len(removed) * len(added) > MAX_MOVE_PAIRS:
        return
    scored = []
    for r, (source, _, old) in enumerate(removed):
        for a, (target, new) in enumerate(added):
            if source is target or source.old is target.old:
                continue
            score = _alike(old, new)
            if score >= MOVE_SIMILAR:
                scored.append((-score, r, a))
    used_r: set[int] = set()
    used_a: set[int] = set()
    dropped: dict[int, set[int]] = {}
    for _, r, a in sorted(scored):
        if r in used_r or a in used_a:
            continue
        used_r.add(r)
        used_a.add(a)
        source, k, _ = removed[r]
        target = added[a][0]
        assert source.old is not None
        original = source.removed[k][1]
        target.moved_in.append((original, source.old.section.heading_path, source.old.section.key))
        dropped.setdefault(id(source), set()).add(k)
    for delta in deltas:
        gone = dropped.get(id(delta))
        if gone:
            delta.removed = [item for k, item in enumerate(delta.removed) if k not in gone]

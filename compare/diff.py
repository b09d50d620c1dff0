"""Compare two versions of a document: sections paired by key, sentences diffed, topics tagged."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from compare.model import SIGNIFICANCE, Change, Topic
from compare.noise import canonical
from compare.sentences import sentences, words
from compare.topics import count_terms, find_terms
from scrapers.model import Document, Section

SIMILAR = 0.6  # unmatched sections at least this alike are one section under a new key
MAX_GAP_PAIRS = 2500  # beyond this many pairs in one gap, only shared sentences pair sections
_NEGATION = re.compile(r"(?i)\b(?:not|no|never|nor|none|cannot|without)\b|n't\b")


@dataclass
class _Prepared:
    """A section with its sentences in original and canonical form."""

    section: Section
    original: list[str]
    canon: list[str]
    heading: str
    heading_canon: str
    key_canon: str

    @property
    def full_text(self) -> str:
        """The section's own heading and its text, where its terms are counted."""
        return f"{self.heading}\n{self.section.text}"


@dataclass
class _Delta:
    """What changed in one pair of sections, before topics are looked at."""

    old: _Prepared | None
    new: _Prepared | None
    removed: list[tuple[str, str]] = field(default_factory=list)  # (canonical, original)
    added: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[tuple[list[str], list[str]]] = field(default_factory=list)  # replaced canon
    unchanged: list[str] = field(default_factory=list)  # original wording, in new order
    heading_changed: bool = False


def _prepare(section: Section, ignore: Sequence[str]) -> _Prepared:
    """Split a section into sentences, keeping those that are not all noise."""
    original: list[str] = []
    canon: list[str] = []
    for sentence in sentences(section.text):
        form = canonical(sentence, ignore)
        if form:
            original.append(sentence)
            canon.append(form)
    heading = section.heading_path[-1] if section.heading_path else ""
    return _Prepared(
        section=section,
        original=original,
        canon=canon,
        heading=heading,
        heading_canon=canonical(heading, ignore),
        key_canon=canonical(section.key, ignore),
    )


def _similarity(a: _Prepared, b: _Prepared) -> float:
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
    olds: list[_Prepared], news: list[_Prepared], pairs: dict[int, int], taken: set[int]
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


def _pair(olds: list[_Prepared], news: list[_Prepared]) -> list[tuple[int | None, int | None]]:
    """Pair sections: same key and text, same text, same key, same canonical key, most alike."""
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

    old_text = ["\n".join(o.canon) for o in olds]
    new_text = ["\n".join(n.canon) for n in news]
    # text first: when recommendations are renumbered, the wording follows its new number
    match_on(
        [f"{o.section.key}\0{t}" for o, t in zip(olds, old_text, strict=True)],
        [f"{n.section.key}\0{t}" for n, t in zip(news, new_text, strict=True)],
    )
    match_on(old_text, new_text)
    match_on([o.section.key for o in olds], [n.section.key for n in news])
    match_on([o.key_canon for o in olds], [n.key_canon for n in news])
    scored = []
    for i, j in sorted(_candidates(olds, news, pairs, taken)):
        score = _similarity(olds[i], news[j])
        if score >= SIMILAR:
            scored.append((-score, i, j))
    for _, i, j in sorted(scored):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    result: list[tuple[int | None, int | None]] = [(i, j) for i, j in pairs.items()]
    result += [(i, None) for i in range(len(olds)) if i not in pairs]
    result += [(None, j) for j in range(len(news)) if j not in taken]
    return result


def _delta(old: _Prepared | None, new: _Prepared | None) -> _Delta:
    """Diff one pair of sections by canonical sentence."""
    delta = _Delta(old, new)
    if old is None and new is not None:
        delta.added = list(zip(new.canon, new.original, strict=True))
        return delta
    if new is None and old is not None:
        delta.removed = list(zip(old.canon, old.original, strict=True))
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
        delta.removed.extend(zip(old.canon[i1:i2], old.original[i1:i2], strict=True))
        delta.added.extend(zip(new.canon[j1:j2], new.original[j1:j2], strict=True))
        if tag == "replace":
            delta.blocks.append((old.canon[i1:i2], new.canon[j1:j2]))
    return delta


def _cancel_moves(deltas: list[_Delta]) -> None:
    """Drop sentences removed in one place and added in another: moved text is no change."""
    moved = Counter(c for d in deltas for c, _ in d.removed) & Counter(
        c for d in deltas for c, _ in d.added
    )
    for side in ("removed", "added"):
        left = Counter(moved)
        for delta in deltas:
            kept = []
            for canon, original in getattr(delta, side):
                if left[canon] > 0:
                    left[canon] -= 1
                else:
                    kept.append((canon, original))
            setattr(delta, side, kept)


def _word_diff(old: Sequence[str], new: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return the words removed and added between two runs of sentences (case ignored)."""
    old_words = [w for s in old for w in words(s)]
    new_words = [w for s in new for w in words(s)]
    matcher = SequenceMatcher(
        None,
        [canonical(w).lower() for w in old_words],
        [canonical(w).lower() for w in new_words],
        autojunk=False,
    )
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(old_words[i1:i2])
            added.extend(new_words[j1:j2])
    return removed, added


def _negated(sentence: str) -> bool:
    """Whether a sentence carries a negation ("not", "no", "never", "don't")."""
    return bool(_NEGATION.search(sentence))


def _flips(delta: _Delta, topics: Sequence[Topic]) -> tuple[bool, set[str]]:
    """Find replaced sentences whose negation flipped; return (any flip, terms they kept)."""
    still_removed = {c for c, _ in delta.removed}
    still_added = {c for c, _ in delta.added}
    flipped = False
    kept: set[str] = set()
    for olds, news in delta.blocks:
        for old in (s for s in olds if s in still_removed):
            best, best_score = None, 0.5
            for new in (s for s in news if s in still_added):
                score = SequenceMatcher(
                    None, old.lower().split(), new.lower().split(), autojunk=False
                ).ratio()
                if score >= best_score:
                    best, best_score = new, score
            if best is None or _negated(old) == _negated(best):
                continue
            flipped = True
            old_terms = {h.term for h in find_terms(old, topics)}
            kept |= old_terms & {h.term for h in find_terms(best, topics)}
    return flipped, kept


def _wording(delta: _Delta) -> tuple[str, list[str], list[str]] | None:
    """Return (kind, old sentences, new sentences) of a delta, or None when nothing changed."""
    old, new = delta.old, delta.new
    removed = [o for _, o in delta.removed]
    added = [o for _, o in delta.added]
    if old is not None and new is not None:
        key_moved = old.key_canon != new.key_canon
        if not removed and not added and not delta.heading_changed and not key_moved:
            return None
        kind = "modified" if removed or added else "renamed"
        if delta.heading_changed:
            removed[:0] = [old.heading] if old.heading_canon else []
            added[:0] = [new.heading] if new.heading_canon else []
        return kind, removed, added
    if new is not None:
        if not added and (new.original or not new.heading_canon):
            return None  # all its text moved here from elsewhere
        return "added", [], added or [new.heading]
    if old is not None:
        if not removed and (old.original or not old.heading_canon):
            return None
        return "removed", removed or [old.heading], []
    return None  # pragma: no cover - _pair never yields (None, None)


def _renamed_terms(
    delta: _Delta, lost: set[str], topics: Sequence[Topic]
) -> tuple[list[str], list[str]]:
    """Practice terms that vanished from the section and the sentences still carrying them."""
    if delta.new is None or delta.old is None:
        return [], []
    in_new = count_terms(delta.new.full_text, topics)
    practice = {t.name: t for t in topics if not t.removal_is_news}
    vanished = [
        term.name
        for topic in practice.values()
        for term in topic.terms
        if term.name in lost and not in_new.get(term.name)
    ]
    carriers = {
        topic.name for topic in practice.values() if any(t.name in vanished for t in topic.terms)
    }
    surviving = [
        sentence
        for sentence in delta.unchanged
        if any(h.topic in carriers and h.term not in vanished for h in find_terms(sentence, topics))
    ]
    return (vanished, surviving) if vanished and surviving else ([], [])


def _classify(delta: _Delta, topics: Sequence[Topic]) -> Change | None:
    """Turn one section's delta into a Change, or None when nothing is left of it."""
    wording = _wording(delta)
    if wording is None:
        return None
    kind, removed, added = wording
    if kind in ("modified", "renamed"):
        words_removed, words_added = _word_diff(removed, added)
    else:
        words_removed, words_added = [], []
    flipped, kept = _flips(delta, topics)

    before = count_terms("\n".join(removed), topics)
    after = count_terms("\n".join(added), topics)
    seen = set(before) | set(after)
    counted = {t for t in seen if before.get(t, 0) != after.get(t, 0)}
    lost = {t for t in counted if before.get(t, 0) > after.get(t, 0)}
    term_topic = {term.name: topic for topic in topics for term in topic.terms}
    rank = {term.name: i for i, term in enumerate(t for topic in topics for t in topic.terms)}

    reasons = [SIGNIFICANCE[kind]]
    if seen:
        reasons.append(SIGNIFICANCE["term-in-sentence"])
    if counted:
        reasons.append(SIGNIFICANCE["term-count"])
    if any(term_topic[t].removal_is_news for t in lost):
        reasons.append(SIGNIFICANCE["safeguard-lost"])
    if kept:
        reasons.append(SIGNIFICANCE["polarity-flip"])
    vanished, surviving = _renamed_terms(delta, lost, topics) if lost and words_added else ([], [])
    if vanished:
        kind = "term-renamed"
        reasons.append(SIGNIFICANCE["term-renamed"])

    section = (delta.new or delta.old).section  # type: ignore[union-attr]
    # the heading over the changed wording says what it is about ("Neuroplasticity programs …")
    context = set()
    if kind != "renamed":
        context = {h.term for h in find_terms("\n".join(section.heading_path), topics)}
    if context - seen:
        reasons.append(SIGNIFICANCE["term-in-heading"])
    terms = vanished + sorted((seen | kept | context) - set(vanished), key=rank.__getitem__)
    topic_names = {term_topic[t].name for t in terms}
    size = len(words_removed) + len(words_added)
    significance = min(100, max(reasons) + min(5, size // 5))

    old_section = delta.old.section if delta.old is not None and delta.new is not None else None
    return Change(
        section_key=section.key,
        heading_path=section.heading_path,
        kind=kind,
        old_section_key=old_section.key if old_section and old_section.key != section.key else None,
        old_heading_path=(
            old_section.heading_path
            if old_section and old_section.heading_path != section.heading_path
            else None
        ),
        pages=section.pages,
        old_sentences=tuple(removed),
        new_sentences=tuple(added),
        words_removed=tuple(words_removed),
        words_added=tuple(words_added),
        topics=tuple(t.name for t in topics if t.name in topic_names),
        terms=tuple(terms),
        polarity_flip=flipped,
        surviving=tuple(surviving),
        significance=significance,
    )


def compare_documents(
    old: Document, new: Document, *, topics: Sequence[Topic] = (), ignore: Sequence[str] = ()
) -> list[Change]:
    """Return the changes from old to new in the new version's order (removed ones in place)."""
    olds = [_prepare(s, ignore) for s in old.sections]
    news = [_prepare(s, ignore) for s in new.sections]
    pairs = _pair(olds, news)
    new_of_old = {i: j for i, j in pairs if i is not None and j is not None}

    def position(pair: tuple[int | None, int | None]) -> tuple[int, int, int]:
        i, j = pair
        if j is not None:
            return (j, 0, 0)
        assert i is not None
        before = [new_of_old[k] for k in range(i) if k in new_of_old]
        return (max(before, default=-1), 1, i)

    pairs.sort(key=position)
    deltas = [
        _delta(olds[i] if i is not None else None, news[j] if j is not None else None)
        for i, j in pairs
    ]
    _cancel_moves(deltas)
    changes = [_classify(d, topics) for d in deltas]
    return [c for c in changes if c is not None]

"""Compare two versions of a document: sections paired by key, sentences diffed, topics tagged."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from compare.model import SIGNIFICANCE, Change, Topic
from compare.noise import canonical
from compare.running import comparable, on_pages
from compare.sentences import placed_sentences, words
from compare.topics import count_terms, find_terms
from scrapers.model import Document, Section

SIMILAR = 0.6  # unmatched sections at least this alike are one section under a new key
MAX_GAP_PAIRS = 2500  # beyond this many pairs in one gap, only shared sentences pair sections
_NEGATION = re.compile(r"(?i)\b(?:not|no|never|nor|none|cannot|without)\b|n't\b")


@dataclass
class _Prepared:
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
class _Delta:
    """What changed in one pair of sections, before topics are looked at."""

    old: _Prepared | None
    new: _Prepared | None
    # (canonical, original, index in its section) of each sentence removed or added
    removed: list[tuple[str, str, int]] = field(default_factory=list)
    added: list[tuple[str, str, int]] = field(default_factory=list)
    blocks: list[tuple[range, range]] = field(default_factory=list)  # replaced old -> new
    unchanged: list[str] = field(default_factory=list)  # original wording, in new order
    heading_changed: bool = False


def _prepare(section: Section, ignore: Sequence[str]) -> _Prepared:
    """Split a section into sentences, keeping those that are not all noise."""
    heading = section.heading_path[-1] if section.heading_path else ""
    prepared = _Prepared(
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


def _cancel_moves(deltas: list[_Delta]) -> None:
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


def _terms_in(text: str, topics: Sequence[Topic]) -> set[str]:
    """The canonical names of the watched terms in a text."""
    return {hit.term for hit in find_terms(text, topics)}


def _unit_terms(prepared: _Prepared, index: int, topics: Sequence[Topic]) -> set[str]:
    """The watched terms in a sentence read together with its list (see `_Prepared.unit`)."""
    return _terms_in("\n".join(prepared.canon[k] for k in prepared.unit(index)), topics)


def _flips(delta: _Delta, topics: Sequence[Topic]) -> tuple[bool, set[str], list[str]]:
    """Find replaced sentences whose negation flipped; return (any flip, the terms they kept,
    each read with its list, and the unchanged list sentences that carry those terms)."""
    old_side, new_side = delta.old, delta.new
    if old_side is None or new_side is None:
        return False, set(), []
    still_removed = {i for _, _, i in delta.removed}
    still_added = {j for _, _, j in delta.added}
    flipped = False
    kept: set[str] = set()
    around: list[int] = []  # unchanged sentences of the new side read with a flipped one
    for olds, news in delta.blocks:
        for i in (k for k in olds if k in still_removed):
            old = old_side.canon[i]
            best, best_score = None, 0.5
            for j in (k for k in news if k in still_added):
                score = SequenceMatcher(
                    None, old.lower().split(), new_side.canon[j].lower().split(), autojunk=False
                ).ratio()
                if score >= best_score:
                    best, best_score = j, score
            if best is None or _negated(old) == _negated(new_side.canon[best]):
                continue
            flipped = True
            # "Do not offer people with ME/CFS:" -> "Offer …:" keeps the terms of its items
            kept |= _unit_terms(old_side, i, topics) & _unit_terms(new_side, best, topics)
            around += [k for k in new_side.unit(best) if k not in still_added and k not in around]
    surviving = [
        new_side.original[k] for k in sorted(around) if _terms_in(new_side.canon[k], topics) & kept
    ]
    return flipped, kept, surviving


def _list_context(delta: _Delta, topics: Sequence[Topic]) -> tuple[set[str], str]:
    """The terms in the unchanged parts of the lists the changed sentences are read with, and
    the unchanged introduction a changed list item hangs from ("" when there is none)."""
    terms: set[str] = set()
    lead_in = ""
    for side, changed in ((delta.new, delta.added), (delta.old, delta.removed)):
        if side is None:
            continue
        indexes = {i for _, _, i in changed}
        for i in sorted(indexes):
            rest = [k for k in side.unit(i) if k not in indexes]
            terms |= _terms_in("\n".join(side.canon[k] for k in rest), topics)
            intro = side.intro_of(i)
            if intro is not None and intro not in indexes and not lead_in:
                lead_in = side.original[intro]
    return terms, lead_in


def _wording(delta: _Delta) -> tuple[str, list[str], list[str]] | None:
    """Return (kind, old sentences, new sentences) of a delta, or None when nothing changed."""
    old, new = delta.old, delta.new
    removed = [o for _, o, _ in delta.removed]
    added = [o for _, o, _ in delta.added]
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
    flipped, kept, around = _flips(delta, topics)
    in_lists, lead_in = _list_context(delta, topics)

    before = count_terms("\n".join(removed), topics)
    after = count_terms("\n".join(added), topics)
    seen = set(before) | set(after)
    counted = {t for t in seen if before.get(t, 0) != after.get(t, 0)}
    lost = {t for t in counted if before.get(t, 0) > after.get(t, 0)}
    gained = counted - lost
    term_topic = {term.name: topic for topic in topics for term in topic.terms}
    rank = {term.name: i for i, term in enumerate(t for topic in topics for t in topic.terms)}
    vanished, surviving = _renamed_terms(delta, lost, topics) if lost and words_added else ([], [])
    if vanished:
        kind = "term-renamed"

    section = (delta.new or delta.old).section  # type: ignore[union-attr]
    # the heading over the changed wording says what it is about ("Neuroplasticity programs …")
    context = set()
    if kind != "renamed":
        context = _terms_in("\n".join(section.heading_path), topics)

    # each term's biggest reason (see SIGNIFICANCE); the change's is the biggest of them all
    reason: dict[str, int] = {}
    for found, why in (
        (context, "term-in-heading"),
        (in_lists, "term-in-list"),
        (seen, "term-in-sentence"),
        (counted, "term-count"),
        ({t for t in lost if term_topic[t].removal_is_news}, "safeguard-lost"),
        (set(vanished), "term-renamed"),
        (kept, "polarity-flip"),
    ):
        for term in found:
            reason[term] = max(reason.get(term, 0), SIGNIFICANCE[why])
    # the term behind the biggest reason first; a term renamed away leads among its equals
    order = {t: (-reason[t], t not in vanished, rank[t]) for t in reason}
    terms = sorted(reason, key=order.__getitem__)
    size = len(words_removed) + len(words_added)
    significance = min(100, max([SIGNIFICANCE[kind], *reason.values()]) + min(5, size // 5))

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
        topics=_topic_order(terms, reason, context, term_topic, topics),
        terms=tuple(terms),
        terms_removed=tuple(t for t in terms if t in lost),
        terms_added=tuple(t for t in terms if t in gained),
        polarity_flip=flipped,
        surviving=tuple(surviving or around),
        significance=significance,
        lead_in=lead_in,
    )


def _topic_order(
    terms: Sequence[str],
    reason: dict[str, int],
    heading_terms: set[str],
    term_topic: dict[str, Topic],
    topics: Sequence[Topic],
) -> tuple[str, ...]:
    """A change's topics, the one it is filed under first: the topic of the term behind the
    biggest reason, then the topic the heading path names, then the rest by reason."""
    if not terms:
        return ()
    best: dict[str, int] = {}
    for term in terms:
        name = term_topic[term].name
        best[name] = max(best.get(name, 0), reason[term])
    lead = term_topic[terms[0]].name
    named = {term_topic[t].name for t in heading_terms}
    file_order = [t.name for t in topics]
    return tuple(
        sorted(
            best,
            key=lambda n: (n != lead, n not in named, -best[n], file_order.index(n)),
        )
    )


def compare_documents(
    old: Document, new: Document, *, topics: Sequence[Topic] = (), ignore: Sequence[str] = ()
) -> list[Change]:
    """Return the changes from old to new in the new version's order (removed ones in place)."""
    paged_old, paged_new = old, new
    old, new = comparable(old, new)  # paged documents are compared as running text
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
    return on_pages([c for c in changes if c is not None], paged_old, paged_new)

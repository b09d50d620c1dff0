"""Turn one pair of sections' delta into a Change: its kind, topics, terms, significance and
statement (the meaning rules are in compare.rules, the line itself in compare.statement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from compare.meaning import facts_of
from compare.model import SIGNIFICANCE, Change, Topic
from compare.noise import canonical
from compare.pairing import Delta, Prepared
from compare.redline import rows
from compare.rules import find_patterns, negation_changed
from compare.said import said_phrases
from compare.sentences import words
from compare.statement import Facts, build_statement
from compare.topics import count_terms, find_terms

FLIP_SIMILAR = 0.5  # a removed and an added sentence this alike are one sentence reworded


def word_chunks(old: Sequence[str], new: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """The words removed and added at each changed place between two runs of sentences
    (case ignored), in order."""
    old_words = [w for s in old for w in words(s)]
    new_words = [w for s in new for w in words(s)]
    matcher = SequenceMatcher(
        None,
        [canonical(w).lower() for w in old_words],
        [canonical(w).lower() for w in new_words],
        autojunk=False,
    )
    return [
        (old_words[i1:i2], new_words[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def terms_in(text: str, topics: Sequence[Topic]) -> set[str]:
    """The canonical names of the watched terms in a text."""
    return {hit.term for hit in find_terms(text, topics)}


def _unit_terms(prepared: Prepared, index: int, topics: Sequence[Topic]) -> set[str]:
    """The watched terms in a sentence read together with its list (see `Prepared.unit`)."""
    return terms_in("\n".join(prepared.canon[k] for k in prepared.unit(index)), topics)


def _flips(delta: Delta, topics: Sequence[Topic]) -> tuple[bool, set[str], list[str]]:
    """Find replaced sentences whose own negation flipped; return (any flip, the terms they
    kept, each read with its list, and the unchanged list sentences that carry those terms)."""
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
            best, best_score = None, FLIP_SIMILAR
            for j in (k for k in news if k in still_added):
                score = SequenceMatcher(
                    None, old.lower().split(), new_side.canon[j].lower().split(), autojunk=False
                ).ratio()
                if score >= best_score:
                    best, best_score = j, score
            if best is None or not negation_changed(old, new_side.canon[best]):
                continue
            flipped = True
            # "Do not offer people with ME/CFS:" -> "Offer …:" keeps the terms of its items
            kept |= _unit_terms(old_side, i, topics) & _unit_terms(new_side, best, topics)
            around += [k for k in new_side.unit(best) if k not in still_added and k not in around]
    surviving = [
        new_side.original[k] for k in sorted(around) if terms_in(new_side.canon[k], topics) & kept
    ]
    return flipped, kept, surviving


def _list_context(delta: Delta, topics: Sequence[Topic]) -> tuple[set[str], str]:
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
            terms |= terms_in("\n".join(side.canon[k] for k in rest), topics)
            intro = side.intro_of(i)
            if intro is not None and intro not in indexes and not lead_in:
                lead_in = side.original[intro]
    return terms, lead_in


def _wording(delta: Delta) -> tuple[str, list[str], list[str]] | None:
    """Return (kind, old sentences, new sentences) of a delta, or None when nothing changed."""
    old, new = delta.old, delta.new
    removed = [m[0] for m in delta.moved_in] + [o for _, o, _ in delta.removed]
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
        if delta.moved_in:
            return "moved", removed, added
        if not added and (new.original or not new.heading_canon):
            return None  # all its text moved here from elsewhere
        return "added", [], added or [new.heading]
    if old is not None:
        if not removed and (old.original or not old.heading_canon):
            return None
        return "removed", removed or [old.heading], []
    return None  # pragma: no cover - pair_sections never yields (None, None)


def _renamed_terms(
    delta: Delta,
    lost: set[str],
    sentences: tuple[Sequence[str], Sequence[str]],
    topics: Sequence[Topic],
) -> tuple[list[str], list[str], tuple[str, str] | None]:
    """Practice terms renamed away: gone from the section, other words in their place, and
    wording of the same topic still there. Returns (terms, surviving sentences, the term's
    words and the words that took their place)."""
    if delta.new is None or delta.old is None:
        return [], [], None
    replaced: dict[str, tuple[str, str]] = {}
    for row in rows(*sentences):
        if not row.runs:
            continue
        for gone, came in word_chunks([row.old], [row.new]):
            if not came:
                continue  # a deletion narrows the wording; nothing took the term's place
            for hit in find_terms(" ".join(gone), topics):
                replaced.setdefault(hit.term, (" ".join(gone), " ".join(came)))
    in_new = count_terms(delta.new.full_text, topics)
    practice = [t for t in topics if not t.removal_is_news]
    vanished = [
        term.name
        for topic in practice
        for term in topic.terms
        if term.name in lost and not in_new.get(term.name) and term.name in replaced
    ]
    carriers = {topic.name for topic in practice if any(t.name in vanished for t in topic.terms)}
    surviving = [
        sentence
        for sentence in delta.unchanged
        if any(h.topic in carriers and h.term not in vanished for h in find_terms(sentence, topics))
    ]
    if not vanished or not surviving:
        return [], [], None
    return vanished, surviving, replaced[vanished[0]]


@dataclass(frozen=True)
class _Counts:
    """How the watched terms' counts moved between the removed and the added wording."""

    seen: set[str]  # in either
    counted: set[str]  # whose count changed
    lost: set[str]  # whose count went down
    gained: set[str]  # whose count went up


def _counts(removed: Sequence[str], added: Sequence[str], topics: Sequence[Topic]) -> _Counts:
    before = count_terms("\n".join(removed), topics)
    after = count_terms("\n".join(added), topics)
    seen = set(before) | set(after)
    counted = {t for t in seen if before.get(t, 0) != after.get(t, 0)}
    lost = {t for t in counted if before.get(t, 0) > after.get(t, 0)}
    return _Counts(seen, counted, lost, counted - lost)


def _reasons(
    counts: _Counts,
    *,
    context: set[str],
    in_lists: set[str],
    vanished: Sequence[str],
    kept: set[str],
    term_topic: dict[str, Topic],
) -> dict[str, int]:
    """Each term's biggest reason (see SIGNIFICANCE); the change's is the biggest of them all."""
    reason: dict[str, int] = {}
    for found, why in (
        (context, "term-in-heading"),
        (in_lists, "term-in-list"),
        (counts.seen, "term-in-sentence"),
        (counts.counted, "term-count"),
        ({t for t in counts.lost if term_topic[t].removal_is_news}, "safeguard-lost"),
        (set(vanished), "term-renamed"),
        (kept, "polarity-flip"),
    ):
        for term in found:
            reason[term] = max(reason.get(term, 0), SIGNIFICANCE[why])
    return reason


def _statement(
    facts: Facts,
    removed: Sequence[str],
    added: Sequence[str],
    terms: Sequence[str],
    counts: _Counts,
    topics: Sequence[Topic],
) -> str:
    """The change's one line, naming the phrases of the terms lost and gained as written."""
    lost = [t for t in terms if t in counts.lost]
    gained = [t for t in terms if t in counts.gained]
    return build_statement(
        replace(
            facts,
            terms_removed=said_phrases("\n".join(removed), lost, topics),
            terms_added=said_phrases("\n".join(added), gained, topics),
        )
    )


def _raise_to_rule(reason: dict[str, int], rule: str, found: set[str]) -> None:
    """The terms of the sentence that met a rule (gained a condition, changed strength), read
    with its list, count at least as much as the rule."""
    for term in found & set(reason):
        reason[term] = max(reason[term], SIGNIFICANCE[rule])


def _ordered_terms(
    reason: dict[str, int], vanished: Sequence[str], topics: Sequence[Topic]
) -> list[str]:
    """The term behind the biggest reason first; a term renamed away leads among its equals,
    then the order the topics declare them in."""
    rank = {term.name: i for i, term in enumerate(t for topic in topics for t in topic.terms)}
    order = {t: (-reason[t], t not in vanished, rank[t]) for t in reason}
    return sorted(reason, key=order.__getitem__)


def _significance(kind: str, size: int, reason: dict[str, int], patterns: dict[str, int]) -> int:
    """The biggest reason of the kind, its terms and its patterns, plus a little for size."""
    base = SIGNIFICANCE["moved"] if kind == "moved" else SIGNIFICANCE[kind]
    biggest = max([base, *reason.values(), *patterns.values()])
    return min(100, biggest + min(5, size // 5))


def classify(delta: Delta, topics: Sequence[Topic]) -> Change | None:
    """Turn one section's delta into a Change, or None when nothing is left of it.

    Each reading is a helper above; what stays here is their order (each needs the ones
    before it) and the Change's fields, hence the length."""
    wording = _wording(delta)
    if wording is None:
        return None
    kind, removed, added = wording
    chunks = word_chunks(removed, added) if kind in ("modified", "renamed", "moved") else []
    words_removed = [w for gone, _ in chunks for w in gone]
    words_added = [w for _, came in chunks for w in came]
    flipped, kept, around = _flips(delta, topics)
    in_lists, lead_in = _list_context(delta, topics)
    counts = _counts(removed, added, topics)
    term_topic = {term.name: topic for topic in topics for term in topic.terms}
    vanished, surviving, renamed = (
        _renamed_terms(delta, counts.lost, (removed, added), topics)
        if counts.lost and words_added
        else ([], [], None)
    )
    if vanished:
        kind = "term-renamed"

    section = (delta.new or delta.old).section  # type: ignore[union-attr]
    paired = delta.old is not None and delta.new is not None
    old_section = delta.old.section if paired else section  # type: ignore[union-attr]
    # the heading over the changed wording says what it is about ("Neuroplasticity programs …")
    context = set()
    if kind != "renamed":
        context = terms_in("\n".join(section.heading_path), topics)
    reason = _reasons(
        counts,
        context=context,
        in_lists=in_lists,
        vanished=vanished,
        kept=kept,
        term_topic=term_topic,
    )
    moved_from = _moved_from(delta, old_section.heading_path if paired else None)
    facts, rule, where = facts_of(
        kind=kind,
        old_sentences=tuple(removed),
        new_sentences=tuple(added),
        lead_in=lead_in,
        flipped=flipped,
        renamed=renamed,
        moved=moved_from,
        topics=topics,
        terms=(set(reason), counts.lost, counts.gained),
    )
    if rule and where is not None and kind not in ("renamed", "renumbered"):
        found = terms_in(f"{lead_in}\n{where.old}\n{where.new}", topics) | in_lists
        _raise_to_rule(reason, rule, found)
    patterns = find_patterns("\n".join([*removed, *added]), topics)
    pattern_topics = {h.topic: SIGNIFICANCE["pattern"] for h in patterns}
    terms = _ordered_terms(reason, vanished, topics)
    size = len(words_removed) + len(words_added)
    return Change(
        section_key=section.key,
        heading_path=section.heading_path,
        kind=kind,
        old_section_key=old_section.key if old_section.key != section.key else None,
        old_heading_path=(
            old_section.heading_path if old_section.heading_path != section.heading_path else None
        ),
        pages=section.pages,
        old_sentences=tuple(removed),
        new_sentences=tuple(added),
        words_removed=tuple(words_removed),
        words_added=tuple(words_added),
        topics=_topic_order(terms, reason, context, term_topic, topics, pattern_topics),
        terms=tuple(terms),
        terms_removed=tuple(t for t in terms if t in counts.lost),
        terms_added=tuple(t for t in terms if t in counts.gained),
        polarity_flip=flipped,
        surviving=tuple(surviving or around),
        significance=_significance(kind, size, reason, pattern_topics),
        lead_in=lead_in,
        statement=_statement(facts, removed, added, terms, counts, topics),
        patterns=tuple(h.pattern.name for h in patterns),
        explanations=tuple(h.pattern.explanation for h in patterns),
    )


def _moved_from(delta: Delta, old_path: tuple[str, ...] | None) -> tuple[str, str] | None:
    """(the heading the wording left, the heading it is under now) when it changed section:
    sentences that came from another section, or a section paired under another parent."""
    assert delta.new is not None or delta.old is not None
    if delta.new is None:
        return None
    new_path = delta.new.section.heading_path
    if delta.moved_in:
        source = delta.moved_in[0][1] or (delta.moved_in[0][2],)
        return _differing(source, new_path or (delta.new.section.key,))
    if old_path is not None and old_path[:-1] != new_path[:-1] and old_path[:-1] and new_path[:-1]:
        return _differing(old_path[:-1], new_path[:-1])
    return None


def _differing(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, str]:
    """The nearest headings of two paths that differ (the section names a reader knows)."""
    for left, right in zip(reversed(old), reversed(new), strict=False):
        if left != right:
            return left, right
    return old[-1], new[-1]


def _topic_order(
    terms: Sequence[str],
    reason: dict[str, int],
    heading_terms: set[str],
    term_topic: dict[str, Topic],
    topics: Sequence[Topic],
    pattern_topics: dict[str, int],
) -> tuple[str, ...]:
    """A change's topics, the one it is filed under first: the topic of the term behind the
    biggest reason, then the topic the heading path names, then the rest by reason (a topic
    whose practice pattern matched is on it too)."""
    best: dict[str, int] = dict(pattern_topics)
    for term in terms:
        name = term_topic[term].name
        best[name] = max(best.get(name, 0), reason[term])
    if not best:
        return ()
    lead = term_topic[terms[0]].name if terms else max(best, key=best.__getitem__)
    if terms and pattern_topics and max(pattern_topics.values()) > reason[terms[0]]:
        lead = max(pattern_topics, key=pattern_topics.__getitem__)
    named = {term_topic[t].name for t in heading_terms}
    file_order = [t.name for t in topics]
    return tuple(
        sorted(
            best,
            key=lambda n: (n != lead, n not in named, -best[n], file_order.index(n)),
        )
    )

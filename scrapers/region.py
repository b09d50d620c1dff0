"""The elements a simple selector picks in a well-formed page, found without building its tree.

Building a BeautifulSoup tree of a whole publisher's page (html.parser) costs ~15 ms, most of it
menus and scripts around the content. When every element of the page has explicit, properly
nested tags, the tree html.parser would build is exactly the nesting of its tags, so one
regular-expression pass finds the selected elements' source spans, and each span parsed alone
gives the very subtree the whole page would. Anything this scanner is not sure html.parser reads
the same way (an omitted end tag, a stray `<`, entities in a class, a `<script>` holding `</`,
a selector it does not know) gives None, and the caller parses the whole page as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

# bs4's html.parser builder closes these at once; an end tag for one is a case bs4 special-cases.
VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr",
        "image", "img", "input", "isindex", "keygen", "link", "menuitem", "meta", "nextid",
        "param", "source", "spacer", "track", "wbr",
    }
)  # fmt: skip
# Read as raw text by some Python versions' html.parser: accepted only when their text holds no
# `<` (title, textarea) or no `</` and no `<!--` (script, style), where every version agrees.
_RAW = frozenset({"script", "style", "title", "textarea"})
# Below these bs4 keeps blank strings as they are (pre, textarea) or gives strings another class
# (template, rt, rp), which get_text() then leaves out: content inside one is parsed whole.
_SHAPES_STRINGS = frozenset({"pre", "textarea", "template", "rt", "rp"})
# An unquoted value may hold "/" but not start with "=" (html.parser reads `a==b` as a="b").
_ATTR = r"""\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=>][^\s>]*))?"""
# One "<" then the alternatives: with the "<" outside them, re finds candidates ~3x faster.
_TOKEN = re.compile(
    rf"""<(?:
    (?P<raw>(?P<rname>script|style|title|textarea)(?P<rattrs>(?:{_ATTR})*)\s*>
        (?P<rtext>.*?)</(?P=rname)\s*>)
    |(?P<start>(?P<sname>[a-z][a-z0-9-]*)(?P<attrs>(?:{_ATTR})*)\s*(?P<close>/)?>)
    |(?P<end>/(?P<ename>[a-z][a-z0-9-]*)\s*>)
    |(?P<comment>!--(?P<note>.*?)-->)
    |(?P<decl>!doctype[^<>]*>|\?[^<>]*>)
    )""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_ATTRS = re.compile(r"""\s+([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=>][^\s>]*))?""")
# Anything html.parser may take for the start of markup rather than text.
_TAGLIKE = re.compile(r"<[a-zA-Z/!?]")
_IDENT = r"-?[_a-zA-Z][_a-zA-Z0-9-]*"
_COMPOUND = re.compile(rf"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<rest>(?:[#.]{_IDENT})*)")
_PART = re.compile(rf"([#.])({_IDENT})")
_CLASS_SPLIT = re.compile(r"\S+")  # as bs4 splits a class attribute


class NotSure(Exception):
    """The page is not one this scanner reads exactly as html.parser would."""


@dataclass(frozen=True)
class _Step:
    """One compound selector: a tag name, an id and classes, any of them optional."""

    tag: str | None
    id: str | None
    classes: tuple[str, ...]

    def matches(self, name: str, attrs: str) -> bool:
        if self.tag is not None and self.tag != name:
            return False
        if self.id is None and not self.classes:
            return True
        values = _read_attrs(attrs)
        if "&" in values.get("id", "") + values.get("class", ""):
            raise NotSure("an entity in an id or a class")
        if self.id is not None and values.get("id") != self.id:
            return False
        present = _CLASS_SPLIT.findall(values.get("class", ""))
        return all(c in present for c in self.classes)


def parse_selector(selector: str) -> tuple[_Step, ...] | None:
    """Compounds joined by descendant combinators ("article .entry-content"), else None."""
    steps: list[_Step] = []
    for part in selector.split():
        match = _COMPOUND.fullmatch(part)
        if match is None or not part:
            return None
        ids = [v for k, v in _PART.findall(match["rest"]) if k == "#"]
        classes = tuple(v for k, v in _PART.findall(match["rest"]) if k == ".")
        if len(ids) > 1 or (match["tag"] is None and not ids and not classes):
            return None
        tag = match["tag"].lower() if match["tag"] else None
        steps.append(_Step(tag, ids[0] if ids else None, classes))
    return tuple(steps) or None


def _read_attrs(attrs: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, raw in _ATTRS.findall(attrs):
        values[name.lower()] = (
            raw[1:-1] if raw[:1] in ("'", '"') else raw
        )  # a repeated attribute: the last one wins, as in bs4
    return values


def _picks(
    steps: tuple[_Step, ...], name: str, attrs: str, stack: list[tuple[str, str, tuple[int, ...]]]
) -> bool:
    """Does the element match the last step, with ancestors matching the others in order?"""
    if not steps[-1].matches(name, attrs):
        return False
    wanted = len(steps) - 2
    for ancestor_name, ancestor_attrs, _ in reversed(stack):
        if wanted < 0:
            break
        if steps[wanted].matches(ancestor_name, ancestor_attrs):
            wanted -= 1
    return wanted < 0


@dataclass(frozen=True)
class Region:
    """The picked elements, each parsed alone, and a small soup of the page's meta and title."""

    content: list[Tag]
    head: BeautifulSoup


def find_region(html: str, selectors: tuple[str, ...]) -> Region | None:
    """The elements the first selector that matches picks (outermost only), or None if unsure."""
    if "\x00" in html or html.rfind("<!--") > html.rfind("-->"):
        return None  # an unclosed comment would make the scan quadratic
    plans = [parse_selector(s) for s in selectors]
    if any(plan is None for plan in plans):
        return None
    try:
        spans, head = _Scan([p for p in plans if p is not None]).run(html)
    except NotSure:
        return None
    if not spans:
        return None
    content: list[Tag] = []
    for start, end in spans:
        parsed = BeautifulSoup(html[start:end], "html.parser")
        element = parsed.contents[0] if len(parsed.contents) == 1 else None
        if not isinstance(element, Tag):
            return None
        content.append(element)
    return Region(content, BeautifulSoup("".join(head), "html.parser"))


_NONE: tuple[int, ...] = ()


class _Scan:
    """One pass over a page's tokens, keeping the open elements and each plan's picks."""

    def __init__(self, plans: list[tuple[_Step, ...]]) -> None:
        self.plans = plans
        self.chosen: list[list[list[int]]] = [[] for _ in plans]
        self.inside = [0] * len(plans)  # open elements each plan picked (outermost only count)
        self.stack: list[tuple[str, str, tuple[int, ...]]] = []  # name, attributes, picked by
        # Tag names an element must have to be picked; None when a last step names no tag.
        tags = [plan[-1].tag for plan in plans]
        self.names: frozenset[str] | None = None if None in tags else frozenset(filter(None, tags))

    def picked(self, name: str, attrs: str, start: int, end: int) -> tuple[int, ...]:
        """The plans that pick this element (its end is -1 until it closes)."""
        hits: list[int] = []
        for number, plan in enumerate(self.plans):
            if not self.inside[number] and _picks(plan, name, attrs, self.stack):
                if any(ancestor[0] in _SHAPES_STRINGS for ancestor in self.stack):
                    raise NotSure("content inside an element that changes how bs4 reads text")
                self.chosen[number].append([start, end])
                hits.append(number)
        return tuple(hits)

    def run(self, html: str) -> tuple[list[tuple[int, int]], list[str]]:
        """Spans picked by the first plan that picks any, and the sources of title and metas.

        The token loop stays one loop: a call per token would cost time on every page."""
        stack, picked, inside, chosen = self.stack, self.picked, self.inside, self.chosen
        names = self.names
        title = ""
        metas: list[str] = []
        tokens = 0
        nested_markup = 0
        for match in _TOKEN.finditer(html):
            tokens += 1
            kind = match.lastgroup
            if kind == "start":
                name = match["sname"].lower()
                if name in _RAW:
                    raise NotSure(f"a <{name}> read as markup")
                attrs = match["attrs"]
                wanted = names is None or name in names
                # Closed at once, as in bs4; the "/" of `<a href=/x/>` is the value's own.
                if name in VOID or match["close"]:
                    if name == "meta":
                        metas.append(match.group())
                    if wanted:
                        picked(name, attrs, match.start(), match.end())
                    continue
                hits = picked(name, attrs, match.start(), -1) if wanted else _NONE
                for number in hits:
                    inside[number] += 1
                stack.append((name, attrs, hits))
            elif kind == "end":
                name = match["ename"].lower()
                if not stack or stack[-1][0] != name:
                    raise NotSure(f"</{name}> does not close the element open last")
                for number in stack.pop()[2]:
                    inside[number] -= 1
                    chosen[number][-1][1] = match.end()
            elif kind == "raw":
                name = match["rname"].lower()
                text = match["rtext"]
                if name in ("script", "style"):
                    if "</" in text or "<!--" in text:
                        raise NotSure(f"a <{name}> holding markup")
                elif "<" in text:
                    raise NotSure(f"a <{name}> holding markup")
                nested_markup += 1 + len(_TAGLIKE.findall(text))  # its end tag and what it holds
                if name == "title" and not title:
                    title = match.group()
                if names is None or name in names:
                    picked(name, match["rattrs"], match.start(), match.end())
            elif kind == "comment":
                note = match["note"]
                if "--" in note or note.startswith((">", "->")):
                    raise NotSure("a comment html.parser versions end differently")
                nested_markup += len(_TAGLIKE.findall(note))
            # a doctype or processing instruction ends at its first ">" for every reader
        return self._finish(html, tokens + nested_markup, [title, *metas])

    def _finish(
        self, html: str, read: int, head: list[str]
    ) -> tuple[list[tuple[int, int]], list[str]]:
        """Check the scan read every tag and closed every element; the first plan's spans."""
        if self.stack:
            raise NotSure(f"<{self.stack[-1][0]}> is never closed")
        if len(_TAGLIKE.findall(html)) != read:
            raise NotSure("markup the scanner did not read")
        for spans in self.chosen:
            if spans:
                return [(start, end) for start, end in spans], head
        return [], head

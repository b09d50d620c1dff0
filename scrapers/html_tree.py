"""HTML pages read with bs4: page furniture, text as lines, sections by headings.

Imported by scrapers.html when a page is read (its names are also scrapers.html's).
"""

from __future__ import annotations

from collections.abc import Callable

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from scrapers.html import (
    _NOT_WIDGETS,
    BLOCKS,
    DEFAULT_SELECTORS,
    DROP_TAGS,
    HEADINGS,
    NOISE_MARKS,
    NOISE_ROLES,
    page_text,
    require_page,
    unique_keys,
)
from scrapers.model import Document, DocumentSpec, Fetched, Section, SuspectError
from scrapers.region import find_region
from scrapers.text import normalise_block, normalise_lines

_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction, CData)


def is_noise(tag: Tag) -> bool:
    """True for page furniture: scripts, navigation, cookie banners, skip links, share bars."""
    if tag.name in DROP_TAGS or tag.has_attr("hidden"):
        return True
    if str(tag.get("role") or "").lower() in NOISE_ROLES:
        return True
    if tag.name in _NOT_WIDGETS:
        return False
    classes: list[str] = list(tag.get("class") or [])
    marks = " ".join([*classes, str(tag.get("id") or "")]).lower()
    return any(mark in marks for mark in NOISE_MARKS)


def inline_text(node: Tag) -> str:
    """The normalised text of an element on one line, with spaces where blocks meet."""
    parts: list[str] = []
    _collect_inline(node, parts)
    return normalise_block("".join(parts))


def _collect_inline(node: Tag, parts: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Tag):
            if is_noise(child):
                continue
            if child.name == "br" or child.name in BLOCKS or child.name in HEADINGS:
                parts.append(" ")
                _collect_inline(child, parts)
                parts.append(" ")
            else:
                _collect_inline(child, parts)
        elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
            parts.append(str(child))


class _Lines:
    """Walks flow content into lines: paragraphs, "- " list items, " | " table rows."""

    def __init__(self, on_heading: Callable[[int, str], None] | None = None) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []
        self._on_heading = on_heading

    def flush(self) -> None:
        text = normalise_block("".join(self._buffer))
        self._buffer.clear()
        if text:
            self.lines.append(text)

    def take(self) -> list[str]:
        self.flush()
        lines, self.lines = self.lines, []
        return lines

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
                self._buffer.append(str(child))

    def _element(self, tag: Tag) -> None:
        if is_noise(tag):
            return
        name = tag.name
        if name in HEADINGS:
            self.flush()
            text = inline_text(tag)
            if not text:
                return
            if self._on_heading is None:
                self.lines.append(text)
            else:
                self._on_heading(HEADINGS[name], text)
        elif name == "br":
            self.flush()
        elif name in ("ul", "ol"):
            self.flush()
            self._list(tag)
        elif name == "li":
            self.flush()
            self._item(tag)
        elif name == "table":
            self.flush()
            self._table(tag)
        elif name == "pre":
            self.flush()
            self.lines.extend(line for line in normalise_lines(tag.get_text()).split("\n") if line)
        elif name in BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _list(self, tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, Tag) and not is_noise(child):
                if child.name == "li":
                    self._item(child)
                else:
                    self._element(child)
                    self.flush()

    def _item(self, item: Tag) -> None:
        parts: list[str] = []
        nested: list[Tag] = []
        for child in item.children:
            if isinstance(child, Tag):
                if is_noise(child):
                    continue
                if child.name in ("ul", "ol"):
                    nested.append(child)
                elif child.name == "br" or child.name in BLOCKS or child.name in HEADINGS:
                    parts.append(" " + inline_text(child) + " ")
                else:
                    _collect_inline(child, parts)
            elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
                parts.append(str(child))
        text = normalise_block("".join(parts))
        if text:
            self.lines.append("- " + text)
        for inner in nested:
            self._list(inner)

    def _table(self, table: Tag) -> None:
        caption = table.find("caption")
        if isinstance(caption, Tag) and caption.find_parent("table") is table:
            text = inline_text(caption)
            if text:
                self.lines.append(text)
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table or is_noise(row):
                continue
            cells = [inline_text(cell) for cell in row.find_all(["td", "th"], recursive=False)]
            line = " | ".join(cell for cell in cells if cell)
            if line:
                self.lines.append(line)


def block_lines(element: Tag) -> list[str]:
    """Render an element's text as lines; headings become plain lines."""
    walker = _Lines()
    walker.walk(element)
    return walker.take()


class _Sectioner:
    """Cuts flow content into sections at h1-h6, tracking the enclosing headings."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._key = "introduction"
        self.walker = _Lines(on_heading=self.heading)

    def heading(self, level: int, text: str) -> None:
        self.finish()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        self._key = text

    def finish(self) -> None:
        lines = self.walker.take()
        if lines:
            path = tuple(text for _, text in self._stack)
            self.sections.append(Section(self._key, path, "\n".join(lines)))


def sections_from_html(*elements: Tag) -> tuple[Section, ...]:
    """Split HTML content into sections by headings; text before the first is "introduction"."""
    sectioner = _Sectioner()
    for element in elements:
        sectioner.walker.walk(element)
        sectioner.walker.flush()
    sectioner.finish()
    return unique_keys(sectioner.sections)


def select_content(soup: BeautifulSoup, selector: str | None) -> list[Tag]:
    """The elements a selector picks (outermost only), or main/article/body when none is set."""
    if selector is None:
        for fallback in DEFAULT_SELECTORS:
            found = soup.select(fallback)
            if found:
                return _outermost(found)
        return [soup]
    return _outermost(soup.select(selector))


def parse_content(
    html: str, selector: str | None, *, whole: bool = False
) -> tuple[BeautifulSoup, list[Tag]]:
    """A soup holding the page's title and metas, and the content `select_content` picks.

    A well-formed page has only its content and head parsed (scrapers.region); any other, or
    `whole`, is parsed whole. Both give the same elements, text and title.
    """
    if not whole:
        region = find_region(html, DEFAULT_SELECTORS if selector is None else (selector,))
        if region is not None:
            return region.head, region.content
    soup = BeautifulSoup(html, "html.parser")
    return soup, select_content(soup, selector)


def _outermost(elements: list[Tag]) -> list[Tag]:
    chosen: list[Tag] = []
    for element in elements:
        if not any(parent in chosen for parent in element.parents):
            chosen.append(element)
    return chosen


def _meta_content(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    if isinstance(tag, Tag) and tag.get("content"):
        return normalise_block(str(tag["content"]))
    return None


def page_title(soup: BeautifulSoup, content: list[Tag]) -> str:
    """The page's title: an h1 in the content, else og:title, else <title>."""
    for element in content:
        h1 = element.find("h1")
        if isinstance(h1, Tag) and inline_text(h1):
            return inline_text(h1)
    og_title = _meta_content(soup, "og:title")
    if og_title:
        return og_title
    if soup.title is not None:
        return normalise_block(soup.title.get_text())
    return ""


def extract_page(spec: DocumentSpec, fetched: Fetched) -> Document:
    """Sections of the selected content; SuspectError when it is missing or empty."""
    require_page(fetched)
    soup, content = parse_content(page_text(fetched), spec.selector)
    if not content:
        raise SuspectError(
            f"no element matches {spec.selector!r} in the page: "
            "not the expected page (captcha, error page or cookie wall?)",
            fetched=fetched,
        )
    sections = sections_from_html(*content)
    if not sections:
        where = spec.selector or content[0].name
        raise SuspectError(
            f"{where} has no text once page furniture is dropped: an empty page or a cookie wall?",
            fetched=fetched,
        )
    meta: dict[str, str] = {"selector": spec.selector or content[0].name or ""}
    modified = _meta_content(soup, "article:modified_time")
    if modified:
        meta["modified_time"] = modified
    title = page_title(soup, content) or spec.title
    return Document(sections=sections, title=title, meta=meta)

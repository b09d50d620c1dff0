"""NICE chapters read with bs4: one section per numbered recommendation and per box.

Imported by scrapers.nice when a chapter is read (its names are also scrapers.nice's).
"""

from __future__ import annotations

import re

from bs4 import NavigableString, Tag

from scrapers.html import HEADINGS, page_text, unique_keys
from scrapers.html_tree import block_lines, inline_text, is_noise, parse_content
from scrapers.model import Document, DocumentSpec, Fetched, Section, SuspectError
from scrapers.text import normalise_block

_NUMBER = re.compile(r"^\d+(?:\.\d+)+$")
_ID_NUMBER = re.compile(r"_(\d+(?:_\d+)+)$")
_BOX = re.compile(r"^box\s+(\d+[a-z]?)\b", re.IGNORECASE)


def _has_class(tag: Tag, name: str) -> bool:
    return name in (tag.get("class") or [])


def recommendation_number(rec: Tag) -> str | None:
    """The number of a recommendation ("1.11.14"), from its paragraph number or its id."""
    span = rec.find("span", class_="paragraph-number")
    if isinstance(span, Tag):
        number = normalise_block(span.get_text()).rstrip(".")
        if _NUMBER.match(number):
            return number
    match = _ID_NUMBER.search(str(rec.get("id") or ""))
    return match.group(1).replace("_", ".") if match else None


def section_title(section: Tag) -> str:
    """The title of a div.section: its own h3/h4/h5.title, else its title attribute."""
    for child in section.children:
        if isinstance(child, Tag) and child.name in HEADINGS:
            text = inline_text(child)
            if text:
                return text
    return normalise_block(str(section.get("title") or ""))


def _title_element(panel: Tag) -> Tag | None:
    """A box's title: a heading or .title child, else a first paragraph that is all bold."""
    for child in panel.children:
        if not isinstance(child, Tag) or not inline_text(child):
            continue  # skip whitespace and empty anchors such as <a id="box-4"></a>
        if child.name in HEADINGS or _has_class(child, "title"):
            return child
        if child.name == "p":
            strong = child.find(["strong", "b"])
            if isinstance(strong, Tag) and inline_text(strong) == inline_text(child):
                return child
        return None
    return None


class _Chapter:
    """Collects the sections of one div.chapter in document order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._loose: dict[tuple[str, ...], int] = {}

    def walk(self, node: Tag, path: tuple[str, ...]) -> None:
        pending: list[Tag | str] = []
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.strip():
                    pending.append(str(child))
                continue
            if not isinstance(child, Tag) or is_noise(child):
                continue
            if child.name in HEADINGS and _has_class(child, "title"):
                continue  # the title of the enclosing section, already in `path`
            if _has_class(child, "recommendation_text"):
                self.loose(path, pending)
                self.recommendation(child, path)
            elif _has_class(child, "panel"):
                self.loose(path, pending)
                self.panel(child, path)
            elif _has_class(child, "section"):
                self.loose(path, pending)
                self.walk(child, (*path, section_title(child)))
            elif child.find(class_=["recommendation_text", "panel", "section"]):
                self.loose(path, pending)
                self.walk(child, path)
            else:
                pending.append(child)
        self.loose(path, pending)

    def loose(self, path: tuple[str, ...], pending: list[Tag | str]) -> None:
        """Text outside recommendations and boxes joins one section per heading path."""
        lines: list[str] = []
        for item in pending:
            if isinstance(item, Tag):
                lines.extend(block_lines(item))
            elif normalise_block(item):
                lines.append(normalise_block(item))
        pending.clear()
        if not lines:
            return
        text = "\n".join(lines)
        index = self._loose.get(path)
        if index is None:
            self._loose[path] = len(self.sections)
            self.sections.append(Section(" > ".join(path) or "intro", path, text))
        else:
            old = self.sections[index]
            self.sections[index] = Section(old.key, old.heading_path, old.text + "\n" + text)

    def recommendation(self, rec: Tag, path: tuple[str, ...]) -> None:
        number = recommendation_number(rec) or "recommendation"
        for span in rec.find_all("span", class_="paragraph-number"):
            span.extract()
        panels = [panel.extract() for panel in rec.find_all("div", class_="panel")]
        text = "\n".join(block_lines(rec))
        if text:
            self.sections.append(Section(number, path, text))
        for panel in panels:
            self.panel(panel, path)

    def panel(self, panel: Tag, path: tuple[str, ...]) -> None:
        title_tag = _title_element(panel)
        if title_tag is None:
            self.loose(path, [panel])
            return
        title = inline_text(title_tag)
        title_tag.extract()
        match = _BOX.match(title)
        key = f"box-{match.group(1).lower()}" if match else f"box: {title}"
        text = "\n".join(block_lines(panel))
        if text:
            self.sections.append(Section(key, (*path, title), text))


def chapter_document(chapter: Tag) -> Document:
    """Turn a NICE feed div.chapter into a Document (mutates the element it is given)."""
    title = ""
    for child in chapter.children:
        if isinstance(child, Tag) and child.name in HEADINGS:
            title = inline_text(child)
            break
    title = title or normalise_block(str(chapter.get("title") or ""))
    collector = _Chapter()
    collector.walk(chapter, ())
    return Document(
        sections=unique_keys(collector.sections),
        title=title,
        meta={"chapter_id": str(chapter.get("id") or "")},
    )


def extract_chapter(spec: DocumentSpec, fetched: Fetched) -> Document:
    """Sections keyed by recommendation number and box; SuspectError without div.chapter."""
    # The first div.chapter, as soup.find gave it; a well-formed page is not parsed whole.
    _, found = parse_content(page_text(fetched), "div.chapter")
    chapter = found[0] if found else None
    if not isinstance(chapter, Tag):
        raise SuspectError(
            "no div.chapter in the page: not a NICE chapter (captcha or error page?)",
            fetched=fetched,
        )
    document = chapter_document(chapter)
    if not document.sections:
        raise SuspectError("div.chapter has no text: empty NICE chapter", fetched=fetched)
    return Document(
        sections=document.sections,
        title=document.title or spec.title,
        meta=document.meta,
    )

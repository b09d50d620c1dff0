"""GOV.UK content items' HTML parts read with bs4: summary, body by headings, attachments.

Imported by scrapers.govuk when an item is extracted (its names are also scrapers.govuk's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bs4 import BeautifulSoup, Tag

from scrapers.govuk import DETAIL_PARTS, html_body
from scrapers.html import unique_keys
from scrapers.html_tree import block_lines, inline_text, sections_from_html
from scrapers.model import Section
from scrapers.text import normalise_block


def attachment_lines(snippet: str) -> list[str]:
    """One "- title (type, size, pages)" line per attachment in a GOV.UK attachment snippet."""
    soup = BeautifulSoup(snippet, "html.parser")
    lines: list[str] = []
    for attachment in soup.select("section.attachment, .gem-c-attachment"):
        title = attachment.select_one(".title, [class*='__title']")
        metadata = [
            inline_text(part)
            for part in attachment.select(".metadata, [class*='__metadata']")
            if part.find_parent(class_="accessibility-warning") is None
        ]
        name = inline_text(title) if isinstance(title, Tag) else ""
        details = ", ".join(part for part in metadata if part)
        if name:
            lines.append(f"- {name} ({details})" if details else f"- {name}")
    return lines or block_lines(soup)


def _fragment(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def item_sections(item: Mapping[str, Any]) -> tuple[Section, ...]:
    """Sections of a content item: summary, body by headings, then attachments and outcomes."""
    details = item["details"]
    sections: list[Section] = []
    summary = details.get("summary") or item.get("description")
    if isinstance(summary, str) and normalise_block(summary):
        lines = block_lines(_fragment(summary)) if "<" in summary else [normalise_block(summary)]
        sections.append(Section("summary", ("Summary",), "\n".join(lines)))
    withdrawn = item.get("withdrawn_notice") or {}
    if isinstance(withdrawn, dict) and isinstance(withdrawn.get("explanation"), str):
        lines = block_lines(_fragment(withdrawn["explanation"]))
        if lines:
            sections.append(Section("withdrawn notice", ("Withdrawn notice",), "\n".join(lines)))
    body = html_body(details.get("body"))
    if body.strip():
        sections.extend(sections_from_html(_fragment(body)))
    for field, key, is_list in DETAIL_PARTS:
        value = details.get(field)
        if is_list and isinstance(value, list):
            lines = [line for snippet in value if isinstance(snippet, str) for line in
                     attachment_lines(snippet)]  # fmt: skip
        elif not is_list and isinstance(value, str):
            lines = block_lines(_fragment(value))
        else:
            continue
        if lines:
            sections.append(Section(key, (key.capitalize(),), "\n".join(lines)))
    return unique_keys(sections)

"""Show what guidewatch extracts from a PDF: its sections, keys and pages.

uv run python scripts/show_pdf.py FILE.pdf            # headings found, then each section's
                                                      # key, pages and the start of its text
uv run python scripts/show_pdf.py FILE.pdf --headings # only the headings found, as a tree
uv run python scripts/show_pdf.py FILE.pdf --full     # whole texts
uv run python scripts/show_pdf.py FILE.pdf --lines    # raw lines with position and font size
uv run python scripts/show_pdf.py FILE.pdf --json     # the Document as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapers.model import Document, SuspectError  # noqa: E402
from scrapers.pdf import extract_pdf, text_lines  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Print a PDF's extracted sections (or raw lines) and return an exit status."""
    parser = argparse.ArgumentParser(description="Show the sections guidewatch reads from a PDF.")
    parser.add_argument("pdf", type=Path, help="the PDF file")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--headings", action="store_true", help="print only the headings found")
    shown.add_argument("--full", action="store_true", help="print whole section texts")
    shown.add_argument("--lines", action="store_true", help="print pdfium's raw lines")
    shown.add_argument("--json", action="store_true", help="print the Document as JSON")
    args = parser.parse_args(argv)
    body = args.pdf.read_bytes()
    try:
        if args.lines:
            for line in text_lines(body):
                print(line)
            return 0
        document = extract_pdf(body)
    except SuspectError as error:
        print(f"{args.pdf}: {error}", file=sys.stderr)
        return 1
    if args.json:
        sections = [
            {"key": s.key, "heading_path": list(s.heading_path), "pages": list(s.pages),
             "text": s.text}
            for s in document.sections
        ]  # fmt: skip
        print(json.dumps({"title": document.title, "meta": dict(document.meta),
                          "sections": sections}, ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    print(f"title: {document.title}")
    for name, value in document.meta.items():
        print(f"{name}: {value}")
    print_headings(document)
    if args.headings:
        return 0
    print(f"\nsections: {len(document.sections)}")
    for section in document.sections:
        pages = ",".join(str(page) for page in section.pages)
        print(f"\n## {section.key}   [pages {pages}]")
        if len(section.heading_path) > 1:
            print("   in: " + " > ".join(section.heading_path[:-1]))
        text = section.text
        if not args.full and len(text) > 400:
            text = text[:400] + f" ... ({len(section.text)} characters)"
        print(text)
    return 0


def print_headings(document: Document) -> None:
    """The headings found, indented by depth, with the pages their sections cover."""
    headed = [s for s in document.sections if s.heading_path]
    source = document.meta.get("headings_from", "styles")
    found = "the outline (bookmarks)" if source == "outline" else "the text's own styles"
    if not headed:
        print("\nheadings found: none (sections are pages, compared as running text)")
        return
    print(f"\nheadings found: {len(headed)}, from {found}")
    for section in headed:
        pages = ",".join(str(page) for page in section.pages)
        indent = "  " * (len(section.heading_path) - 1)
        print(f"  {indent}{section.heading_path[-1]}   [p. {pages}]")


if __name__ == "__main__":
    raise SystemExit(main())

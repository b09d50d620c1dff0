"""A sources file naming three watched documents (NICE chapter, BHC page, BACME PDF)."""

from __future__ import annotations

from pathlib import Path

NICE_ID = "nice-ng206-recommendations"

SOURCES = """
[sources.nice]
name = "NICE"
homepage = "https://www.nice.org.uk"

[sources.bhc]
name = "Bateman Horne Center"
homepage = "https://batemanhornecenter.org"

[sources.bacme]
name = "BACME"
homepage = "https://bacme.info"

[documents.nice-ng206-recommendations]
source = "nice"
title = "NICE NG206: Recommendations"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"

[documents.bhc-orthostatic-intolerance]
source = "bhc"
title = "Bateman Horne Center: Orthostatic intolerance"
kind = "html"
url = "https://batemanhornecenter.org/clinical-care-guide/"
selector = "article .entry-content"

[documents.bacme-guide]
source = "bacme"
title = "BACME: Guide to therapy"
kind = "pdf"
url = "https://bacme.info/guide.pdf"
"""


def write_sources(folder: Path) -> Path:
    """Write SOURCES to folder/sources.toml and return its path."""
    path = folder / "sources.toml"
    path.write_text(SOURCES, encoding="utf-8")
    return path

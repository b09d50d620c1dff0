"""Your own documents served as the benchmark mirror: every PDF and HTML file of a folder.

For `benchmarks/storage.py --documents DIR`: what the database holds against the bodies of
documents you have (a publisher's real PDFs carry fonts and images the synthetic mirror's
lack, so their text is a smaller share of their bytes). Files are served as they are, with an
ETag and a Last-Modified; they are never edited, so there is no changed cycle.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.mirror import Mirror, MirrorDocument

KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def folder_documents(folder: Path) -> list[MirrorDocument]:
    """One document per PDF or HTML file of the folder, in name order."""
    docs = []
    for n, file in enumerate(sorted(folder.iterdir())):
        kind = KINDS.get(file.suffix.lower())
        if kind is None or not file.is_file():
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-")[:40] or "file"
        docs.append(MirrorDocument(f"own-{n:03d}-{slug}", kind, f"/own/{n:03d}/{file.name}", []))
    if not docs:
        raise SystemExit(f"no .pdf, .html or .htm file in {folder}")
    return docs


class FileMirror(Mirror):
    """Serves the files of a folder as they are (pages: main, article or body, as by default)."""

    selector = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(folder_documents(folder))

    def body(self, doc: MirrorDocument) -> bytes:
        """The file's bytes, as they are."""
        return (self.folder / doc.path.rsplit("/", 1)[1]).read_bytes()

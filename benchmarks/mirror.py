"""A synthetic loopback mirror for the cycle and storage benchmarks: HTML pages and PDFs.

Pages look like a publisher's (navigation, scripts and a footer around a `<main>` of headed
sections); PDFs are drawn with reportlab (14-16 pages of headed paragraphs, compressed
page streams, as publishers' PDFs are). Every body is served with an ETag and a
Last-Modified, so an unchanged document is answered 304 as a real site would answer it.
"""

from __future__ import annotations

import hashlib
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.words import WORDS  # noqa: E402
from tests.support.site import FixtureSite, Reply  # noqa: E402

LAST_MODIFIED = "Mon, 01 Jan 2024 06:00:00 GMT"
_SITE = random.Random(1)
NAV = "".join(
    f'<li><a href="/{_SITE.choice(WORDS)}/{_SITE.randrange(10**6)}">'
    f"{' '.join(_SITE.choice(WORDS) for _ in range(4))}</a></li>"
    for _ in range(300)
)  # a publisher's menus: some 30 KB of links around the content
SCRIPT = "".join(
    f"window.cfg{n}={{id:{_SITE.randrange(10**9)},k:'{_SITE.randrange(16**12):x}'}};"
    for n in range(150)
)


@dataclass
class MirrorDocument:
    """One watched document of the mirror."""

    id: str
    kind: str  # "html" or "pdf"
    path: str
    sections: list[tuple[str, str]]  # (heading, text)
    edits: int = 0


def sentence(rng: random.Random) -> str:
    """One guidance-like sentence."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 22))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    """Four to six sentences."""
    return " ".join(sentence(rng) for _ in range(rng.randint(4, 6)))


def html_body(doc: MirrorDocument) -> bytes:
    """The page as a publisher would serve it."""
    main = "".join(f"<h2>{h}</h2><p>{t}</p>" for h, t in doc.sections)
    page = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{doc.id}</title>"
        f"<script>{SCRIPT}</script><link rel=stylesheet href=/style.css></head><body>"
        f"<header><nav><ul>{NAV}</ul></nav></header>"
        f"<main><h1>Guidance {doc.id}</h1>{main}</main>"
        f"<footer><ul>{NAV}</ul><p>Copyright, cookies and accessibility.</p></footer>"
        "</body></html>"
    )
    return page.encode("utf-8")


def pdf_body(doc: MirrorDocument) -> bytes:
    """The document drawn as a PDF of 14-16 pages."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    rl_config.useA85 = 0  # binary Flate streams, as publishers' PDFs have (not ASCII85)
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():  # an embedded font, as published
        pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
        pdfmetrics.registerFont(TTFont("VeraBd", "VeraBd.ttf"))
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Vera")
    head = ParagraphStyle("head", parent=styles["Heading2"], fontName="VeraBd")
    out = io.BytesIO()
    story: list[object] = []
    for heading, text in doc.sections:
        if heading == "":
            story.append(PageBreak())
            continue
        story += [Paragraph(heading, head), Paragraph(text, body)]
    pdf = SimpleDocTemplate(out, pagesize=A4, title=doc.id, invariant=1, pageCompression=1)
    pdf.build(story)  # type: ignore[arg-type]
    return out.getvalue()


def make_documents(html: int, pdf: int, seed: int = 13) -> list[MirrorDocument]:
    """The mirror's documents: `html` pages of 12-20 sections, `pdf` PDFs of 14-16 pages."""
    rng = random.Random(seed)
    docs = []
    for i in range(html):
        count = rng.randint(12, 20)
        parts = [(f"{n + 1}. Heading {n + 1}", paragraph(rng)) for n in range(count)]
        path = f"/guidance/mecfs-{i:03d}/chapter/recommendations"
        docs.append(MirrorDocument(f"mirror-html-{i:03d}-guidance", "html", path, parts))
    for i in range(pdf):
        pages: list[tuple[str, str]] = []
        for page in range(rng.randint(14, 16)):
            if page:
                pages.append(("", ""))  # a page break
            pages += [(f"{page + 1}.{n + 1} Heading", paragraph(rng)) for n in range(4)]
        path = f"/media/default/mecfs-{i:03d}/clinical-guide.pdf"
        docs.append(MirrorDocument(f"mirror-pdf-{i:03d}-clinical-guide", "pdf", path, pages))
    return docs


def edit(doc: MirrorDocument, rng: random.Random) -> None:
    """Change one sentence of one section (a real, small change)."""
    doc.edits += 1
    candidates = [i for i, (h, _) in enumerate(doc.sections) if h]
    k = rng.choice(candidates)
    heading, text = doc.sections[k]
    doc.sections[k] = (heading, f"{text} Edit {doc.edits}: {sentence(rng)}")


class Mirror:
    """Serves the documents on a loopback FixtureSite, rebuilding bodies when edited."""

    selector: str | None = "main"  # where a page's text is, for the sources file

    def __init__(self, docs: list[MirrorDocument]) -> None:
        self.docs = docs
        self.site = FixtureSite()
        self.bodies: dict[str, bytes] = {}
        for doc in docs:
            self.publish(doc)

    def body(self, doc: MirrorDocument) -> bytes:
        """The document's current body."""
        return html_body(doc) if doc.kind == "html" else pdf_body(doc)

    def publish(self, doc: MirrorDocument) -> None:
        """Serve the document's current body with its validators."""
        body = self.body(doc)
        self.bodies[doc.id] = body
        kind = "text/html; charset=utf-8" if doc.kind == "html" else "application/pdf"
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers = {"Content-Type": kind, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        self.site.set(doc.path, Reply(body=body, headers=headers))

    def change(self, share: float, rng: random.Random) -> list[str]:
        """Edit a share of the documents; return their ids."""
        chosen = rng.sample(self.docs, max(1, round(share * len(self.docs))))
        for doc in chosen:
            edit(doc, rng)
            self.publish(doc)
        return [doc.id for doc in chosen]

    def sources_toml(self) -> str:
        """A sources file declaring every document of the mirror."""
        lines = ['[sources.mirror]\nname = "Benchmark mirror"\nhomepage = "http://127.0.0.1"\n']
        for doc in self.docs:
            lines.append(f"[documents.{doc.id}]")
            lines.append('source = "mirror"')
            lines.append(f'title = "Benchmark {doc.id}"')
            lines.append(f'kind = "{doc.kind}"')
            lines.append(f'url = "{self.site.url(doc.path)}"')
            if doc.kind == "html" and self.selector:
                lines.append(f'selector = "{self.selector}"')
            lines.append("")
        return "\n".join(lines)

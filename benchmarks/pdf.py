"""Benchmark PDF extraction against pypdfium2's plain page-text extraction of the same file.

Draws a 100-page guide (embedded TrueType fonts, numbered headings, paragraphs, bullet
lists, a chart every fifth page) with the test suite's PDF generator, then times, side by
side in one process and alternating, two ways of reading it:

- plain: pypdfium2 opens the PDF and gives each page's text (`get_textpage().get_text_range()`),
  the least any extraction does;
- guidewatch: `scrapers.pdf.extract_pdf`, the whole extraction (lines, figures, reading
  order, headings, sections).

    uv run python benchmarks/pdf.py                      # the generated 100-page guide
    uv run python benchmarks/pdf.py --pages 20 --repeat 3
    uv run python benchmarks/pdf.py --pdf some.pdf --pdf other.pdf   # your own PDFs too

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402

from scrapers.pdf import extract_pdf  # noqa: E402
from tests.support.pdfgen import Block, Bullets, Chart, Heading, Layout, Para, make_pdf  # noqa: E402

WORDS = (
    "people with ME/CFS should be offered care that recognises post-exertional malaise and "
    "the need for energy management within their limits agreed with a healthcare professional "
    "review the plan regularly and do not offer any programme that uses fixed incremental "
    "increases in physical activity or exercise such as graded exercise therapy symptoms "
    "fatigue sleep cognitive difficulties pain orthostatic intolerance pacing rest activity "
    "diary baseline setbacks flare support family carers school work benefits services"
).split()


def sentence(rng: random.Random) -> str:
    """One synthetic sentence of 8 to 28 words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 28))]
    return " ".join(words).capitalize() + "."


def guide(pages: int, seed: int = 7) -> list[list[Block]]:
    """A guide of about `pages` pages: two numbered sections a page, lists, charts."""
    rng = random.Random(seed)
    content: list[list[Block]] = []
    for number in range(1, pages + 1):
        page: list[Block] = [Heading(1, f"{number}. {sentence(rng)[:40].rstrip('.')}")]
        page.append(Para(" ".join(sentence(rng) for _ in range(5))))
        page.append(Heading(2, f"{number}.1 {rng.choice(WORDS).capitalize()} and rest"))
        page.append(Para(" ".join(sentence(rng) for _ in range(4))))
        page.append(Bullets(tuple(sentence(rng) for _ in range(3))))
        if number % 5 == 0:
            page.append(Chart(("Good day", "Bad day", "BEHAVIOUR", "Fatigue and", "pain")))
        else:
            page.append(Para(" ".join(sentence(rng) for _ in range(3))))
        content.append(page)
    return content


def build(pages: int) -> bytes:
    """The benchmark PDF, with reportlab's bundled Vera fonts embedded as Word embeds its own."""
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("VeraBd", "VeraBd.ttf"))
    layout = Layout(font="Vera", bold_font="VeraBd", body_size=11.0)
    return make_pdf(guide(pages), layout=layout, title="Benchmark guide", running_header="Guide")


def plain(body: bytes) -> int:
    """pypdfium2's page text of every page: what any extraction at least has to do."""
    pdf = pdfium.PdfDocument(body)
    try:
        total = 0
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            total += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return total
    finally:
        pdf.close()


def guidewatch(body: bytes) -> int:
    """The whole extraction."""
    return len(extract_pdf(body).sections)


def measure(body: bytes, repeat: int) -> dict[str, dict[str, list[float]]]:
    """CPU and wall seconds per run of each reader, alternating them so both see the same
    machine. CPU time (this process's) is the fairer figure on a shared machine."""
    readers: dict[str, Callable[[bytes], int]] = {"plain": plain, "guidewatch": guidewatch}
    for reader in readers.values():
        reader(body)  # warm: imports, the word list, pdfium's font cache
    times: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": []} for name in readers}
    for _ in range(repeat):
        for name, reader in readers.items():
            cpu, wall = time.process_time(), time.perf_counter()
            reader(body)
            times[name]["cpu"].append(time.process_time() - cpu)
            times[name]["wall"].append(time.perf_counter() - wall)
    return times


def report(name: str, body: bytes, repeat: int) -> None:
    """Print one file's figures."""
    pdf = pdfium.PdfDocument(body)
    pages = len(pdf)
    pdf.close()
    times = measure(body, repeat)
    print(f"\n{name}: {pages} pages, {len(body):,} bytes, {repeat} runs each (ms)")
    print(f"  {'':<11} {'cpu median':>11} {'cpu best':>9} {'wall median':>12} {'wall best':>10}")
    for reader, clocks in times.items():
        cpu, wall = clocks["cpu"], clocks["wall"]
        print(
            f"  {reader:<11} {statistics.median(cpu) * 1000:11.1f} {min(cpu) * 1000:9.1f} "
            f"{statistics.median(wall) * 1000:12.1f} {min(wall) * 1000:10.1f}"
        )
    for clock in ("cpu", "wall"):
        ours, base = times["guidewatch"][clock], times["plain"][clock]
        print(
            f"  ratio {clock:<4}  {statistics.median(ours) / statistics.median(base):.2f}x "
            f"(medians), {min(ours) / min(base):.2f}x (best runs)"
        )


def main() -> int:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages of the generated guide")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each reader")
    parser.add_argument("--pdf", type=Path, action="append", default=[], help="also this PDF")
    args = parser.parse_args()
    print(
        f"guidewatch PDF benchmark: pypdfium2 {pdfium.version.PYPDFIUM_INFO}, pdfium "
        f"{pdfium.version.PDFIUM_INFO}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    report(f"generated guide ({args.pages} pages asked)", build(args.pages), args.repeat)
    for path in args.pdf:
        report(str(path), path.read_bytes(), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

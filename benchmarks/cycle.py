"""What a cycle costs in CPU, side by side with urlwatch, on a 200-document loopback mirror.

Builds the mirror of benchmarks/mirror.py (150 HTML pages, 50 PDFs of 14-16 pages drawn with
reportlab), serves it on 127.0.0.1, and runs `guidewatch run` as a new process for each of:
a first cycle (a fresh database), a cycle with 5% of the documents changed, and a cycle with
nothing changed (answered 304). The figure is the CPU seconds (user + system) of the whole
process and the processes it waited for (os.wait4), median of the runs; the load average is
printed with every figure, because on a shared machine CPU seconds move with it.

With --urlwatch install (urlwatch 2.29 installed into a scratch environment the first time,
benchmarks/urlwatch_env.py) or --urlwatch PYTHON (the python of one you have), urlwatch runs
the same cycles on the same mirror, in alternation:
`css:main` + `html2text` for the pages, and for the PDFs a hooks filter piping the bytes
through poppler's `pdftotext` command (urlwatch's own `pdf2text` needs the `pdftotext` Python
package, which does not build here without poppler's C++ headers).

    bin/python benchmarks/cycle.py --urlwatch install
    bin/python benchmarks/cycle.py --html 30 --pdf 10 --repeat 3       # quicker, guidewatch only

Not a test: it prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import urlwatch_env  # noqa: E402
from benchmarks.mirror import Mirror, make_documents  # noqa: E402

URLWATCH_HOOKS = '''
import subprocess
from urlwatch.filters import FilterBase


class PdfToTextCommand(FilterBase):
    """Convert PDF to plain text with poppler's pdftotext command."""

    __kind__ = "pdftotext-command"
    __uses_bytes__ = True

    def filter(self, data, subfilter):
        done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        return done.stdout.decode("utf-8", "replace")
'''


def load() -> str:
    """The 1-minute load average, as `uptime` shows it."""
    return f"{os.getloadavg()[0]:.2f}"


def cpu_of(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Run a process to its end; return its CPU seconds and those of the children it waited for."""
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: guidewatch says a document failed
        raise RuntimeError(f"{argv[:4]} exited {process.returncode}")
    return usage.ru_utime + usage.ru_stime


@dataclass
class Tool:
    """One watcher under test: how to run a cycle, and how to start afresh."""

    name: str
    folder: Path
    run: Callable[[], float]
    reset: Callable[[], None]
    figures: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def cycle(self, phase: str) -> None:
        """Run one cycle and keep its CPU seconds and the load."""
        seconds = self.run()
        self.figures.setdefault(phase, []).append((seconds, load()))


def guidewatch(mirror: Mirror, folder: Path, root: Path = ROOT, name: str = "guidewatch") -> Tool:
    """guidewatch as `make once` runs it (the checkout at root), on its own data folder."""
    sources = folder / "sources.toml"
    sources.write_text(mirror.sources_toml(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUIDEWATCH_", "PREFECT_API"))}
    env |= {"GUIDEWATCH_DATA_DIR": str(folder / "data"), "GUIDEWATCH_PAUSE_SECONDS": "0"}
    argv = [sys.executable, "-m", "guidewatch", "--sources", str(sources), "run"]
    return Tool(
        name,
        folder,
        lambda: cpu_of(argv, env, root),
        lambda: shutil.rmtree(folder / "data", ignore_errors=True),
    )


def urlwatch(mirror: Mirror, folder: Path, python: str) -> Tool:
    """urlwatch with a selector filter for pages and pdftotext for PDFs."""
    jobs = []
    for doc in mirror.docs:
        url = mirror.site.url(doc.path)
        if doc.kind == "html":
            jobs.append(f"name: {doc.id}\nurl: {url}\nfilter:\n  - css: main\n  - html2text\n")
        else:
            jobs.append(f"name: {doc.id}\nurl: {url}\nfilter:\n  - pdftotext-command\n")
    (folder / "urls.yaml").write_text("---\n".join(jobs), encoding="utf-8")
    (folder / "hooks.py").write_text(URLWATCH_HOOKS, encoding="utf-8")
    config = folder / "urlwatch.yaml"
    argv = [
        str(Path(python).parent / "urlwatch"), "--urls", str(folder / "urls.yaml"),
        "--config", str(config), "--hooks", str(folder / "hooks.py"),
        "--cache", str(folder / "cache.db"),
    ]  # fmt: skip
    env = dict(os.environ)
    subprocess.run([*argv, "--edit-config"], env=env | {"EDITOR": "true"}, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return Tool(
        "urlwatch",
        folder,
        lambda: cpu_of(argv, env, folder),
        lambda: (folder / "cache.db").unlink(missing_ok=True),
    )


def report(figures: dict[str, dict[str, dict[str, float]]], docs: int) -> None:
    """Print medians per phase (see `medians`), with the loads seen."""
    names = list(figures)
    first = figures[names[0]]
    print(
        f"\n{'cycle':24} "
        + " ".join(f"{name + ' CPU s':>16}" for name in names)
        + f"  {names[0]}/{names[-1]}  loads"
    )
    for phase in first:
        cells = [figures[name][phase] for name in names]
        ratio = f"{cells[0]['cpu_s'] / cells[-1]['cpu_s']:5.2f}" if len(cells) > 1 else "    -"
        low = min(c["load_min"] for c in cells)
        high = max(c["load_max"] for c in cells)
        row = " ".join(f"{c['cpu_s']:16.2f}" for c in cells)
        print(f"{phase:24} {row}  {ratio}  {low:.2f}-{high:.2f}")
    per_doc = first["all unchanged"]["cpu_s"] / docs
    print(f"\nguidewatch, all unchanged: {per_doc * 1000:.1f} ms CPU per document")


def medians(tools: list[Tool]) -> dict[str, dict[str, dict[str, float]]]:
    """Each tool's median CPU seconds per phase, with the runs and the loads seen."""
    return {
        tool.name: {
            phase: {
                "cpu_s": statistics.median(s for s, _ in runs),
                "runs": len(runs),
                "load_min": min(float(lo) for _, lo in runs),
                "load_max": max(float(lo) for _, lo in runs),
            }
            for phase, runs in tool.figures.items()
        }
        for tool in tools
    }


def run(
    html: int, pdf: int, repeat: int, urlwatch_python: str | None = None, before: str | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """Build the mirror, run the cycles, print the figures; return them (see `medians`)."""
    docs = make_documents(html, pdf)
    mirror = Mirror(docs)
    rng = random.Random(7)
    print(
        f"guidewatch cycle benchmark: {html} HTML pages + {pdf} PDFs, "
        f"{repeat} runs per cycle; {os.cpu_count()} CPUs; load at start {load()}"
    )
    with mirror.site, tempfile.TemporaryDirectory(prefix="guidewatch-cycle-") as scratch:
        (Path(scratch) / "gw").mkdir()
        (Path(scratch) / "uw").mkdir()
        tools = [guidewatch(mirror, Path(scratch) / "gw")]
        if before:
            (Path(scratch) / "before").mkdir()
            tools.append(
                guidewatch(mirror, Path(scratch) / "before", Path(before).resolve(), "before")
            )
        if urlwatch_python:
            tools.append(urlwatch(mirror, Path(scratch) / "uw", urlwatch_python))
        for _ in range(repeat):  # first cycles: a fresh store each time, tools alternating
            for tool in tools:
                tool.reset()
                tool.cycle("first (all new)")
        for _ in range(repeat):
            mirror.change(0.05, rng)
            for tool in tools:
                tool.cycle("5% changed")
        for _ in range(repeat):
            for tool in tools:
                tool.cycle("all unchanged")
        figures = medians(tools)
        report(figures, len(docs))
    print(f"load at end {load()}")
    return figures


def main() -> int:
    """Parse options, then build the mirror, run the cycles, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=int, default=150)
    parser.add_argument("--pdf", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each cycle (5)")
    parser.add_argument(
        "--urlwatch",
        metavar="PYTHON|install",
        help="compare with urlwatch: installed into a scratch environment, or one you have",
    )
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="another guidewatch checkout (e.g. `git worktree add DIR main`), run in alternation",
    )
    args = parser.parse_args()
    python, why_not = urlwatch_env.resolve(args.urlwatch)
    if args.urlwatch == "install" and python is None:
        parser.error(why_not)
    run(args.html, args.pdf, args.repeat, python, args.before)
    return 0


if __name__ == "__main__":
    sys.exit(main())

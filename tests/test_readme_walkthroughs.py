"""The README's walkthroughs (shell blocks that start a server with `&` and `export` settings),
run with bash as printed, in a fresh environment: PATH without ~/.local/bin, the real HOME (where
`make run` installed uv, as in the reader's shell), the project folder as working directory.

Only two things are changed in a block before it runs: each port number it chooses (`--port N`)
becomes a free port, everywhere it appears; each /tmp data folder becomes one under the test's
temporary folder. The block runs under `set -e` (a command that fails fails the test) with a
bounded timeout; its background servers are killed with their process group at the end. The
output is checked against the lines the README shows after the block.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds for one block; the archive block alone waits ~40 s on rate limits
DATES = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


@dataclass
class Walkthrough:
    """One walkthrough block and the output the README shows after it."""

    first_line: str
    script: str
    shown: list[str]


def walkthroughs() -> list[Walkthrough]:
    """Every ```sh block that starts a server in the background and exports settings."""
    found: list[Walkthrough] = []
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        end = lines.index("```", i + 1)
        block = lines[i + 1 : end]
        background = any(re.search(r"&\s*(#.*)?$", line) for line in block)
        if background and any(line.startswith("export ") for line in block):
            shown_start = lines.index("```", end + 1)  # the next plain block: its output
            shown_end = lines.index("```", shown_start + 1)
            shown = [
                ln for ln in lines[shown_start + 1 : shown_end] if ln.strip() not in ("", "...")
            ]
            found.append(Walkthrough(block[0], "\n".join(block) + "\n", shown))
        i = end + 1
    return found


def localise(text: str, ports: dict[str, str], folders: dict[str, str]) -> str:
    """The README's text with its ports and /tmp folders replaced by this test's."""
    for old, new in ports.items():
        text = re.sub(rf"(?<!\d){old}(?!\d)", new, text)
    for old, new in folders.items():
        text = text.replace(old, new)
    return text


def run_block(script: str, tmp_path: Path) -> tuple[int, str]:
    """Run a script with bash -e in a fresh environment; kill what it left running."""
    out = tmp_path / "output.txt"
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "TMPDIR": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    with out.open("wb") as sink:
        # A session of its own: the block's background servers share its process group.
        shell = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = shell.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(shell.pid, sig)
                except ProcessLookupError:
                    break
                if sig == signal.SIGTERM:
                    try:
                        shell.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        pass
    return code, out.read_text(encoding="utf-8", errors="replace")


def prepare(walk: Walkthrough, tmp_path: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    """The block's script with free ports and a temporary data folder, and the maps used."""
    ports = {p: str(free_port()) for p in sorted(set(re.findall(r"--port (\d+)", walk.script)))}
    assert ports, f"a walkthrough chooses its port: {walk.first_line}"
    folders = {
        f: str(tmp_path / Path(f).name)
        for f in sorted(set(re.findall(r"/tmp/[\w.-]+", walk.script)))
    }
    assert folders, f"a walkthrough keeps its data in a /tmp folder: {walk.first_line}"
    return localise(walk.script, ports, folders), ports, folders


def test_the_readme_has_both_walkthroughs() -> None:
    firsts = [w.first_line for w in walkthroughs()]
    assert len(firsts) == 2, firsts
    assert any("scripts/mirror.py" in f for f in firsts)
    assert any("scripts/archive.py" in f for f in firsts)


def by_script(name: str) -> Walkthrough:
    """The walkthrough that starts this script."""
    return next(w for w in walkthroughs() if name in w.first_line)


def assert_shown(walk: Walkthrough, output: str, ports: dict[str, str], *, today: bool) -> None:
    """Every output line the README shows appears in what the block printed.

    today: the shown lines carry the day the README's author ran it, so dates are set aside.
    """

    def plain(text: str) -> str:
        return DATES.sub("<date>", text) if today else text

    printed = plain(output)
    assert walk.shown
    for line in walk.shown:
        expected = plain(localise(line, ports, {})).strip()
        assert expected in printed, f"README shows {line!r}; the block printed:\n{output}"


def test_the_mirror_walkthrough_runs_as_printed(tmp_path: Path) -> None:
    walk = by_script("scripts/mirror.py")
    script, ports, folders = prepare(walk, tmp_path)
    code, output = run_block(script, tmp_path)
    assert code == 0, output
    # The README's export is exactly the one the mirror prints (twice: version 1, version 2).
    export = next(ln for ln in script.splitlines() if ln.startswith("export GUIDEWATCH_REWRITE="))
    assert output.count(export + "\n") == 2, output
    assert "mirror: version 2 of tests/fixtures" in output
    assert "20 ok, 0 warning, 0 broken" in output
    assert output.count(": new version (version 1)") == 20
    for document in (
        "nice-ng206-recommendations",
        "dhsc-final-delivery-plan-text",
        "dhsc-interim-plan-consultation",
        "bacme-guide-to-therapy",
    ):
        assert f"{document}: new version (version 2)" in output
    assert output.count(": new version (version 2)") == 4
    assert "2 pending, 0 sent, 0 failed" in output
    assert "2 pending, 0 sent, 0 failed" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert_shown(walk, output, ports, today=True)
    assert (Path(folders["/tmp/guidewatch-demo"]) / "guidewatch.db").is_file()


def test_the_wayback_walkthrough_runs_as_printed(tmp_path: Path) -> None:
    walk = by_script("scripts/archive.py")
    script, ports, folders = prepare(walk, tmp_path)
    code, output = run_block(script, tmp_path)
    assert code == 0, output
    assert "summary: " in output  # the backfill's closing line
    assert_shown(
        walk, output, ports, today=False
    )  # search --first and show --at answer from the archive
    assert "first seen in the Wayback Machine's capture" in output
    assert all(Path(f).is_dir() for f in folders.values())

"""On a terminal, `guidewatch run` says as each document finishes: outcome and seconds."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.support.site import FixtureSite
from tests.support.sources import write_sources
from tests.support.world import BHC_PAGE_PATH, NICE_PATH, html, rewrites

ROOT = Path(__file__).parent.parent


def test_one_line_per_document_on_a_terminal(site: FixtureSite, tmp_path: Path) -> None:
    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_SOURCES": str(write_sources(tmp_path)),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
    }
    master, terminal = pty.openpty()
    command = [sys.executable, "-m", "guidewatch", "run"]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=terminal
    ) as run:
        os.close(terminal)
        out, _ = run.communicate(timeout=120)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    lines = shown.decode().replace("\r", "").splitlines()
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 3, lines
    assert re.match(
        r"\[1/3\] nice-ng206-recommendations: new version \(version 1\), \d+\.\d s", progress[0]
    )
    assert any(re.search(r"bacme-guide: (failed|gone), \d+\.\d s", line) for line in progress)
    # The summary on stdout (a pipe here) is unchanged.
    assert b"[1/3]" not in out and b"nice-ng206-recommendations: new version" in out

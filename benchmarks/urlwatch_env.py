"""A scratch environment with urlwatch 2.29, installed by uv, to compare a cycle's cost with.

The benchmarks install it themselves (`--urlwatch install`, targets.py's default): a virtual
environment in ~/.cache/guidewatch/urlwatch-2.29 ($XDG_CACHE_HOME/guidewatch/urlwatch-2.29
when that is set), from the pins in
benchmarks/urlwatch-requirements.txt, made again only when those pins change. It needs uv and
the package index (or uv's cache) once, and poppler's `pdftotext` command for the PDFs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent / "urlwatch-requirements.txt"


class UrlwatchUnavailable(RuntimeError):
    """urlwatch could not be installed or run here (the reason is the message)."""


def cache_folder() -> Path:
    """Where the scratch environment lives."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "guidewatch" / "urlwatch-2.29"


def find_uv() -> str:
    """The uv command: on PATH, or where scripts/bootstrap.sh puts it."""
    for candidate in (shutil.which("uv"), Path.home() / ".local" / "bin" / "uv"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise UrlwatchUnavailable("no uv to install urlwatch with (run scripts/bootstrap.sh first)")


def ensure(folder: Path | None = None) -> str:
    """Return the python of an environment with urlwatch, installing it when needed."""
    if shutil.which("pdftotext") is None:
        raise UrlwatchUnavailable(
            "poppler's pdftotext command is missing (urlwatch reads the PDFs through it): "
            "apt-get install poppler-utils"
        )
    folder = folder or cache_folder()
    python = folder / "bin" / "python"
    pins = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    marker = folder / "guidewatch-pins.sha256"
    if python.exists() and marker.exists() and marker.read_text().strip() == pins:
        return str(python)
    uv = find_uv()
    print(f"installing urlwatch 2.29 into {folder} (once; {REQUIREMENTS.name})", flush=True)
    steps = [
        [uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(folder)],
        # Compiled as guidewatch's own install is (scripts/bootstrap.sh), so neither tool pays
        # for compiling in a run where PYTHONDONTWRITEBYTECODE is set.
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        + ["-r", str(REQUIREMENTS)],
    ]
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise UrlwatchUnavailable(f"`{' '.join(argv[:3])}` failed: {reason[0]}")
    marker.write_text(pins + "\n")
    return str(python)


def resolve(choice: str | None) -> tuple[str | None, str]:
    """The urlwatch python for a --urlwatch value (install, none, or a python), and why not."""
    if choice is None or choice == "none":
        return None, "--urlwatch none"
    if choice != "install":
        return choice, ""
    try:
        return ensure(), ""
    except UrlwatchUnavailable as error:
        return None, f"urlwatch not installed: {error}"

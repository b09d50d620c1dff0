"""benchmarks/urlwatch_env.py: the scratch urlwatch environment the benchmarks install.

Installing urlwatch for real needs the package index, which tests never reach: a stand-in `uv`
(a shell script recording its arguments) takes its place; everything else is real.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import pytest

from benchmarks import urlwatch_env
from benchmarks.urlwatch_env import REQUIREMENTS, UrlwatchUnavailable, ensure, resolve

FAKE_UV = """#!/bin/sh
echo "$@" >> "{log}"
if [ "$1" = venv ]; then
  for last; do :; done
  mkdir -p "$last/bin" && touch "$last/bin/python"
fi
if [ -n "{fail}" ] && [ "$1" = pip ]; then
  echo "error: Failed to fetch: https://pypi.org/simple/urlwatch/ (network unreachable)" >&2
  exit 2
fi
"""


def executable(path: Path, text: str) -> Path:
    """Write an executable script."""
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only a pdftotext, and a HOME with no uv under it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    executable(tools / "pdftotext", "#!/bin/sh\nexit 0\n")
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tools


def test_pins_are_urlwatch_229_and_every_dependency() -> None:
    pins = [line for line in REQUIREMENTS.read_text().splitlines() if "==" in line]
    assert "urlwatch==2.29" in pins
    assert all(not line.startswith("#") for line in pins)
    assert {"lxml", "cssselect", "minidb", "requests", "pyyaml"} <= {
        line.split("==")[0] for line in pins
    }


def test_reuses_an_environment_made_from_the_same_pins(tmp_path: Path, bare_path: Path) -> None:
    folder = tmp_path / "env"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").touch()
    (folder / "guidewatch-pins.sha256").write_text(
        hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest() + "\n"
    )
    # No uv anywhere: had it tried to install, it would have raised.
    assert ensure(folder) == str(folder / "bin" / "python")


def test_installs_again_when_the_pins_changed(tmp_path: Path, bare_path: Path) -> None:
    log = tmp_path / "uv.log"
    executable(bare_path / "uv", FAKE_UV.format(log=log, fail=""))
    folder = tmp_path / "env"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").touch()
    (folder / "guidewatch-pins.sha256").write_text("an older set of pins\n")

    assert ensure(folder) == str(folder / "bin" / "python")
    venv, pip = log.read_text().splitlines()
    assert venv.startswith("venv --quiet --clear --python ") and venv.endswith(str(folder))
    python = folder / "bin" / "python"
    assert pip == f"pip install --quiet --compile-bytecode --python {python} -r {REQUIREMENTS}"
    marker = (folder / "guidewatch-pins.sha256").read_text().strip()
    assert marker == hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    assert ensure(folder) == str(folder / "bin" / "python")
    assert len(log.read_text().splitlines()) == 2  # the second call installed nothing


def test_a_failed_install_says_why_and_marks_nothing(tmp_path: Path, bare_path: Path) -> None:
    executable(bare_path / "uv", FAKE_UV.format(log=tmp_path / "uv.log", fail="yes"))
    folder = tmp_path / "env"
    with pytest.raises(UrlwatchUnavailable, match="network unreachable"):
        ensure(folder)
    assert not (folder / "guidewatch-pins.sha256").exists()  # the next run tries again


def test_no_uv_and_no_pdftotext_are_reasons(tmp_path: Path, bare_path: Path) -> None:
    with pytest.raises(UrlwatchUnavailable, match="no uv"):
        ensure(tmp_path / "env")
    (bare_path / "pdftotext").unlink()
    with pytest.raises(UrlwatchUnavailable, match="apt-get install poppler-utils"):
        ensure(tmp_path / "env")


def test_resolve_install_none_and_a_python(
    tmp_path: Path, bare_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve("none") == (None, "--urlwatch none")
    assert resolve(sys.executable) == (sys.executable, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert urlwatch_env.cache_folder() == tmp_path / "cache" / "guidewatch" / "urlwatch-2.29"
    python, why_not = resolve("install")  # no uv on this PATH
    assert python is None
    assert why_not.startswith("urlwatch not installed: no uv")
    assert not os.path.exists(tmp_path / "cache" / "guidewatch" / "urlwatch-2.29" / "bin")

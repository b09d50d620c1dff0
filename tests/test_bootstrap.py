"""scripts/bootstrap.sh takes turns: a second bootstrap waits for the first (one lock per user)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_second_bootstrap_waits_for_the_lock(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    assert Path(uv).is_file(), "the tests run from an environment uv made"
    lock = tmp_path / ".cache" / "guidewatch-bootstrap.lock"
    lock.parent.mkdir(parents=True)
    env = {
        "PATH": f"{Path(uv).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
    }
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a first bootstrap holds while it installs
        second = subprocess.Popen(
            [str(ROOT / "scripts/bootstrap.sh")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        time.sleep(3)
        assert second.poll() is None, "the second bootstrap did not wait for the first"
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, out.decode()
    assert b"another bootstrap is running; waiting" in out

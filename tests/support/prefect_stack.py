"""Real Prefect processes for tests: a server, workers and CLI calls, each in its own session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).parent.parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")
T = TypeVar("T")


def children_of(pid: int) -> list[int]:
    """The pids whose parent is pid (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants_of(pid: int) -> list[int]:
    """Every process below pid, children before their own children."""
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.5) -> T:
    """Poll check until it returns something truthy; fail with what after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class PrefectStack:
    """Prefect processes sharing one environment, logging to files, stopped together."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        auth = env.get("PREFECT_API_AUTH_STRING")
        self.auth: tuple[str, str] | None = None
        if auth:
            user, _, password = auth.partition(":")
            self.auth = (user, password)

    @property
    def api(self) -> str:
        """The server's API URL."""
        return self.env["PREFECT_API_URL"]

    def start(
        self, name: str, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a long-running prefect command in a session of its own, logging to name.log."""
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [PREFECT, *args],
                cwd=cwd,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def run(self, *args: str) -> str:
        """Run a prefect command to its end and return its output; fail on error."""
        done = subprocess.run(
            [PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def get(self, path: str) -> Any:
        """GET an API path with the stack's credentials and return the JSON answer."""
        answer = httpx.get(self.api + path, auth=self.auth, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST JSON to an API path with the stack's credentials and return the JSON answer."""
        answer = httpx.post(self.api + path, json=body, auth=self.auth, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def patch(self, path: str, body: dict[str, Any]) -> None:
        """PATCH an API path with the stack's credentials."""
        answer = httpx.patch(self.api + path, json=body, auth=self.auth, timeout=10)
        answer.raise_for_status()

    def wait_healthy(self, timeout: float = 150) -> None:
        """Wait until the server answers its health check (or fail with its log)."""
        server = self.processes["server"]

        def healthy() -> bool:
            assert server.poll() is None, f"prefect server exited:\n{self.tail('server')}"
            try:
                return httpx.get(self.api + "/health", auth=self.auth, timeout=2).json() is True
            except (httpx.HTTPError, ValueError):
                return False

        try:
            wait_for("the Prefect server's health check", healthy, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.tail('server')}") from None

    def kill(self, name: str) -> list[int]:
        """SIGKILL a process and everything it started, as a host losing power would."""
        process = self.processes[name]
        victims = [*descendants_of(process.pid), process.pid]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)
        return victims

    def stop(self) -> None:
        """Stop every process started (and what they started), newest first."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is not None:
                continue
            below = descendants_of(process.pid)
            for pid in [*below, process.pid]:
                try:
                    os.killpg(os.getpgid(pid), signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            for pid in [*below, process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def tail(self, name: str, size: int = 3000) -> str:
        """The end of a process's log, for failure messages."""
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

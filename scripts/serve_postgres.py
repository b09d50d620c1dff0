"""What `make run-postgres` runs: guidewatch's scale-out shape, on one machine.

    export PREFECT_SERVER_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:PASSWORD@db/prefect
    export GUIDEWATCH_DATABASE_URL=postgresql+psycopg://guidewatch:PASSWORD@db/guidewatch
    make run-postgres

Starts a Prefect server on 127.0.0.1 whose state is in the first database, with API auth on;
the `guidewatch` process work pool; the automation of deploy/crash-silent-runs.yaml (a run
whose worker died is marked Crashed); the deployments of prefect.yaml; GUIDEWATCH_WORKERS
workers (default 2), each a process with its own folder; and one run of every document now.
Every version, fetch and alert goes to the guidewatch database. Ctrl-C (or TERM) stops it
all: the runs in progress (they end Crashed), the workers, the server.

Other settings: GUIDEWATCH_DATA_DIR (default ./data; this uses its scale-out/ folder),
GUIDEWATCH_PREFECT_PORT (default 4200), PREFECT_SERVER_API_AUTH_STRING (default: a random
one kept in scale-out/api-auth-string), and every GUIDEWATCH_* setting of the flows.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from guidewatch.monitor import shown_url
from guidewatch.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")
POOL = "guidewatch"
AUTOMATION = ROOT / "deploy" / "crash-silent-runs.yaml"


class SetupError(Exception):
    """Something the user must fix before the stack can start."""


def check_urls(env: Mapping[str, str]) -> tuple[str, str]:
    """Return the Prefect and guidewatch database URLs, or say what is missing or wrong."""
    prefect_url = env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL", "")
    guidewatch_url = env.get("GUIDEWATCH_DATABASE_URL", "")
    problems = []
    if not prefect_url.startswith("postgresql+asyncpg://"):
        problems.append(
            "PREFECT_SERVER_DATABASE_CONNECTION_URL must be the Prefect server's PostgreSQL "
            "database, as postgresql+asyncpg://USER:PASSWORD@HOST:5432/prefect"
        )
    if not guidewatch_url.startswith("postgresql+psycopg://"):
        problems.append(
            "GUIDEWATCH_DATABASE_URL must be guidewatch's PostgreSQL database, as "
            "postgresql+psycopg://USER:PASSWORD@HOST:5432/guidewatch"
        )
    if prefect_url and prefect_url.split("://", 1)[-1] == guidewatch_url.split("://", 1)[-1]:
        problems.append("the two URLs name the same database: give each its own")
    if problems:
        raise SetupError("\n".join(problems))
    return prefect_url, guidewatch_url


def auth_string(env: Mapping[str, str], home: Path) -> str:
    """The API's USER:PASSWORD: from the environment, or kept (mode 600) under home."""
    given = env.get("PREFECT_SERVER_API_AUTH_STRING")
    if given:
        return given
    kept = home / "api-auth-string"
    if not kept.exists():
        kept.touch(mode=0o600)
        kept.write_text(f"guidewatch:{secrets.token_urlsafe(24)}\n")
    return kept.read_text().strip()


def descendants(pid: int) -> list[int]:
    """Every process below pid (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def end(pids: list[int], seconds: float = 30) -> None:
    """TERM processes that are not our children, wait for them, KILL what is left after seconds."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        time.sleep(0.2)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Stack:
    """The processes started, each in a session of its own, and the API they share."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.api = env["PREFECT_API_URL"]
        user, _, password = env["PREFECT_API_AUTH_STRING"].partition(":")
        self.client = httpx.Client(base_url=self.api, auth=(user, password), timeout=10)
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, log: str, *args: str, cwd: Path = ROOT, **extra: str) -> None:
        """Start a prefect command in the background, its output appended to logs/log."""
        with (self.logs / log).open("ab") as out:
            self.processes.append(
                subprocess.Popen(
                    [PREFECT, *args],
                    cwd=cwd,
                    env={**self.env, **extra},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def run(self, log: str, *args: str) -> None:
        """Run a prefect command to its end; raise SetupError with its output on failure."""
        with (self.logs / log).open("ab") as out:
            done = subprocess.run(
                [PREFECT, *args], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if done.returncode:
            tail = (self.logs / log).read_text(errors="replace")[-2000:]
            raise SetupError(f"prefect {' '.join(args)} failed:\n{tail}")

    def healthy(self) -> bool:
        """Tell whether the server answers its health check."""
        try:
            return self.client.get("/health", timeout=2).json() is True
        except (httpx.HTTPError, ValueError):
            return False

    def wait_healthy(self, seconds: float = 180) -> None:
        """Wait for the server (started first) to answer, or raise SetupError."""
        deadline = time.monotonic() + seconds
        while not self.healthy():
            if self.processes[0].poll() is not None or time.monotonic() > deadline:
                tail = (self.logs / "server.log").read_text(errors="replace")[-2000:]
                raise SetupError(f"the Prefect server did not start:\n{tail}")
            time.sleep(0.5)

    def ensure_pool_and_automation(self) -> None:
        """Create the process work pool and the crash automation unless they exist."""
        if self.client.get(f"/work_pools/{POOL}").status_code == 404:
            self.client.post("/work_pools/", json={"name": POOL, "type": "process"})
        automation: dict[str, Any] = yaml.safe_load(AUTOMATION.read_text())
        existing = self.client.post("/automations/filter", json={}).json()
        if automation["name"] not in {a["name"] for a in existing}:
            self.client.post("/automations/", json=automation).raise_for_status()

    def crash_leftovers(self) -> None:
        """Mark Crashed the pool's runs left Pending or Running by a previous, unclean stop."""
        runs = self.client.post(
            "/flow_runs/filter",
            json={
                "flow_runs": {"state": {"type": {"any_": ["PENDING", "RUNNING", "CANCELLING"]}}},
                "work_pools": {"name": {"any_": [POOL]}},
            },
        ).json()
        for run in runs:
            state = {"type": "CRASHED", "name": "Crashed", "message": "left by a previous stop"}
            self.client.post(
                f"/flow_runs/{run['id']}/set_state", json={"state": state, "force": True}
            )
            print(f"guidewatch: flow run {run['name']} was {run['state_name']}: marked Crashed")

    def stop(self) -> None:
        """Stop the flow runs, then the workers, then the server."""
        for process in reversed(self.processes):
            if process.poll() is None:
                end(descendants(process.pid))
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            process.wait()
        self.client.close()


def _set(env: Mapping[str, str]) -> dict[str, str]:
    """The variables that hold a value (load_settings counts an empty one as unset)."""
    return {name: value for name, value in env.items() if value.strip()}


def main() -> int:
    """Start everything, print where to look, and stay up until a signal."""
    try:
        prefect_url, guidewatch_url = check_urls(os.environ)
    except SetupError as error:
        print(f"guidewatch: {error}", file=sys.stderr)
        return 2
    try:  # the data folder defaults to the project's, wherever this is started from
        settings = load_settings({"GUIDEWATCH_DATA_DIR": str(ROOT / "data")} | _set(os.environ))
    except SettingsError as error:
        print(f"guidewatch: {error}", file=sys.stderr)
        return 2
    home = settings.data_dir / "scale-out"
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = settings.prefect_port
    workers = settings.workers
    auth = auth_string(os.environ, home)
    env = dict(os.environ) | {
        "PWD": str(ROOT),  # prefect.yaml's pull step: the flow runs start from here
        "PREFECT_HOME": str(home / "server"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_AUTH_STRING": auth,
        "PREFECT_API_AUTH_STRING": auth,
        "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get(
            "PREFECT_SERVER_ANALYTICS_ENABLED", "false"
        ),
    }
    stack = Stack(env, logs)
    if stack.healthy():
        print(f"guidewatch: something already answers on port {port}", file=sys.stderr)
        return 1
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    try:
        where = shown_url(prefect_url)
        print(f"guidewatch: starting the Prefect server on 127.0.0.1:{port}, on {where}")
        stack.start("server.log", "server", "start", "--host", "127.0.0.1", "--port", str(port))
        stack.wait_healthy()
        stack.crash_leftovers()
        stack.ensure_pool_and_automation()
        print("guidewatch: deploying prefect.yaml")
        stack.run("deploy.log", "--no-prompt", "deploy", "--all")
        host = socket.gethostname()
        for number in range(1, workers + 1):
            folder = home / f"worker-{number}"
            folder.mkdir(exist_ok=True)
            name = f"guidewatch-{host}-{number}"
            print(f"guidewatch: starting worker {name} in {folder}")
            stack.start(
                f"worker-{number}.log",
                *("worker", "start", "--pool", POOL, "--name", name),
                cwd=folder,
                PREFECT_HOME=str(folder / "prefect"),
                GUIDEWATCH_DATA_DIR=str(folder / "data"),
                TMPDIR=str(folder),
                PREFECT_FLOWS_HEARTBEAT_FREQUENCY=os.environ.get(
                    "PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30"
                ),
            )
        stack.run("first-run.log", "deployment", "run", "monitor/monitor-all")
        print(
            f"""
guidewatch is running: {workers} workers, one history in {shown_url(guidewatch_url)}.
A first run of every document has started now.

  Prefect UI:  http://127.0.0.1:{port}  (user and password: the file below)
  API auth:    {home / "api-auth-string"} unless PREFECT_SERVER_API_AUTH_STRING was set
  Logs:        {logs}
  Query it, in another terminal (with the same GUIDEWATCH_DATABASE_URL):
    uv run guidewatch history nice-ng206-recommendations
    uv run guidewatch fetches nice-ng206-recommendations
  The Prefect CLI needs PREFECT_API_URL={env["PREFECT_API_URL"]} and PREFECT_API_AUTH_STRING.

Press Ctrl-C to stop.""",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes):
            time.sleep(1)
        print(
            f"guidewatch: the server or a worker stopped unexpectedly (see {logs})", file=sys.stderr
        )
        return 1
    except SetupError as error:
        print(f"guidewatch: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C (uv passes it on too) must not cut the stop short.
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, signal.SIG_IGN)
        print("\nguidewatch: stopping the runs in progress, the workers and the server...")
        stack.stop()
        print("guidewatch: stopped.")


if __name__ == "__main__":
    sys.exit(main())

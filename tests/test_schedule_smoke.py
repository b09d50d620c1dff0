"""A real `prefect server start`, the project's prefect.yaml, a worker, and a *scheduled* run.

Only this catches the version breaks in Prefect's server (a scheduler that never creates runs,
an API that answers 422): flows called directly and prefect_test_harness pass regardless.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.site import FixtureSite, Reply
from tests.support.smtp import free_port

ROOT = Path(__file__).parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")
FIXTURES = Path(__file__).parent / "fixtures"
NICE = "/nice/guidance/ng206/chapter/Recommendations"
DOCUMENT = "nice-ng206-recommendations"
WAIT_SECONDS = 240

SOURCES = f"""
[sources.nice]
name = "NICE"
homepage = "https://www.nice.org.uk"

[documents.{DOCUMENT}]
source = "nice"
title = "NICE NG206: Recommendations"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/Recommendations"
"""


class Stack:
    """The processes of one Prefect installation, each in its own process group."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start a long-running prefect command in the background, logging to a file."""
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [PREFECT, *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def run(self, *args: str) -> str:
        """Run a prefect command to its end and return its output; fail the test on error."""
        done = subprocess.run(
            [PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def stop(self) -> None:
        """Stop every process group started, newest first (the worker, then the server)."""
        for process in reversed(self.processes):
            for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue

    def tail(self, name: str) -> str:
        """The end of a process's log, for failure messages."""
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def scheduled_copy(target: Path) -> Path:
    """The project's prefect.yaml with a 10-second interval added to the NICE deployment."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    [nice] = [d for d in config["deployments"] if d["name"] == "monitor-nice"]
    nice["schedules"] = [*nice["schedules"], {"interval": 10}]
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


@pytest.fixture
def stack(site: FixtureSite, tmp_path: Path) -> Iterator[Stack]:
    """A Prefect server on a free port with a temporary PREFECT_HOME, torn down afterwards."""
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "GUIDEWATCH_"))
    }
    env |= {
        "PWD": str(ROOT),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_PORT": str(port),
        # Fast loops, so that a scheduled run happens within seconds rather than a minute.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'guidewatch.db'}",
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_REWRITE": f"https://www.nice.org.uk={site.base_url}/nice",
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_RETRY_DELAY_SECONDS": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    prefect = Stack(env, logs)
    try:
        yield prefect
    finally:
        prefect.stop()


def _api(stack: Stack) -> str:
    return stack.env["PREFECT_API_URL"]


def _wait_healthy(stack: Stack, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, f"prefect server exited:\n{stack.tail('server')}"
        try:
            if httpx.get(f"{_api(stack)}/health", timeout=2).json() is True:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after 120 s:\n{stack.tail('server')}")


def _scheduled_runs_completed(stack: Stack, deployment_id: str) -> list[dict[str, Any]]:
    answer = httpx.post(
        f"{_api(stack)}/flow_runs/filter",
        json={
            "flow_runs": {
                "deployment_id": {"any_": [deployment_id]},
                "state": {"type": {"any_": ["COMPLETED"]}},
            },
            "limit": 50,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return [run for run in answer.json() if run["auto_scheduled"]]


def test_a_scheduled_run_completes_and_keeps_versions(site: FixtureSite, stack: Stack) -> None:
    """Deploy prefect.yaml (plus a 10 s interval), start a worker, see a scheduled run land."""
    body = (FIXTURES / "nice" / "ng206-recommendations-v1.html").read_bytes()
    site.set(NICE, Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"}))
    server = stack.start("server", "server", "start", "--host", "127.0.0.1")
    _wait_healthy(stack, server)
    stack.run("work-pool", "create", "guidewatch", "--type", "process")
    prefect_file = scheduled_copy(stack.logs.parent / "prefect.yaml")
    stack.run("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))
    deployment = httpx.get(f"{_api(stack)}/deployments/name/monitor/monitor-nice", timeout=10)
    deployment.raise_for_status()
    assert deployment.json()["global_concurrency_limit"]["limit"] == 1
    worker = stack.start("worker", "worker", "start", "--pool", "guidewatch")

    deadline = time.monotonic() + WAIT_SECONDS
    completed: list[dict[str, Any]] = []
    while not completed and time.monotonic() < deadline:
        assert worker.poll() is None, f"worker exited:\n{stack.tail('worker')}"
        completed = _scheduled_runs_completed(stack, deployment.json()["id"])
        time.sleep(2)
    assert completed, (
        f"no scheduled run completed in {WAIT_SECONDS} s\n"
        f"server:\n{stack.tail('server')}\nworker:\n{stack.tail('worker')}"
    )

    from storage import fetch_log, version_store
    from storage.db import make_engine, open_session

    engine = make_engine(stack.env["GUIDEWATCH_DATABASE_URL"])
    try:
        with open_session(engine) as session:
            versions = version_store.list_versions(session=session, document_id=DOCUMENT)
            fetches = fetch_log.list_fetches(session=session, document_id=DOCUMENT)
    finally:
        engine.dispose()
    assert [v.number for v in versions] == [1]
    assert fetches and fetches[-1].outcome == "new_version"
    assert any(r.path == NICE for r in site.requests)

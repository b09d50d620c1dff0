"""guidewatch past one machine: Prefect on PostgreSQL with auth, two workers, one history.

A real `prefect server start` whose database is a database of the test run's PostgreSQL
cluster, with PREFECT_SERVER_API_AUTH_STRING set (every client sends PREFECT_API_AUTH_STRING);
guidewatch's database on the same cluster; two process workers on the `guidewatch` pool, each
a process of its own with its own working folder, PREFECT_HOME and data folder (only the two
databases are shared, as between hosts); the deployments of the project's prefect.yaml with
short interval schedules added; the automation of deploy/crash-silent-runs.yaml. The sites
are served on loopback; one NICE chapter's answer is held back until the test releases it,
which keeps a NICE run in the middle of its work for as long as the test needs.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from sqlmodel import select

from tests.support.databases import PostgresCluster
from tests.support.ports import free_port
from tests.support.prefect_stack import ROOT, PrefectStack, wait_for
from tests.support.scale_out import (
    CHANGED_DOCUMENT,
    GONE_DOCUMENT,
    HELD_DOCUMENT,
    HELD_PATH,
    SOURCE_OF,
    SOURCES,
    HeldPage,
    serve_changed_wording,
    serve_sites,
)
from tests.support.site import FixtureSite
from tests.support.smtp import SmtpServer
from tests.support.world import rewrites

T = TypeVar("T")
POOL = "guidewatch"
WORKERS = ("worker-a", "worker-b")
AUTH = "guidewatch:scale-out-s3cret"
NICE, DHSC = "monitor-nice", "monitor-dhsc"
# Interval schedules added for the test (an interval's first run is one interval after the
# deployment). NICE comes due every few seconds, so that its runs collide with the held one
# and one follows the crash. DHSC comes due while the held run waits, early enough for the
# kill to come before the held run's second heartbeat (30 s after its first: the crash would
# then be seen 30 s later), and seldom enough not to crowd the one worker left.
INTERVALS = {NICE: 5, DHSC: 20}
# Heartbeats every 30 s (Prefect's minimum); this long without one means Crashed.
HEARTBEAT_SECONDS = 30
SILENCE_SECONDS = 35


@dataclass
class ScaleOut:
    """Everything the test started, and what it needs to look at it."""

    stack: PrefectStack
    site: FixtureSite
    held: HeldPage
    smtp: SmtpServer
    database_url: str
    deployments: dict[str, str]

    def runs(self) -> list[dict[str, Any]]:
        """The flow runs of the deployments that left Scheduled, each with its deployment."""
        names = {id_: name for name, id_ in self.deployments.items()}
        found = self.stack.post(
            "/flow_runs/filter",
            {
                "flow_runs": {
                    "deployment_id": {"any_": list(names)},
                    # Not the runs scheduled ahead: the scheduler makes up to 100 per deployment.
                    "state": {"type": {"not_any_": ["SCHEDULED"]}},
                },
                "limit": 200,
            },
        )
        for run in found:
            run["deployment"] = names[run["deployment_id"]]
        return list(found)

    def run(self, run_id: str) -> dict[str, Any]:
        """One flow run as the API shows it now."""
        return dict(self.stack.get(f"/flow_runs/{run_id}"))

    def placement(self) -> dict[str, str]:
        """Which worker started each flow run, from the workers' own logs."""
        placed: dict[str, str] = {}
        runs = self.runs()
        for worker in WORKERS:
            log = self.stack.tail(worker, size=10**7)
            submitted = set(re.findall(r"submitting flow run '([0-9a-f-]{36})'", log))
            started = set(re.findall(r"Flow run '([^']+)' submitted to infrastructure", log))
            for run in runs:
                if run["id"] in submitted and run["name"] in started:
                    placed[run["id"]] = worker
        return placed

    def heartbeats(self, run_id: str) -> list[dict[str, Any]]:
        """The heartbeat events the server has received from a flow run."""
        answer = self.stack.post(
            "/events/filter",
            {
                "filter": {
                    "event": {"name": ["prefect.flow-run.heartbeat"]},
                    "resource": {"id": [f"prefect.flow-run.{run_id}"]},
                }
            },
        )
        return list(answer["events"])

    def wait(self, what: str, check: Callable[[], T | None], timeout: float) -> T:
        """wait_for, failing with the ends of the server's and the workers' logs."""
        try:
            return wait_for(what, check, timeout)
        except AssertionError as error:
            logs = "\n".join(f"--- {n}:\n{self.stack.tail(n)}" for n in ("server", *WORKERS))
            raise AssertionError(f"{error}\n{logs}") from None

    def mark(self, step: str) -> None:
        """Note when a step was reached, in logs/steps.log (where the time goes)."""
        with (self.stack.logs / "steps.log").open("a") as steps:
            steps.write(f"{_now().isoformat()} {step}\n")


def _time(value: str | None) -> datetime:
    assert value is not None, "a run that ran has a start and an end time"
    return datetime.fromisoformat(value)


def _now() -> datetime:
    return datetime.now(UTC)


def _prefect_file(target: Path) -> Path:
    """The project's prefect.yaml with the test's interval schedules added."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        seconds = INTERVALS.get(deployment["name"])
        if seconds:
            deployment["schedules"] = [*deployment["schedules"], {"interval": seconds}]
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def _automation() -> dict[str, Any]:
    """deploy/crash-silent-runs.yaml's automation, with the test's shorter silence."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "deploy/crash-silent-runs.yaml").read_text())
    config["trigger"]["within"] = SILENCE_SECONDS
    return config


def _worker_env(
    folder: Path, sources: Path, database_url: str, site: FixtureSite, smtp: SmtpServer
) -> dict[str, str]:
    return {
        "PREFECT_HOME": str(folder / "prefect"),
        # The worker makes each flow run a temporary folder; one of a killed worker's stays.
        "TMPDIR": str(folder),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
        "GUIDEWATCH_DATA_DIR": str(folder / "data"),
        "GUIDEWATCH_DATABASE_URL": database_url,
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_RETRY_DELAY_SECONDS": "0",
        # The held chapter must not time out before the test is done with it.
        "GUIDEWATCH_READ_TIMEOUT": "300",
        "GUIDEWATCH_CONTACT": "tests@example.org",
        "GUIDEWATCH_SMTP_HOST": smtp.host,
        "GUIDEWATCH_SMTP_PORT": str(smtp.port),
        "GUIDEWATCH_SMTP_SECURITY": "none",
        "GUIDEWATCH_MAIL_TO": "watchers@example.org",
    }


@pytest.fixture
def scale_out(
    postgres: PostgresCluster, site: FixtureSite, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[ScaleOut]:
    """The server, the pool, two workers, the automation and the deployments; then all stopped."""
    prefect_database = postgres.new_database().replace("+psycopg", "+asyncpg")
    database_url = postgres.new_database()
    held = serve_sites(site)
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUIDEWATCH_"))}
    env |= {
        "PWD": str(ROOT),
        "PREFECT_HOME": str(tmp_path / "prefect-server"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_database,
        "PREFECT_SERVER_API_AUTH_STRING": AUTH,
        "PREFECT_API_AUTH_STRING": AUTH,
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = PrefectStack(env, logs)
    scale = ScaleOut(stack, site, held, smtp_server, database_url, {})
    scale.mark("begin")
    try:
        stack.start("server", "server", "start", "--host", "127.0.0.1")
        stack.wait_healthy()
        scale.mark("healthy")
        stack.post("/work_pools/", {"name": POOL, "type": "process"})
        stack.post("/automations/", _automation())
        for worker in WORKERS:
            folder = tmp_path / worker
            folder.mkdir()
            stack.start(
                worker,
                *("worker", "start", "--pool", POOL, "--name", worker, "--limit", "1"),
                cwd=folder,
                env=_worker_env(folder, sources, database_url, site, smtp_server),
            )
        # While the workers start, deploy: the first NICE run is due at once, the first DHSC
        # run one interval later, when both workers poll.
        prefect_file = _prefect_file(tmp_path / "prefect.yaml")
        stack.run("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))
        polling_path = f"/work_pools/{POOL}/workers/filter"
        wait_for(
            "both workers to poll the pool",
            lambda: {w["name"] for w in stack.post(polling_path, {})} >= set(WORKERS),
            timeout=90,
        )
        for name in INTERVALS:
            scale.deployments[name] = stack.get(f"/deployments/name/monitor/{name}")["id"]
        scale.mark("deployed, workers polling")
        yield scale
    finally:
        held.release()
        stack.stop()


def test_two_workers_share_one_history_and_survive_a_killed_worker(scale_out: ScaleOut) -> None:
    """Runs spread over two workers, never overlap per deployment, and a killed run is redone."""
    out, stack, site = scale_out, scale_out.stack, scale_out.site

    # The API refuses a client without the auth string, or with a wrong one.
    for auth in (None, ("guidewatch", "wrong")):
        answer = httpx.post(f"{stack.api}/flow_runs/filter", json={}, auth=auth, timeout=10)
        assert answer.status_code == 401

    # 1. A NICE run stores the recommendations, finds the context chapter gone, and waits on
    #    the held chapter; the server has its first heartbeat.
    out.wait(
        "a NICE run to ask for the held chapter",
        lambda: [r for r in site.requests_to(HELD_PATH) if r.ended_at is None],
        timeout=120,
    )
    [held] = [r for r in out.runs() if r["deployment"] == NICE and r["state_type"] == "RUNNING"]
    held_worker = out.wait("the held run's worker", lambda: out.placement().get(held["id"]), 30)
    [other_worker] = [w for w in WORKERS if w != held_worker]
    out.wait("the held run's heartbeat", lambda: out.heartbeats(held["id"]), 60)
    out.mark("held")

    # 2. Meanwhile the other worker runs the other source (and turns away the NICE runs that
    #    come due, as the held one has the deployment's one slot).
    def other_source_running() -> bool:
        placed = out.placement()
        return any(
            r["deployment"] == DHSC and r["start_time"] and placed.get(r["id"]) == other_worker
            for r in out.runs()
        )

    out.wait("the other worker to start the DHSC run", other_source_running, 120)
    assert out.run(held["id"])["state_type"] == "RUNNING"

    # 3. The held run's worker dies with its flow run (SIGKILL: nothing is left to report it).
    #    Its heartbeats stop; the automation marks it Crashed, which frees NICE's one slot.
    #    Until then, the NICE runs that come due are turned away (concurrency limit 1).
    stack.kill(held_worker)
    killed_at = _now()
    out.mark("killed")
    crashed = out.wait(
        "the killed run to be marked Crashed",
        lambda: (run := out.run(held["id"]))["state_type"] == "CRASHED" and run,
        timeout=HEARTBEAT_SECONDS + SILENCE_SECONDS + 60,
    )
    out.mark("crashed")
    out.wait(
        "a NICE run to be turned away while the held one had the slot",
        lambda: [
            r for r in out.runs() if r["deployment"] == NICE and r["state_type"] == "CANCELLED"
        ],
        timeout=60,
    )

    # 4. The held chapter answers again and the recommendations change their wording: the next
    #    scheduled NICE run, on the surviving worker, completes the killed run's documents.
    serve_changed_wording(site)
    out.held.release()
    released_at = _now()

    def after_release(*states: str) -> list[dict[str, Any]]:
        return [
            r
            for r in out.runs()
            if r["deployment"] == NICE
            and r["state_type"] in states
            and _time(r["start_time"]) > released_at
        ]

    out.wait("a NICE run after the crash", lambda: after_release("RUNNING", "COMPLETED"), 120)
    # No more runs from here on: the pool is paused, the runs in progress end.
    stack.patch(f"/work_pools/{POOL}", {"is_paused": True})
    out.wait(
        "the runs in progress to finish",
        lambda: not [r for r in out.runs() if r["state_type"] in ("PENDING", "RUNNING")],
        timeout=90,
    )
    out.mark("quiet")
    runs, placed = out.runs(), out.placement()
    assert after_release("COMPLETED")

    # The killed run is the only Crashed one; the surviving worker went on after it.
    assert crashed["auto_scheduled"]
    assert [r["id"] for r in runs if r["state_type"] == "CRASHED"] == [held["id"]]
    after_kill = {
        r["deployment"]
        for r in runs
        if r["state_type"] == "COMPLETED"
        and placed.get(r["id"]) == other_worker
        and _time(r["end_time"]) > killed_at
    }
    assert NICE in after_kill

    # Runs of different sources landed on both workers and overlapped in time.
    ran = [r for r in runs if r["state_type"] in ("COMPLETED", "FAILED", "CRASHED")]
    assert {placed.get(r["id"]) for r in ran} == set(WORKERS)
    overlapping = [
        (a["name"], b["name"])
        for a in ran
        for b in ran
        if placed.get(a["id"]) != placed.get(b["id"])
        and a["deployment"] != b["deployment"]
        and _time(a["start_time"]) < _time(b["end_time"])
        and _time(b["start_time"]) < _time(a["end_time"])
    ]
    assert overlapping

    # Two NICE runs never overlapped, though runs came due every 5 s on two workers: those
    # due while one ran were cancelled.
    held_span = (_time(crashed["start_time"]), _time(crashed["end_time"]))
    assert any(
        held_span[0] < _time(r["expected_start_time"]) < held_span[1]
        for r in runs
        if r["deployment"] == NICE and r["state_type"] == "CANCELLED"
    )
    spans = sorted(
        (_time(r["start_time"]), _time(r["end_time"])) for r in ran if r["deployment"] == NICE
    )
    assert len(spans) >= 2
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, "two NICE runs overlapped"

    _check_history(out, runs)


def _check_history(out: ScaleOut, runs: list[dict[str, Any]]) -> None:
    """Every document's versions, fetches and alerts are in the one database, once each."""
    from storage.changes import Alert, AlertItem, ChangeRow
    from storage.db import make_engine, open_session
    from storage.models import Fetch, Version

    engine = make_engine(out.database_url)
    try:
        with open_session(engine) as session:
            versions = session.exec(select(Version)).all()
            fetches = session.exec(select(Fetch)).all()
            items = session.exec(select(AlertItem)).all()
            alerts = session.exec(select(Alert)).all()
            changes = session.exec(select(ChangeRow)).all()
    finally:
        engine.dispose()

    # Versions: 1 per document, 2 for the one whose wording changed, each number once.
    numbers: dict[str, list[int]] = {}
    for version in sorted(versions, key=lambda v: (v.document_id, v.number)):
        numbers.setdefault(version.document_id, []).append(version.number)
    expected = {doc: [1] for doc in SOURCE_OF if doc != GONE_DOCUMENT} | {CHANGED_DOCUMENT: [1, 2]}
    assert numbers == expected
    changed = {v.number: v for v in versions if v.document_id == CHANGED_DOCUMENT}
    assert changed[1].text_sha256 != changed[2].text_sha256

    # Fetches: one per document per run that reached it. Every run that ended did all its
    # documents; the killed one did the NICE documents before the held one.
    ended = Counter(r["deployment"] for r in runs if r["state_type"] in ("COMPLETED", "FAILED"))
    fetched = Counter(f.document_id for f in fetches)
    for doc, source in SOURCE_OF.items():
        deployment = f"monitor-{source}"
        by_killed = 1 if deployment == NICE and doc != HELD_DOCUMENT else 0
        assert fetched[doc] == ended[deployment] + by_killed, (doc, fetched[doc], ended)

    # Alerts: the gone chapter, found by the killed run on one worker and again by the next
    # on the other, is told once; the changed wording once; every message sent once.
    kinds = Counter((item.kind, item.document_id) for item in items)
    assert kinds[("gone", GONE_DOCUMENT)] == 1
    assert kinds[("change", CHANGED_DOCUMENT)] >= 1
    assert set(kinds) == {("gone", GONE_DOCUMENT), ("change", CHANGED_DOCUMENT)}
    assert {(c.document_id, c.to_version_id) for c in changes} == {
        (CHANGED_DOCUMENT, changed[2].id)
    }
    assert all(item.alert_id is not None for item in items)
    assert alerts and {a.status for a in alerts} == {"sent"}
    delivered = Counter(message["Message-ID"] for message in out.smtp.messages())
    assert delivered == Counter(a.message_id for a in alerts)


def test_run_postgres_says_which_database_urls_it_needs(tmp_path: Path) -> None:
    """`make run-postgres` without PostgreSQL URLs starts nothing and says what to set."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GUIDEWATCH_"))}
    env |= {
        "GUIDEWATCH_DATA_DIR": str(tmp_path),
        "GUIDEWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'guidewatch.db'}",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "serve_postgres.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL must be" in done.stderr
    assert "GUIDEWATCH_DATABASE_URL must be guidewatch's PostgreSQL database" in done.stderr
    assert not list(tmp_path.iterdir())

"""`guidewatch run --prefect` finds the Prefect runner through the registry flows/ fills."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from guidewatch import runners
from guidewatch.cli import main
from guidewatch.monitor import RunSummary
from tests.support.cli import Cli

NICE = "nice-ng206-recommendations"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data folder, no Prefect server, and no runner registered by another test."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(tmp_path / "data"))
    runners.unregister(runners.PREFECT)
    yield tmp_path / "data"
    runners.unregister(runners.PREFECT)


def test_run_prefect_calls_the_registered_runner(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[list[str] | None, list[str] | None]] = []

    def fake(sources: list[str] | None, documents: list[str] | None) -> RunSummary:
        calls.append((sources, documents))
        return RunSummary(results=[], database="registered")

    runners.register(runners.PREFECT, fake)
    status, summary = Cli(capsys).json("run", "--prefect", "--document", NICE)
    assert status == 0
    assert calls == [(None, [NICE])]
    assert isinstance(summary, dict) and summary["database"] == "registered"


def test_the_installed_entry_point_is_the_prefect_flow_runner(env: Path) -> None:
    (declared,) = entry_points(group=runners.GROUP, name=runners.PREFECT)
    assert declared.value == "flows.monitor:run_monitor"
    from flows.monitor import run_monitor  # the test may import flows; guidewatch/ may not

    assert runners.runner(runners.PREFECT) is run_monitor


def test_a_missing_runner_is_a_clear_error(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "GROUP", "guidewatch.no-such-group")
    assert main(["run", "--prefect", "--document", NICE]) == 2
    assert "no 'prefect' runner is installed" in capsys.readouterr().err

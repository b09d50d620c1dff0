"""What guidewatch decided, and why, is logged at INFO and reaches the Prefect UI's run logs."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guidewatch.cycle import run_cycle
from tests.support.site import FixtureSite, Reply
from tests.support.world import NICE_PATH, html, make_app

ROOT = Path(__file__).parent.parent
NICE = "nice-ng206-recommendations"


def test_retries_and_suspect_pages_are_logged_with_why(
    site: FixtureSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = html("nice/ng206-recommendations-v1.html")
    answers = iter([Reply(status=503, body=b"busy"), page])
    site.set(NICE_PATH, lambda request: next(answers, page))
    app = make_app(site, tmp_path)
    policy = app.policy()
    object.__setattr__(policy, "backoff_seconds", 0.1)  # frozen policy; a short backoff here
    specs = app.catalog.select([], [NICE])
    with caplog.at_level(logging.INFO, logger="guidewatch"):
        run_cycle(
            specs, engine=app.writable_engine(), policy=policy, rewrites=app.settings.rewrites
        )
        site.set(NICE_PATH, html("nice/captcha.html"))
        run_cycle(
            specs, engine=app.writable_engine(), policy=policy, rewrites=app.settings.rewrites
        )
    lines = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert any(
        name == "guidewatch.fetch"
        and level == logging.INFO
        and "retrying" in text
        and "503" in text
        for name, level, text in lines
    ), lines
    assert any(
        name == "guidewatch.cycle" and "suspect, not kept as a version: no div.chapter" in text
        for name, _, text in lines
    ), lines
    assert any("new version 1 kept" in text for _, _, text in lines)


def test_guidewatch_loggers_reach_the_prefect_api(tmp_path: Path) -> None:
    code = (
        "import logging, flows.monitor\n"
        "from prefect.logging.handlers import APILogHandler\n"
        "handlers = logging.getLogger('guidewatch').handlers\n"
        "print(any(isinstance(h, APILogHandler) for h in handlers))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PREFECT_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True", done.stderr[-2000:]
    deployment = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    pool = deployment["definitions"]["work_pool"]
    assert pool["job_variables"]["env"]["PREFECT_LOGGING_EXTRA_LOGGERS"] == "guidewatch"

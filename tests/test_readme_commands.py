"""The README's commands, run as printed (bin/guidewatch, a fresh shell without uv on PATH)
against a history the real cycle stored from the loopback mirror."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from guidewatch.app import App
from guidewatch.changes import make_hooks
from guidewatch.cycle import run_cycle
from tests.support.pdfgen import Heading, Para, make_pdf
from tests.support.site import FixtureSite, Reply
from tests.support.smtp import SmtpServer
from tests.support.world import (
    FIXTURES,
    GOVUK_PLAN,
    GOVUK_PLAN_TEXT,
    NICE_PATH,
    govuk,
    html,
    make_app,
)

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = "bin/guidewatch"
# `run` and `doctor` check every shipped document on the live sites, `backfill` asks the
# Wayback Machine, `deliver` sends this history's pending alerts: their own tests run them on
# loopback (test_cycle, test_doctor, test_backfill, test_subscribers).
NOT_RUN_HERE = ("run", "doctor", "backfill", "deliver")
BACME_INDEX = "/bacme/resources/"
BACME_PDF = "/bacme/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf"


def readme_commands() -> list[str]:
    """Every `bin/guidewatch ...` line in the README's shell blocks, comments dropped.

    A block that exports settings is a walkthrough with its own servers (the mirror, the
    archive): its commands run in their own test, not against this history.
    """
    lines: list[str] = []
    block: list[str] | None = None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if block is not None and not any(b.startswith("export ") for b in block):
                lines += [
                    re.sub(r"\s+#.*$", "", b).strip() for b in block if b.startswith(WRAPPER + " ")
                ]
            block = [] if line.strip() == "```sh" else None
            continue
        if block is not None:
            block.append(line)
    return lines


def store_history(app: App, site: FixtureSite) -> None:
    """NG206 v1 (seen since 2023) and v2, the DHSC plan and the BACME guide, by the real cycle."""
    engine = app.writable_engine()
    after_version, after_check = make_hooks(app.settings, engine)

    def cycle(*ids: str) -> None:
        results = run_cycle(
            app.catalog.select([], list(ids)),
            engine=engine,
            policy=app.policy(),
            after_version=after_version,
            after_check=after_check,
            rewrites=app.settings.rewrites,
        )
        assert all(r.outcome == "new_version" for r in results), results

    site.set(NICE_PATH, html("nice/ng206-recommendations-v1.html"))
    govuk(site, GOVUK_PLAN, "final-plan-publication.json")
    govuk(site, GOVUK_PLAN_TEXT, "final-plan-html.json")
    site.set_file(BACME_INDEX, FIXTURES / "bacme/resources-v1.html", "text/html; charset=utf-8")
    pdf = make_pdf([[Heading(1, "5. Pacing"), Para("Avoid pacing up too fast after a crash.")]])
    site.set(BACME_PDF, Reply(body=pdf, headers={"Content-Type": "application/pdf"}))
    cycle("nice-ng206-recommendations", "dhsc-final-delivery-plan-text", "bacme-guide-to-therapy")
    with engine.begin() as connection:  # version 1 was first seen in 2023
        connection.execute(text("UPDATE versions SET first_seen_at = '2023-01-02 09:00:00'"))
        connection.execute(text("UPDATE fetches SET started_at = '2023-01-02 09:00:00'"))
    site.set(NICE_PATH, html("nice/ng206-recommendations-v2-cure.html"))
    cycle("nice-ng206-recommendations")


def test_the_readme_shows_query_commands() -> None:
    shown = readme_commands()
    assert len(shown) >= 15
    assert all(line.startswith(WRAPPER) for line in shown)


@pytest.fixture
def history(
    site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> dict[str, str]:
    """The environment of a fresh shell (no uv on PATH) pointed at a stored history."""
    app = make_app(site, tmp_path)
    store_history(app, site)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "GUIDEWATCH_DATA_DIR": str(app.settings.data_dir),
        "GUIDEWATCH_SMTP_HOST": smtp_server.host,
        "GUIDEWATCH_SMTP_PORT": str(smtp_server.port),
        "GUIDEWATCH_SMTP_SECURITY": "none",
    }


def test_every_readme_query_command_works_as_printed(
    history: dict[str, str], tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Commands that write files (evidence, report, a redirect) write them in a scratch folder
    # that has the project's bin/ in it, as if it were the project folder.
    work = tmp_path / "project"
    work.mkdir()
    (work / "bin").symlink_to(ROOT / "bin")
    ran = []
    for line in readme_commands():
        argv = shlex.split(line)
        if argv[1] in NOT_RUN_HERE:
            continue
        out_file = None
        if ">" in argv:
            out_file = work / argv[argv.index(">") + 1]
            argv = argv[: argv.index(">")]
        done = subprocess.run(argv, cwd=work, env=history, capture_output=True, timeout=120)
        assert done.returncode == 0, (line, done.stderr.decode()[-2000:])
        assert done.stdout.strip(), line
        assert b"Traceback" not in done.stderr, line
        if out_file is not None:
            out_file.write_bytes(done.stdout)
        ran.append(argv[1])
    assert {"show", "search", "evidence", "report", "diff", "changes", "test-email"} <= set(ran)
    assert (work / "report" / "index.html").is_file() and (work / "ng206-v1.zip").is_file()
    assert (work / "ng206-v1.html").read_bytes().startswith(b"<!DOCTYPE html") or b"<html" in (
        work / "ng206-v1.html"
    ).read_bytes()
    assert len(smtp_server.messages()) == 1  # the sample digest

"""The monitor flow under a real Prefect API (prefect_test_harness), against loopback sites."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.pdfgen import Heading, Para, make_pdf
from tests.support.ports import free_port
from tests.support.site import FixtureSite, Reply
from tests.support.smtp import SmtpServer
from tests.support.sources import write_sources
from tests.support.world import html

NICE = "/nice/guidance/ng206/chapter/recommendations"
BHC = "/bhc/clinical-care-guide/"
BACME = "/bacme/guide.pdf"


@pytest.fixture(scope="session", autouse=True)
def prefect_api() -> Iterator[None]:
    """One temporary Prefect server for the whole session (PREFECT_HOME is set in conftest)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _pdf(edition: str) -> Reply:
    body = make_pdf(
        [[Heading(1, "Guide to therapy"), Para(f"Energy management comes first. {edition}")]]
    )
    return Reply(body=body, headers={"Content-Type": "application/pdf"})


def serve(site: FixtureSite, version: int) -> None:
    """Put version 1 or 2 of every watched page on the loopback site."""
    if version == 1:
        site.set(NICE, html("nice/ng206-recommendations-v1.html"))
        site.set(BHC, html("pages/bhc-orthostatic-intolerance-v1.html"))
        site.set(BACME, _pdf("Edition one."))
    else:
        site.set(NICE, html("nice/ng206-recommendations-v2-cure.html"))
        site.set(BHC, html("pages/bhc-orthostatic-intolerance-v2.html"))
        site.set(BACME, _pdf("Edition one."))


@pytest.fixture
def world(
    site: FixtureSite, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FixtureSite:
    """Point guidewatch (settings come from the environment) at the loopback site and SMTP."""
    sources = write_sources(tmp_path)
    base = site.base_url
    rewrites = {
        "https://www.nice.org.uk": f"{base}/nice",
        "https://batemanhornecenter.org": f"{base}/bhc",
        "https://bacme.info": f"{base}/bacme",
    }
    env = {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_REWRITE": ";".join(f"{k}={v}" for k, v in rewrites.items()),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_READ_TIMEOUT": "5",
        "GUIDEWATCH_RETRY_DELAY_SECONDS": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
        "GUIDEWATCH_SMTP_HOST": smtp_server.host,
        "GUIDEWATCH_SMTP_PORT": str(smtp_server.port),
        "GUIDEWATCH_SMTP_SECURITY": "none",
        "GUIDEWATCH_MAIL_FROM": "guidewatch@example.org",
        "GUIDEWATCH_MAIL_TO": "watcher@example.org",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return site


def _latest_markdown(key: str) -> str:
    return str(_latest_artifact(key))


def _latest_artifact(key: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    assert found, f"no artifact {key}"
    return found[0].data


def _task_states(flow_run_id: Any) -> dict[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    names = {
        r.name.rsplit("-", 1)[0] if r.name.startswith(("send", "publish")) else r.name: r
        for r in runs
    }
    return {name: str(run.state_type.value) for name, run in names.items() if run.state_type}


def test_a_change_is_stored_and_sent_once(world: FixtureSite, smtp_server: SmtpServer) -> None:
    """Version 1, then version 2 → one digest with the changes; a rerun sends nothing."""
    from flows.monitor import run_monitor
    from flows.report import CHANGES_KEY

    serve(world, 1)
    first = run_monitor()
    assert first.ok, first.render()
    assert sorted((r.document_id, r.outcome, r.version_number) for r in first.results) == [
        ("bacme-guide", "new_version", 1),
        ("bhc-orthostatic-intolerance", "new_version", 1),
        ("nice-ng206-recommendations", "new_version", 1),
    ]
    assert smtp_server.messages() == []

    serve(world, 2)
    second = run_monitor()
    assert second.ok, second.render()
    outcomes = {r.document_id: r.outcome for r in second.results}
    assert outcomes == {
        "bacme-guide": "unchanged",
        "bhc-orthostatic-intolerance": "new_version",
        "nice-ng206-recommendations": "new_version",
    }
    assert second.delivery["sent"] == 1
    [message] = smtp_server.messages()
    assert message["To"] == "watcher@example.org"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "1.11.14" in text
    assert "neuroplasticity" in text.lower()
    changes = _latest_markdown(CHANGES_KEY)
    assert "nice-ng206-recommendations: version 2" in changes
    assert "~~treatment or~~" in changes

    third = run_monitor()
    assert third.ok, third.render()
    # The HTML pages carry an ETag, so the rerun asks conditionally and is told 304.
    assert {r.document_id: r.outcome for r in third.results} == {
        "bacme-guide": "unchanged",
        "bhc-orthostatic-intolerance": "not_modified",
        "nice-ng206-recommendations": "not_modified",
    }
    assert world.requests_to(NICE)[-1].header("If-None-Match")
    assert third.delivery["sent"] == 0
    assert len(smtp_server.messages()) == 1


def test_one_source_down_fails_the_run_but_not_the_others(
    world: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BHC refuses connections: NICE and BACME are stored, the run is Failed, BHC's log says why."""
    from flows.monitor import monitor, summary_from_dict
    from guidewatch.app import App
    from storage import fetch_log, version_store
    from storage.db import open_session

    serve(world, 1)
    dead = f"http://127.0.0.1:{free_port()}"
    base = world.base_url
    monkeypatch.setenv(
        "GUIDEWATCH_REWRITE",
        f"https://www.nice.org.uk={base}/nice;https://batemanhornecenter.org={dead}/bhc;"
        f"https://bacme.info={base}/bacme",
    )
    state = monitor(return_state=True)
    assert state.is_failed()
    assert "bhc-orthostatic-intolerance" in (state.message or "")
    summary = summary_from_dict(state.result(raise_on_failure=False))
    outcomes = {r.document_id: r.outcome for r in summary.results}
    assert outcomes == {
        "bacme-guide": "new_version",
        "bhc-orthostatic-intolerance": "failed",
        "nice-ng206-recommendations": "new_version",
    }
    app = App()
    with open_session(app.engine) as session:
        assert version_store.latest_version(
            session=session, document_id="nice-ng206-recommendations"
        )
        assert version_store.latest_version(session=session, document_id="bacme-guide")
        assert (
            version_store.latest_version(session=session, document_id="bhc-orthostatic-intolerance")
            is None
        )
        fetches = fetch_log.list_fetches(session=session, document_id="bhc-orthostatic-intolerance")
    # One failed fetch per run: the fetcher retried inside it; the task does not run again.
    assert [f.outcome for f in fetches] == ["failed"]
    # In the Prefect UI each source is a task that checked its documents; the failed document
    # is a Failed task of its own.
    assert _task_states(state.state_details.flow_run_id) == {
        "check-nice": "COMPLETED",
        "check-bhc": "COMPLETED",
        "check-bacme": "COMPLETED",
        "check-bhc-orthostatic-intolerance": "FAILED",
        "send_alerts": "COMPLETED",
        "publish_report": "COMPLETED",
    }
    assert all("connection refused" in (f.error or "") for f in fetches)


def _task_runs(flow_run_id: Any) -> dict[str, Any]:
    """The flow run's task runs by name (send_alerts and publish_report without their suffix)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {
        r.name.rsplit("-", 1)[0] if r.name.startswith(("send", "publish")) else r.name: r
        for r in runs
    }


def _log_lines(task_run_id: Any) -> list[tuple[int, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterTaskRunId

    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(task_run_id=LogFilterTaskRunId(any_=[task_run_id]))
        )
    return [(log.level, log.message) for log in logs]


def test_one_failed_document_among_20_is_shown_failed(
    world: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 pages of one source, one answering 500: what the Prefect UI shows of the run."""
    import json

    from flows.monitor import monitor
    from flows.report import CHANGES_KEY, DOCUMENTS_KEY
    from tests.support.prefect_stack import wait_for

    page = html("pages/bhc-orthostatic-intolerance-v1.html")
    lines = ['[sources.bhc]\nname = "BHC"\nhomepage = "https://batemanhornecenter.org"\n']
    for n in range(20):
        world.set(f"/bhc/page-{n:02d}/", Reply(status=500, body=b"down") if n == 7 else page)
        lines.append(
            f'[documents.bhc-page-{n:02d}]\nsource = "bhc"\ntitle = "Page {n}"\nkind = "html"\n'
            f'url = "https://batemanhornecenter.org/page-{n:02d}/"\n'
            'selector = "article .entry-content"\n'
        )
    sources = tmp_path / "twenty.toml"
    sources.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("GUIDEWATCH_SOURCES", str(sources))

    state = monitor(return_state=True)

    # The run is Failed and its message says which document and why.
    assert state.is_failed()
    message = state.message or ""
    assert message.startswith("20 document(s) checked: 19 new version, 1 failed")
    assert "bhc-page-07: " in message and "500" in message
    # The source's task checked the 20 documents; the failed one is a Failed task of its own.
    runs = _task_runs(state.state_details.flow_run_id)
    assert {name: str(run.state_type.value) for name, run in runs.items() if run.state_type} == {
        "check-bhc": "COMPLETED",
        "check-bhc-page-07": "FAILED",
        "send_alerts": "COMPLETED",
        "publish_report": "COMPLETED",
    }
    failed = runs["check-bhc-page-07"]
    assert failed.state is not None and failed.state.message
    assert failed.state.message.startswith("bhc-page-07: failed — ")
    assert "500" in failed.state.message
    source = runs["check-bhc"]
    assert source.state is not None
    assert source.state.message == "20 document(s) checked: 19 new version, 1 failed"
    # The source's log has a line per document (INFO, not shipped at this session's WARNING
    # level), a warning for the failed one.
    warnings = wait_for(
        "the source task's warning",
        lambda: [text for level, text in _log_lines(source.id) if level >= 30],
        timeout=30,
    )
    assert warnings == [failed.state.message]
    # The artifacts: every document in the table, the failed one under "Not checked cleanly".
    table = _latest_artifact(DOCUMENTS_KEY)
    rows = json.loads(table) if isinstance(table, str) else table
    assert len(rows) == 20
    assert [r["document"] for r in rows if r["outcome"] == "failed"] == ["bhc-page-07"]
    changes = _latest_markdown(CHANGES_KEY)
    assert "20 document(s) checked, 19 with a new version, 1 not checked cleanly." in changes
    assert "- bhc-page-07: failed — " in changes


def test_an_error_escaping_a_check_gets_one_more_try_as_its_own_task(
    world: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that raises (the database gone for a moment) is tried again alone, once.

    The database cannot be made to fail for one check here, so check_document raises once for
    one document (a stand-in, the only one in these tests).
    """
    import flows.checks
    from flows.monitor import monitor, summary_from_dict

    serve(world, 1)
    real = flows.checks.check_document
    raised: list[str] = []

    def flaky(spec: Any, **kwargs: Any) -> Any:
        if spec.id == "bhc-orthostatic-intolerance" and not raised:
            raised.append(spec.id)
            raise RuntimeError("database is locked")
        return real(spec, **kwargs)

    monkeypatch.setattr(flows.checks, "check_document", flaky)
    state = monitor(return_state=True)
    assert raised == ["bhc-orthostatic-intolerance"]
    assert state.is_completed(), state.message
    summary = summary_from_dict(state.result(raise_on_failure=False))
    assert {r.document_id: r.outcome for r in summary.results} == {
        "bacme-guide": "new_version",
        "bhc-orthostatic-intolerance": "new_version",
        "nice-ng206-recommendations": "new_version",
    }
    assert _task_states(state.state_details.flow_run_id) == {
        "check-nice": "COMPLETED",
        "check-bhc": "COMPLETED",
        "check-bacme": "COMPLETED",
        "check-bhc-orthostatic-intolerance": "COMPLETED",
        "send_alerts": "COMPLETED",
        "publish_report": "COMPLETED",
    }

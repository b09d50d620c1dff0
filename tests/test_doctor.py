"""guidewatch doctor against loopback sites: every branch of the report, and the fixes it writes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli
from tests.support.site import FixtureSite, Reply
from tests.support.wordpress import page, serve_bacme
from tests.support.world import FIXTURES, html, rewrites

SOURCES = """
[sources.nice]
name = "NICE"
[sources.dhsc]
name = "DHSC"
[sources.bacme]
name = "BACME"
[sources.bhc]
name = "BHC"

[documents.rest-off]
source = "bacme"
title = "Guide to Therapy (REST API off)"
kind = "pdf-link"
url = "https://bacme.info/resources/"
link_text = "guide to therapy"
guess = true
[documents.rest-off.discover]
methods = ["wp-media", "sitemap", "index-page"]

[documents.editions]
source = "bacme"
title = "Guide to Therapy (index page with three editions)"
kind = "pdf-link"
url = "https://bacme.info/clinical-resources/"
link_text = "guide to therapy"

[documents.twins]
source = "bacme"
title = "Two guides that cannot be told apart"
kind = "pdf-link"
url = "https://bacme.info/twins/"
link_text = "severe me/cfs guide"

[documents.no-selector-match]
source = "bhc"
title = "A Divi Theme Builder page"
kind = "html"
url = "https://batemanhornecenter.org/education/me-cfs/"
selector = "article .entry-content"

[documents.gone]
source = "bhc"
title = "A page that is gone"
kind = "html"
url = "https://batemanhornecenter.org/old-page/"
selector = "article"

[documents.blocked]
source = "bhc"
title = "A page robots.txt forbids"
kind = "html"
url = "https://batemanhornecenter.org/private/notes/"
selector = "article"

[documents.nice-mixed-case]
source = "nice"
title = "NICE NG206 recommendations, mixed-case address"
kind = "nice-chapter"
url = "https://www.nice.org.uk/guidance/ng206/chapter/Recommendations"

[documents.plan]
source = "dhsc"
title = "The final delivery plan"
kind = "govuk"
url = "https://www.gov.uk/government/publications/mecfs-the-final-delivery-plan"
"""

NICE = "/nice/guidance/ng206/chapter"


def mirror_module() -> Any:
    """scripts/mirror.py, loaded from its file (scripts/ is not a package)."""
    path = Path(__file__).parent.parent / "scripts" / "mirror.py"
    spec = importlib.util.spec_from_file_location("guidewatch_mirror", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def env(site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder, the loopback mirror, and the sources above."""
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_SOURCES": str(sources),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    serve_bacme(site, rest=401)
    site.set(
        "/bacme/twins/",
        "<!doctype html><html><body>"
        '<a href="/wp-content/uploads/2024/05/Guide-A.pdf">Severe ME/CFS guide for adults</a>'
        '<a href="/wp-content/uploads/2024/05/Guide-B.pdf">Severe ME/CFS guide for children</a>'
        "</body></html>",
    )
    redraft = "/bacme/wp-content/uploads/2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf"
    from tests.support.pdfgen import Heading, Para, make_pdf

    pdf = make_pdf([[Heading(0, "ME/CFS Guide to Therapy"), Para("Pacing is energy management.")]])
    site.set(
        redraft + ".pagespeed.ce.Xk3p9QaZ1b.pdf",
        Reply(body=pdf, headers={"Content-Type": "application/pdf"}),
    )
    site.set("/bhc/education/me-cfs/", page("bhc/theme-builder-page.html"))
    site.set("/bhc/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.redirect(f"{NICE}/Recommendations", f"{NICE}/recommendations", 308)
    site.set(f"{NICE}/recommendations", html("nice/ng206-recommendations-v1.html"))
    body = (FIXTURES / "govuk" / "final-plan-publication.json").read_bytes()
    site.set(
        "/govuk/api/content/government/publications/mecfs-the-final-delivery-plan",
        Reply(body=body, headers={"Content-Type": "application/json"}),
    )
    return tmp_path / "data"


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["document_id"]: d for d in data["documents"]}


def test_every_branch_gets_the_right_verdict_and_fix(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data = Cli(capsys).json("doctor")
    assert status == 1  # something is broken
    found = by_id(data)
    verdicts = {doc: d["verdict"] for doc, d in found.items()}
    assert verdicts == {
        "rest-off": "ok",
        "editions": "ok",
        "twins": "warning",
        "no-selector-match": "broken",
        "gone": "broken",
        "blocked": "broken",
        "nice-mixed-case": "warning",
        "plan": "ok",
    }
    rest_off = found["rest-off"]
    assert rest_off["summary"] == "ok: found by sitemap"
    assert rest_off["details"]["guess"] is True
    tried = rest_off["details"]["discovery"]["attempts"]
    assert tried[0]["result"] == "REST API unavailable (HTTP 401); falling back to sitemap"
    editions = found["editions"]["details"]["discovery"]
    assert [c["date"] for c in editions["candidates"]] == ["2025-03", "2022-11", "2020-10"]
    assert editions["chosen"].endswith("2025-redraft.pdf.pagespeed.ce.Xk3p9QaZ1b.pdf")
    assert found["editions"]["details"]["would_store"]["characters"] > 0
    assert found["twins"]["fix"] == [
        "[documents.twins.discover]",
        'exact_title = "Severe ME/CFS guide for adults"',
    ]
    blocks = found["no-selector-match"]["details"]["blocks"]
    assert blocks[0]["preview"].startswith("What is ME/CFS?")
    assert found["no-selector-match"]["fix"] == [f"selector = {json.dumps(blocks[0]['selector'])}"]
    assert found["gone"]["summary"] == "gone (HTTP 404)"
    assert found["blocked"]["summary"] == "robots.txt disallows it"
    nice = found["nice-mixed-case"]
    assert nice["fix"] == ['url = "https://www.nice.org.uk/guidance/ng206/chapter/recommendations"']
    assert any(line.startswith("nice-chapter: ") and "box-4" in line for line in nice["report"])
    assert any("with a body" in line for line in found["plan"]["report"])
    # The sources file in force is the user's own: the fixes go into it, with no `extends`
    # (a new file saying `extends = "default"` would lose every document declared only there).
    assert data["fixes"].startswith("[documents.twins.discover]\n")
    assert not env.exists()  # nothing stored: not even a database


def test_text_report_ends_with_the_table_and_the_fixes(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = Cli(capsys).run("doctor", "--document", "no-selector-match")
    assert status == 1
    assert "picked nothing; largest text blocks:" in out
    table = out[out.index("document  ") :]
    assert "no-selector-match  broken" in table
    assert "0 ok, 0 warning, 1 broken" in table
    assert f"Change these lines in {env.parent / 'sources.toml'}" in " ".join(out.split())
    assert out.rstrip().endswith(
        "\n\n[documents.no-selector-match]\nselector = "
        + json.dumps(json.loads(out.rstrip().rsplit("selector = ", 1)[1]))
    )


def test_with_the_shipped_sources_the_fixes_extend_the_default(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDEWATCH_SOURCES")
    status, out, _ = Cli(capsys).run("doctor", "--document", "bhc-education-mecfs")
    assert status == 1
    assert "Write this in your own sources file" in out
    assert 'extends = "default"\n\n[documents.bhc-education-mecfs]\nselector = ' in out


def test_store_keeps_what_works(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(capsys)
    data = cli.json("doctor", "--document", "editions", "--document", "gone", "--store")[1]
    stored = {d["document_id"]: d["outcome"] for d in data["stored"]["documents"]}
    assert stored == {"editions": "new_version"}  # the broken one is not tried
    fetches = cli.ok_json("fetches", "editions")
    assert fetches[0]["discovery"]["method"] == "index-page"


def test_every_shipped_document_is_ok_on_the_mirror(
    site: FixtureSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mirror_module().serve(site, 1)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("GUIDEWATCH_SOURCES", raising=False)
    for name, value in {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "0",
        "GUIDEWATCH_CONTACT": "tests@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    status, data = Cli(capsys).json("doctor")
    assert status == 0
    assert {d["document_id"]: d["verdict"] for d in data["documents"] if d["verdict"] != "ok"} == {}
    assert len(data["documents"]) == 20
    assert data["fixes"] == ""


def test_the_table_keeps_one_short_line_per_document_and_the_messages_follow_in_full(
    env: Path,
    site: FixtureSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources = env.parent / "sources-captcha.toml"
    captcha = "/government/publications/a-page-behind-a-captcha"
    sources.write_text(
        SOURCES
        + f"""
[documents.captcha]
source = "dhsc"
title = "A GOV.UK page whose API answers a captcha"
kind = "govuk"
url = "https://www.gov.uk{captcha}"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("GUIDEWATCH_SOURCES", str(sources))
    site.set("/govuk/api/content" + captcha, html("nice/captcha.html"))
    cli = Cli(capsys)
    _, data = cli.json("doctor")
    _, out, _ = cli.run("doctor")
    table = out[out.index("document  ") : out.index(" ok, ")]
    rows = [r for r in table.splitlines()[2:] if r.strip()][:-1]
    assert len(rows) == len(data["documents"])
    for row in rows:
        assert len(row) <= 120, row
    long = [d for d in data["documents"] if len(d["summary"]) > 60]
    assert long, "no long message to shorten in this setup"
    after = " ".join(out[out.index(" ok, ") :].split())
    for finding in long:
        assert finding["summary"] not in table
        assert f"{finding['document_id']}: {' '.join(finding['summary'].split())}" in after

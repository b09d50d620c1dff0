"""What bounds a fetch: a deadline, decoded size, robots.txt size and rules, redirect chains."""

from __future__ import annotations

import gzip
import re
import time
import zlib
from pathlib import Path

import pytest

from guidewatch.cycle import run_cycle
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import ScrapeError
from storage import fetch_log
from storage.db import open_session
from tests.support.site import FixtureSite, Reply
from tests.support.world import BHC_PAGE_PATH, NICE_PATH, html, make_app

AGENT = "guidewatch/0.1.0 (+mailto:tests@example.org; ME/CFS guidance monitor)"


def fetcher(**changes: object) -> HttpFetcher:
    values: dict[str, object] = {"user_agent": AGENT, "pause_seconds": 0.0, "read_timeout": 2.0}
    values.update(changes)
    return HttpFetcher(FetchPolicy(**values))  # type: ignore[arg-type]


# --- an overall deadline ------------------------------------------------------------------


def test_a_trickling_body_is_cut_off_at_the_fetch_deadline(site: FixtureSite) -> None:
    # One byte every half second: each read is quick, so no read timeout ever fires.
    site.set("/slow", Reply(body=b"x" * 40, trickle=0.5))
    started = time.monotonic()
    with fetcher(deadline_seconds=2.0, retries=3) as http, pytest.raises(ScrapeError) as caught:
        http.get(site.url("/slow"))
    took = time.monotonic() - started
    message = str(caught.value)
    assert message.startswith(f"gave up on {site.url('/slow')}: the 2 s fetch deadline passed")
    assert "while reading the body" in message
    assert 2.0 <= took < 3.5
    assert len(site.requests_to("/slow")) == 1  # a deadline is not retried


def test_the_deadline_counts_across_retries(site: FixtureSite) -> None:
    site.set("/down", Reply(status=503, body=b"busy", headers={"Retry-After": "1"}))
    started = time.monotonic()
    with fetcher(deadline_seconds=1.5, retries=5) as http, pytest.raises(ScrapeError) as caught:
        http.get(site.url("/down"))
    assert time.monotonic() - started < 2.5
    message = str(caught.value)
    assert "1.5 s fetch deadline passed before the next attempt, due in 1 s" in message
    assert "server error 503" in message
    assert len(site.requests_to("/down")) == 2


def test_a_trickling_document_fails_and_the_cycle_goes_on(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.set(NICE_PATH, Reply(body=b"<html>" + b" " * 40, trickle=0.5))
    site.set(BHC_PAGE_PATH, html("pages/bhc-orthostatic-intolerance-v1.html"))
    app = make_app(site, tmp_path, GUIDEWATCH_FETCH_DEADLINE="1.5")
    specs = app.catalog.select([], ["nice-ng206-recommendations", "bhc-clinical-care-guide-page"])
    results = {
        r.document_id: r
        for r in run_cycle(specs, engine=app.writable_engine(), policy=app.policy())
    }
    nice = results["nice-ng206-recommendations"]
    assert nice.outcome == "failed"
    assert "1.5 s fetch deadline passed" in nice.message
    assert "https://www.nice.org.uk/guidance/ng206/chapter/recommendations" in nice.message
    assert results["bhc-clinical-care-guide-page"].outcome == "new_version"


# --- compressed bodies --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_body_is_capped_on_decoded_bytes_as_it_streams(
    site: FixtureSite, encoding: str
) -> None:
    decoded = b"\0" * (20 * 1024 * 1024)
    raw = gzip.compress(decoded) if encoding == "gzip" else zlib.compress(decoded)
    assert len(raw) < 100_000  # about 20 KB on the wire, 20 MiB decoded
    site.set("/bomb", Reply(body=raw, headers={"Content-Encoding": encoding}))
    cap = 1024 * 1024
    with fetcher(max_bytes=cap) as http, pytest.raises(ScrapeError) as caught:
        http.get(site.url("/bomb"))
    message = str(caught.value)
    read = int(re.search(r"stopped reading at (\d+) bytes", message).group(1))  # type: ignore[union-attr]
    assert cap < read <= cap + 1
    assert f"({encoding}-decoded)" in message


def test_a_compressed_body_under_the_cap_is_decoded(site: FixtureSite) -> None:
    text = b"<html><body>" + b"pacing " * 10_000 + b"</body></html>"
    site.set("/page", Reply(body=gzip.compress(text), headers={"Content-Encoding": "gzip"}))
    site.set("/raw", Reply(body=zlib.compress(text)[2:-4], headers={"Content-Encoding": "deflate"}))
    with fetcher(max_bytes=len(text)) as http:
        assert http.get(site.url("/page")).body == text
        assert http.get(site.url("/raw")).body == text  # raw deflate, as some servers send
    assert site.requests_to("/page")[0].header("Accept-Encoding") == "gzip, deflate"


# --- robots.txt ---------------------------------------------------------------------------


def robots(site: FixtureSite, text: str | bytes) -> None:
    site.set("/robots.txt", Reply(body=text if isinstance(text, bytes) else text.encode()))


@pytest.mark.parametrize(
    ("rules", "allowed", "refused"),
    [
        # RFC 9309: the longest match wins, whatever the order.
        (
            "User-agent: *\nDisallow: /guidance/\nAllow: /guidance/ng206\n",
            ["/guidance/ng206/chapter/recommendations"],
            ["/guidance/ng999"],
        ),
        # Wildcards and end anchors.
        ("User-agent: *\nDisallow: /*.pdf$\n", ["/doc.pdf?download=1", "/page"], ["/a/doc.pdf"]),
        # Our product token's group, not the catch-all one.
        (
            "User-agent: *\nDisallow: /\n\nUser-agent: guidewatch\nDisallow: /private/\n",
            ["/page"],
            ["/private/x"],
        ),
    ],
)
def test_robots_rules_follow_rfc_9309(
    site: FixtureSite, rules: str, allowed: list[str], refused: list[str]
) -> None:
    robots(site, rules)
    for path in allowed + refused:
        site.set(path.split("?")[0], "ok")
    with fetcher() as http:
        for path in allowed:
            assert http.get(site.url(path)).body == b"ok"
        for path in refused:
            with pytest.raises(ScrapeError, match="robots.txt .* disallows"):
                http.get(site.url(path))
    assert len(site.requests_to("/robots.txt")) == 1


def test_robots_is_read_up_to_500_kib_and_the_rest_ignored(site: FixtureSite) -> None:
    early = b"User-agent: *\nDisallow: /early/\n"
    filler = b"# " + b"x" * 1000 + b"\n"
    body = early + filler * 600 + b"Disallow: /late/\n"  # about 600 KB
    robots(site, body)
    site.set("/late/doc", "ok")
    site.set("/early/doc", "no")
    # A cap on bodies below the size of this robots.txt must not make it unreadable.
    with fetcher(max_bytes=300_000) as http:
        assert http.get(site.url("/late/doc")).body == b"ok"
        with pytest.raises(ScrapeError, match="disallows"):
            http.get(site.url("/early/doc"))


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (503, False)])
def test_robots_status_handling_is_kept(site: FixtureSite, status: int, allowed: bool) -> None:
    site.set("/robots.txt", Reply(status=status))
    site.set("/a", "a")
    with fetcher(retries=0) as http:
        if allowed:
            assert http.get(site.url("/a")).body == b"a"
        else:
            with pytest.raises(ScrapeError, match="disallowed"):
                http.get(site.url("/a"))


# --- redirect chains ----------------------------------------------------------------------


def test_a_redirect_loop_records_the_hops_and_the_last_address(site: FixtureSite) -> None:
    site.redirect("/a", "/b", status=301)
    site.redirect("/b", "/a", status=301)
    with fetcher(max_redirects=3) as http, pytest.raises(ScrapeError) as caught:
        http.get(site.url("/a"))
    seen = caught.value.fetched
    assert seen is not None and seen.status == 301
    assert seen.redirects == tuple(site.url(p) for p in ("/a", "/b", "/a", "/b"))
    assert seen.final_url == site.url("/a")
    assert "redirect loop" in str(caught.value)


def test_a_chain_over_the_cap_is_recorded_in_the_fetch_log(
    site: FixtureSite, tmp_path: Path
) -> None:
    for hop in range(12):
        site.redirect(f"/nice/hop/{hop}", f"/nice/hop/{hop + 1}")
    site.redirect(NICE_PATH, "/nice/hop/0")
    app = make_app(site, tmp_path)
    specs = app.catalog.select([], ["nice-ng206-recommendations"])
    (result,) = run_cycle(specs, engine=app.writable_engine(), policy=app.policy())
    assert result.outcome == "failed" and "too many redirects" in result.message
    with open_session(app.engine) as session:
        (row,) = fetch_log.list_fetches(session=session, document_id="nice-ng206-recommendations")
    live = "https://www.nice.org.uk"
    hops = fetch_log.redirects(row)
    assert hops[0] == live + "/guidance/ng206/chapter/recommendations"
    assert hops[1:] == [f"{live}/hop/{n}" for n in range(10)]
    assert fetch_log.final_url(row) == f"{live}/hop/10" and row.status == 302


def test_an_encoding_we_did_not_ask_for_fails_at_once_and_a_corrupt_one_is_retried(
    site: FixtureSite,
) -> None:
    site.set("/br", Reply(body=b"\x1b\x00", headers={"Content-Encoding": "br"}))
    site.set("/bad", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with fetcher(retries=1, backoff_seconds=0.0, respect_robots=False) as http:
        with pytest.raises(ScrapeError, match="unsupported Content-Encoding 'br'"):
            http.get(site.url("/br"))
        with pytest.raises(ScrapeError, match="could not decode the gzip body") as caught:
            http.get(site.url("/bad"))
    assert str(caught.value).endswith(f"from {site.url('/bad')} after 2 attempts")
    assert len(site.requests_to("/br")) == 1 and len(site.requests_to("/bad")) == 2

"""The polite fetcher against a real loopback web site (and the site's own behaviour)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from scrapers.failures import parse_retry_after
from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import GoneError, ScrapeError, SuspectError
from scrapers.sniff import sniff_kind
from tests.support.site import FixtureSite, RecordedRequest, Reply

AGENT = "guidewatch-test/0.1 (+mailto:tests@example.org)"
HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
# Clock skew between the server thread's records and the client's: microseconds in practice.
SLACK = 0.02


def policy(**changes: object) -> FetchPolicy:
    """A test policy: no pause and quick timeouts unless a test asks otherwise."""
    values: dict[str, object] = {
        "user_agent": AGENT,
        "pause_seconds": 0.0,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(changes)
    return FetchPolicy(**values)  # type: ignore[arg-type]


class Sleeps(list[float]):
    """Records the sleeps a fetcher asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def gaps(requests: list[RecordedRequest]) -> list[float]:
    """Seconds between the end of each request and the start of the next."""
    ends = [r.ended_at for r in requests]
    assert None not in ends, "a request was never answered"
    return [r.started_at - end for r, end in zip(requests[1:], ends, strict=False) if end]


def one_line(error: BaseException) -> str:
    """The error's message, checked to be a single plain line."""
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    return message


# --- the fixture site itself -------------------------------------------------------------


def test_site_serves_set_pages_and_404s_the_rest(site: FixtureSite) -> None:
    site.set("/page", HTML)
    with httpx.Client() as client:
        page = client.get(site.url("/page"))
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.content == HTML
        assert client.get(site.url("/robots.txt")).status_code == 404
        assert client.get(site.url("/other")).status_code == 404
        head = client.head(site.url("/page"))
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(HTML))
        site.remove("/page")
        assert client.get(site.url("/page")).status_code == 404
    assert [(r.method, r.path) for r in site.requests][:2] == [
        ("GET", "/page"),
        ("GET", "/robots.txt"),
    ]


def test_site_answers_conditional_requests_with_304(site: FixtureSite) -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    site.set("/doc", Reply(body=b"v1", headers={"ETag": '"v1"', "Last-Modified": stamp}))
    with httpx.Client() as client:
        assert client.get(site.url("/doc"), headers={"If-None-Match": '"v1"'}).status_code == 304
        assert client.get(site.url("/doc"), headers={"If-None-Match": '"v0"'}).status_code == 200
        assert client.get(site.url("/doc"), headers={"If-Modified-Since": stamp}).status_code == 304


def test_site_routes_can_compute_replies_from_the_request(site: FixtureSite) -> None:
    def echo(request: RecordedRequest) -> Reply:
        return Reply(body=(request.header("X-Probe") or "none").encode())

    site.set("/echo", echo)
    with httpx.Client() as client:
        assert client.get(site.url("/echo?q=1"), headers={"X-Probe": "yes"}).text == "yes"
    assert site.requests[0].path == "/echo?q=1"


# --- basics ------------------------------------------------------------------------------


def test_get_returns_body_key_headers_and_kind(site: FixtureSite) -> None:
    site.set(
        "/page",
        Reply(
            body=HTML,
            headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"a"', "X-Other": "1"},
        ),
    )
    with HttpFetcher(policy()) as fetcher:
        fetched = fetcher.get(site.url("/page"))
    assert fetched.status == 200
    assert fetched.body == HTML
    assert fetched.content_kind == "html"
    assert fetched.url == fetched.final_url == site.url("/page")
    assert fetched.redirects == ()
    assert fetched.headers["content-type"] == "text/html; charset=utf-8"
    assert fetched.headers["etag"] == '"a"'
    assert fetched.headers["content-length"] == str(len(HTML))
    assert "x-other" not in fetched.headers and "X-Other" not in fetched.headers
    assert all(name == name.lower() for name in fetched.headers)
    assert fetched.duration_ms >= 0


def test_user_agent_is_sent_on_every_request_robots_included(site: FixtureSite) -> None:
    site.set("/a", "a")
    site.set("/b", "b")
    with HttpFetcher(policy()) as fetcher:
        fetcher.get(site.url("/a"))
        fetcher.get(site.url("/b"))
    assert [r.path for r in site.requests] == ["/robots.txt", "/a", "/b"]
    assert {r.header("User-Agent") for r in site.requests} == {AGENT}


def test_unsupported_url_is_a_scrape_error() -> None:
    with HttpFetcher(policy()) as fetcher, pytest.raises(ScrapeError, match="only http"):
        fetcher.get("ftp://example.org/file.pdf")


# --- politeness --------------------------------------------------------------------------


def test_pause_between_requests_to_the_same_host(site: FixtureSite) -> None:
    for name in ("a", "b", "c"):
        site.set(f"/{name}", name)
    with HttpFetcher(policy(pause_seconds=0.2)) as fetcher:
        for name in ("a", "b", "c"):
            fetcher.get(site.url(f"/{name}"))
    requests = site.requests
    assert [r.path for r in requests] == ["/robots.txt", "/a", "/b", "/c"]
    assert all(gap >= 0.2 - SLACK for gap in gaps(requests))


def test_one_request_at_a_time_per_host_across_threads(site: FixtureSite) -> None:
    site.set("/slow", Reply(body=b"slow", delay=0.1))
    fetcher = HttpFetcher(policy(pause_seconds=0.05))
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            fetcher.get(site.url("/slow"))
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fetcher.close()
    assert errors == []
    requests = site.requests
    assert [r.path for r in requests] == ["/robots.txt"] + ["/slow"] * 4
    assert all(gap >= 0.05 - SLACK for gap in gaps(requests))


def test_different_hosts_are_not_serialised(site: FixtureSite) -> None:
    with FixtureSite() as other:
        site.set("/slow", Reply(body=b"a", delay=0.5))
        other.set("/slow", Reply(body=b"b", delay=0.5))
        fetcher = HttpFetcher(policy(respect_robots=False))
        threads = [
            threading.Thread(target=fetcher.get, args=(s.url("/slow"),)) for s in (site, other)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fetcher.close()
        (mine,), (theirs,) = site.requests, other.requests
    assert mine.ended_at is not None and theirs.ended_at is not None
    assert mine.started_at < theirs.ended_at and theirs.started_at < mine.ended_at


# --- robots.txt --------------------------------------------------------------------------


def test_robots_is_fetched_once_per_host(site: FixtureSite) -> None:
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.set("/a", "a")
    with HttpFetcher(policy()) as fetcher:
        fetcher.get(site.url("/a"))
        fetcher.get(site.url("/a"))
    assert len(site.requests_to("/robots.txt")) == 1


def test_robots_disallow_raises_and_never_requests_the_page(site: FixtureSite) -> None:
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.set("/private/doc.pdf", PDF)
    url = site.url("/private/doc.pdf")
    with HttpFetcher(policy()) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(url)
    message = one_line(caught.value)
    assert "robots.txt" in message and url in message
    assert site.requests_to("/private/doc.pdf") == []


def test_robots_rules_for_our_agent_are_honoured(site: FixtureSite) -> None:
    site.set(
        "/robots.txt",
        "User-agent: guidewatch-test\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n",
    )
    site.set("/public", "ok")
    site.set("/private/x", "no")
    with HttpFetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/public")).body == b"ok"
        with pytest.raises(ScrapeError, match="robots.txt"):
            fetcher.get(site.url("/private/x"))


def test_robots_ignored_when_the_policy_says_so(site: FixtureSite) -> None:
    site.set("/robots.txt", "User-agent: *\nDisallow: /\n")
    site.set("/a", "a")
    with HttpFetcher(policy(respect_robots=False)) as fetcher:
        assert fetcher.get(site.url("/a")).body == b"a"
    assert [r.path for r in site.requests] == ["/a"]


@pytest.mark.parametrize("status", [403, 404, 410])
def test_robots_client_error_allows_everything(site: FixtureSite, status: int) -> None:
    site.set("/robots.txt", Reply(status=status, body=b"nope"))
    site.set("/a", "a")
    with HttpFetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/a")).body == b"a"


def test_robots_server_error_disallows_with_a_clear_message(site: FixtureSite) -> None:
    site.set("/robots.txt", Reply(status=503))
    site.set("/a", "a")
    sleeps = Sleeps()
    with HttpFetcher(policy(retries=1), sleep=sleeps) as fetcher:
        with pytest.raises(ScrapeError) as caught:
            fetcher.get(site.url("/a"))
        with pytest.raises(ScrapeError):
            fetcher.get(site.url("/a"))
    message = one_line(caught.value)
    assert "robots.txt" in message and "503" in message and "disallowed" in message
    assert site.requests_to("/a") == []
    assert len(site.requests_to("/robots.txt")) == 2  # one retry, then remembered


def test_robots_unreachable_is_an_error() -> None:
    with HttpFetcher(policy(retries=0)) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get("http://127.0.0.1:1/doc")
    message = one_line(caught.value)
    assert "could not connect to 127.0.0.1:1: connection refused" in message
    assert "robots.txt" in message


def test_robots_redirect_is_followed(site: FixtureSite) -> None:
    site.redirect("/robots.txt", "/real-robots.txt")
    site.set("/real-robots.txt", "User-agent: *\nDisallow: /x\n")
    site.set("/x", "x")
    with HttpFetcher(policy()) as fetcher, pytest.raises(ScrapeError, match="robots"):
        fetcher.get(site.url("/x"))


# --- retries -----------------------------------------------------------------------------


def test_server_errors_are_retried_with_exponential_backoff(site: FixtureSite) -> None:
    answers = iter([Reply(status=500), Reply(status=502), Reply(body=b"fine")])
    site.set("/flaky", lambda request: next(answers))
    sleeps = Sleeps()
    with HttpFetcher(policy(respect_robots=False), sleep=sleeps) as fetcher:
        fetched = fetcher.get(site.url("/flaky"))
    assert fetched.body == b"fine"
    assert sleeps == [2.0, 4.0]
    assert len(site.requests) == 3


def test_retries_give_up_with_the_status_and_attempt_count(site: FixtureSite) -> None:
    site.set("/down", Reply(status=500, body=b"oops"))
    sleeps = Sleeps()
    url = site.url("/down")
    with HttpFetcher(policy(respect_robots=False), sleep=sleeps) as fetcher:
        with pytest.raises(ScrapeError) as caught:
            fetcher.get(url)
    assert one_line(caught.value) == f"server error 500 from {url} after 4 attempts"
    assert caught.value.status == 500
    assert sleeps == [2.0, 4.0, 8.0]
    assert len(site.requests) == 4


def test_retry_after_seconds_is_honoured(site: FixtureSite) -> None:
    answers = iter([Reply(status=429, headers={"Retry-After": "7"}), Reply(body=b"ok")])
    site.set("/busy", lambda request: next(answers))
    sleeps = Sleeps()
    with HttpFetcher(policy(respect_robots=False), sleep=sleeps) as fetcher:
        assert fetcher.get(site.url("/busy")).body == b"ok"
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured(site: FixtureSite) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    answers = iter([Reply(status=503, headers={"Retry-After": later}), Reply(body=b"ok")])
    site.set("/busy", lambda request: next(answers))
    sleeps = Sleeps()
    with HttpFetcher(policy(respect_robots=False), sleep=sleeps) as fetcher:
        assert fetcher.get(site.url("/busy")).body == b"ok"
    assert len(sleeps) == 1 and 50 <= sleeps[0] <= 60


def test_too_long_retry_after_is_an_error_not_a_sleep(site: FixtureSite) -> None:
    site.set("/busy", Reply(status=503, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    with HttpFetcher(policy(respect_robots=False), sleep=sleeps) as fetcher:
        with pytest.raises(ScrapeError, match="3600") as caught:
            fetcher.get(site.url("/busy"))
    assert caught.value.status == 503
    assert sleeps == []
    assert len(site.requests) == 1


def test_read_timeout_is_retried(site: FixtureSite) -> None:
    answers = iter([Reply(body=b"late", delay=1.0), Reply(body=b"on time")])
    site.set("/slow", lambda request: next(answers))
    sleeps = Sleeps()
    fetcher = HttpFetcher(policy(respect_robots=False, read_timeout=0.2), sleep=sleeps)
    with fetcher:
        assert fetcher.get(site.url("/slow")).body == b"on time"
    assert sleeps == [2.0]


def test_read_timeout_gives_up_with_a_clear_message(site: FixtureSite) -> None:
    site.set("/slow", Reply(body=b"late", delay=1.0))
    sleeps = Sleeps()
    fetcher = HttpFetcher(policy(respect_robots=False, read_timeout=0.2, retries=1), sleep=sleeps)
    with fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/slow"))
    message = one_line(caught.value)
    assert message.startswith("timed out after 0.2 s waiting for") and "2 attempts" in message


def test_connection_refused_is_one_clear_line() -> None:
    sleeps = Sleeps()
    with HttpFetcher(policy(respect_robots=False, retries=2), sleep=sleeps) as fetcher:
        with pytest.raises(ScrapeError) as caught:
            fetcher.get("http://127.0.0.1:1/doc")
    message = one_line(caught.value)
    assert message == "could not connect to 127.0.0.1:1: connection refused after 3 attempts"
    assert sleeps == [2.0, 4.0]


def test_dns_failure_is_fast_offline_and_not_retried() -> None:
    sleeps = Sleeps()
    with HttpFetcher(policy(), sleep=sleeps) as fetcher:
        with pytest.raises(ScrapeError) as caught:
            fetcher.get("https://guidance.guidewatch.invalid/ng206.pdf")
    message = one_line(caught.value)
    assert message.startswith("could not resolve host guidance.guidewatch.invalid")
    assert sleeps == []


# --- statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_raise_gone_error(site: FixtureSite, status: int) -> None:
    site.set("/old", Reply(status=status, body=b"gone"))
    with HttpFetcher(policy()) as fetcher, pytest.raises(GoneError) as caught:
        fetcher.get(site.url("/old"))
    assert caught.value.status == status
    assert caught.value.fetched is not None and caught.value.fetched.body == b"gone"


def test_other_client_errors_raise_scrape_error(site: FixtureSite) -> None:
    site.set("/secret", Reply(status=403))
    sleeps = Sleeps()
    with HttpFetcher(policy(), sleep=sleeps) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/secret"))
    assert not isinstance(caught.value, GoneError)
    assert caught.value.status == 403
    assert "403" in one_line(caught.value)
    assert sleeps == [] and len(site.requests_to("/secret")) == 1


# --- conditional requests ----------------------------------------------------------------


def test_etag_gives_304_with_empty_body(site: FixtureSite) -> None:
    site.set(
        "/doc.pdf", Reply(body=PDF, headers={"Content-Type": "application/pdf", "ETag": '"v1"'})
    )
    with HttpFetcher(policy()) as fetcher:
        first = fetcher.get(site.url("/doc.pdf"), expect="pdf")
        again = fetcher.get(site.url("/doc.pdf"), etag=first.headers["etag"], expect="pdf")
        changed = fetcher.get(site.url("/doc.pdf"), etag='"v0"')
    assert first.status == 200 and first.body == PDF
    assert again.status == 304 and again.body == b"" and again.content_kind == "pdf"
    assert changed.status == 200 and changed.body == PDF
    assert site.requests_to("/doc.pdf")[1].header("If-None-Match") == '"v1"'


def test_last_modified_gives_304(site: FixtureSite) -> None:
    stamp = "Fri, 29 Oct 2021 09:00:00 GMT"
    site.set("/page", Reply(body=HTML, headers={"Last-Modified": stamp}))
    with HttpFetcher(policy()) as fetcher:
        fetched = fetcher.get(site.url("/page"), last_modified=stamp)
    assert fetched.status == 304 and fetched.body == b""
    assert site.requests_to("/page")[0].header("If-Modified-Since") == stamp


# --- redirects ---------------------------------------------------------------------------


def test_redirects_are_followed_and_recorded(site: FixtureSite) -> None:
    site.redirect("/a", "/b", status=301)
    site.redirect("/b", site.url("/c"))
    site.set("/c", HTML)
    with HttpFetcher(policy()) as fetcher:
        fetched = fetcher.get(site.url("/a"))
    assert fetched.redirects == (site.url("/a"), site.url("/b"))
    assert fetched.final_url == site.url("/c")
    assert fetched.url == site.url("/a")
    assert fetched.body == HTML


def test_redirect_to_another_host_checks_its_robots(site: FixtureSite) -> None:
    with FixtureSite() as other:
        other.set("/robots.txt", "User-agent: *\nDisallow: /\n")
        other.set("/doc", "doc")
        site.redirect("/doc", other.url("/doc"))
        with HttpFetcher(policy()) as fetcher, pytest.raises(ScrapeError, match="robots.txt"):
            fetcher.get(site.url("/doc"))
        assert other.requests_to("/doc") == []


def test_redirect_loop_is_an_error(site: FixtureSite) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    with HttpFetcher(policy()) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/a"))
    assert "redirect loop" in one_line(caught.value)


def test_too_many_redirects_is_an_error(site: FixtureSite) -> None:
    for hop in range(10):
        site.redirect(f"/{hop}", f"/{hop + 1}")
    with HttpFetcher(policy(max_redirects=3)) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/0"))
    assert "too many redirects" in one_line(caught.value)
    assert len(site.requests) == 1 + 4  # robots, then the page and its three allowed hops


# --- size cap ----------------------------------------------------------------------------


def test_content_length_over_the_cap_is_rejected(site: FixtureSite) -> None:
    site.set("/big", Reply(body=b"x" * 5000))
    with HttpFetcher(policy(max_bytes=1000)) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/big"))
    message = one_line(caught.value)
    assert "1000-byte cap" in message and "Content-Length" in message


def test_streamed_body_over_the_cap_stops_reading(site: FixtureSite) -> None:
    body = b"x" * (4 * 1024 * 1024)
    site.set("/big", Reply(body=body, chunked=True))
    cap = 100_000
    with HttpFetcher(policy(max_bytes=cap)) as fetcher, pytest.raises(ScrapeError) as caught:
        fetcher.get(site.url("/big"))
    message = one_line(caught.value)
    assert f"{cap}-byte cap" in message
    read = int(re.search(r"stopped reading at (\d+) bytes", message).group(1))  # type: ignore[union-attr]
    assert cap < read < len(body)


def test_body_at_the_cap_is_accepted(site: FixtureSite) -> None:
    site.set("/exact", Reply(body=b"y" * 1000, chunked=True))
    with HttpFetcher(policy(max_bytes=1000)) as fetcher:
        assert len(fetcher.get(site.url("/exact")).body) == 1000


# --- content sniffing and expectations ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (PDF, "application/pdf", "pdf"),
        (PDF, "text/html", "pdf"),
        (b"\r\n\r\n" + PDF, None, "pdf"),
        (HTML, "application/pdf", "html"),
        (b"\xef\xbb\xbf  <html lang='en'><p>x", "text/plain", "html"),
        (b"<?xml version='1.0'?>\n<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML'><html>", None, "html"),
        (b"<BODY>shouting</BODY>", None, "html"),
        (b'{"title": "NG206"}', "application/json", "json"),
        (b"[1, 2, 3]", "text/plain", "json"),
        (b"{not json", "application/json", "text"),
        (b"User-agent: *\nDisallow:\n", "text/plain", "text"),
        ("café".encode(), None, "text"),
        (b"caf\xe9", "text/plain; charset=iso-8859-1", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "binary"),
        (b"caf\xe9 \xff\xfe", "application/octet-stream", "binary"),
    ],
)
def test_sniff_kind(body: bytes, content_type: str | None, kind: str) -> None:
    assert sniff_kind(body, content_type) == kind


def test_pdf_served_as_html_is_a_pdf(site: FixtureSite) -> None:
    site.set("/doc", Reply(body=PDF, headers={"Content-Type": "text/html"}))
    with HttpFetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/doc"), expect="pdf").content_kind == "pdf"


def test_html_when_a_pdf_was_expected_is_suspect(site: FixtureSite) -> None:
    site.set("/doc.pdf", Reply(body=HTML, headers={"Content-Type": "text/html; charset=utf-8"}))
    url = site.url("/doc.pdf")
    with HttpFetcher(policy()) as fetcher, pytest.raises(SuspectError) as caught:
        fetcher.get(url, expect="pdf")
    assert one_line(caught.value) == (
        f"expected a PDF at {url} but the server sent an HTML page (text/html)"
    )
    assert caught.value.fetched is not None and caught.value.fetched.body == HTML
    assert caught.value.status == 200


def test_html_served_as_pdf_is_still_html(site: FixtureSite) -> None:
    site.set("/doc.pdf", Reply(body=HTML, headers={"Content-Type": "application/pdf"}))
    with HttpFetcher(policy()) as fetcher, pytest.raises(SuspectError, match="application/pdf"):
        fetcher.get(site.url("/doc.pdf"), expect="pdf")


def test_empty_body_when_html_was_expected_is_suspect(site: FixtureSite) -> None:
    site.set("/page", Reply(body=b"", headers={"Content-Type": "text/html"}))
    with HttpFetcher(policy()) as fetcher, pytest.raises(SuspectError, match="empty body"):
        fetcher.get(site.url("/page"), expect="html")


def test_expect_json_accepts_json(site: FixtureSite) -> None:
    site.set("/api/content/x", '{"details": {"body": "<p>x</p>"}}')
    with HttpFetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/api/content/x"), expect="json").content_kind == "json"


def test_unknown_expectation_is_a_programming_error(site: FixtureSite) -> None:
    with HttpFetcher(policy()) as fetcher, pytest.raises(ValueError, match="expect"):
        fetcher.get(site.url("/x"), expect="docx")


def test_parse_retry_after() -> None:
    now = datetime(2025, 7, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Tue, 22 Jul 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Tue, 22 Jul 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_fetch_after_the_run_closed_its_fetcher_says_the_run_stopped(site: FixtureSite) -> None:
    # A flow run stopped by Ctrl-C closes its fetchers while a task may still be about to
    # fetch: that fetch is a clear error, never an "internal error: RuntimeError".
    site.set("/page", "<html><body>hello</body></html>")
    fetcher = HttpFetcher(policy())
    assert fetcher.get(site.url("/page")).status == 200
    fetcher.close()
    with pytest.raises(ScrapeError) as raised:
        fetcher.get(site.url("/page"))
    assert not isinstance(raised.value, (GoneError, SuspectError))
    assert one_line(raised.value) == (
        f"{site.url('/page')} was not fetched: the run was stopped (its fetcher is closed)"
    )

"""The archive client against the loopback archive: CDX formats, mementos, pacing, 429s."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.fetch import FetchPolicy, HttpFetcher
from scrapers.model import GoneError
from scrapers.wayback import Capture, Pace, WaybackClient, parse_cdx, parse_timestamp
from tests.support.archive import NICE_LIVE, ArchiveSite, load_fixture_captures


@pytest.fixture
def client(archive_site: ArchiveSite) -> WaybackClient:
    load_fixture_captures(archive_site.archive)
    policy = FetchPolicy(user_agent="guidewatch-test (+mailto:t@example.org)", pause_seconds=0)
    fetcher = HttpFetcher(policy, sleep=lambda s: None)
    return WaybackClient(fetcher.get, base_url=archive_site.base_url, search_rate=0, memento_rate=0)


def test_cdx_json_and_text_say_the_same(client: WaybackClient) -> None:
    as_json = client.search(NICE_LIVE, collapse_digest=False)
    as_text = client.search(NICE_LIVE, collapse_digest=False, output="text")
    assert as_json == as_text and len(as_json) == 6
    assert [c.statuscode for c in as_json] == [200, 200, 301, 404, 200, 200]
    assert as_json[0].when == datetime(2021, 11, 1, 9, 30, tzinfo=UTC)


def test_collapse_from_to_prefix_and_mimetype(client: WaybackClient) -> None:
    collapsed = client.search(NICE_LIVE)
    assert [c.timestamp[:4] for c in collapsed] == ["2021", "2022", "2023", "2024"]
    window = client.search(NICE_LIVE, start="2022", end="2023", collapse_digest=False)
    assert [c.timestamp[:6] for c in window] == ["202203", "202206", "202301"]
    pdfs = client.search(
        "https://bacme.info/wp-content/uploads/", prefix=True, mimetype="application/pdf"
    )
    assert {c.original.rsplit("/", 1)[-1][:26] for c in pdfs} == {
        "BACME-Guide-to-Therapy-202",
        "BACME-MECFS-Guide-to-Thera",
    }


def test_a_memento_carries_memento_datetime_and_link(client: WaybackClient) -> None:
    first = client.search(NICE_LIVE)[0]
    memento = client.memento(first)
    assert memento.memento_datetime == first.when and memento.original == NICE_LIVE
    assert memento.fetched.final_url.endswith(f"/web/{first.timestamp}id_/{NICE_LIVE}")
    assert b"as a cure" in memento.fetched.body


def test_captured_redirect_and_404(client: WaybackClient) -> None:
    redirect, gone = client.search(NICE_LIVE, start="2022", end="2023")[1:3]
    with pytest.raises(GoneError) as raised:  # the target was never captured
        client.memento(redirect)
    assert raised.value.fetched is not None
    assert raised.value.fetched.redirects  # the archive answered 3xx into itself first
    with pytest.raises(GoneError):
        client.memento(gone)


def test_429_is_waited_out_as_retry_after_asks(archive_site: ArchiveSite) -> None:
    load_fixture_captures(archive_site.archive)
    archive_site.archive.throttle = ["3", "2"]
    waits: list[float] = []
    policy = FetchPolicy(user_agent="t", pause_seconds=0, retries=3)
    fetcher = HttpFetcher(policy, sleep=waits.append)
    client = WaybackClient(fetcher.get, base_url=archive_site.base_url, search_rate=0)
    assert len(client.search(NICE_LIVE)) == 4
    assert waits == [3.0, 2.0]


def test_pace_spaces_requests_as_the_archive_asks() -> None:
    slept: list[float] = []
    pace = Pace(0.8, slept.append)
    pace.wait()
    pace.wait()
    assert len(slept) == 1 and 1.2 < slept[0] <= 1.25


def test_parsers() -> None:
    assert parse_timestamp("2019") == datetime(2019, 1, 1, tzinfo=UTC)
    assert parse_cdx(b"[]") == [] and parse_cdx(b"") == []
    rows = parse_cdx(b'[["timestamp","original","statuscode"],["20200101000000","u","-"]]')
    assert rows == [Capture("20200101000000", "u", statuscode=None)]

"""A loopback mirror of the watched organisations' sites, switchable between versions."""

from __future__ import annotations

from pathlib import Path

from guidewatch.app import App
from guidewatch.settings import load_settings
from tests.support.site import FixtureSite, Reply

FIXTURES = Path(__file__).parent.parent / "fixtures"
NICE_PATH = "/nice/guidance/ng206/chapter/recommendations"
BHC_PAGE_PATH = "/bhc/clinical-care-guide/"


def html(name: str) -> Reply:
    """Serve a fixture file as UTF-8 HTML with an ETag, so conditional requests are real."""
    body = (FIXTURES / name).read_bytes()
    etag = f'"{abs(hash(body)) % 10**12}"'
    return Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8", "ETag": etag})


def rewrites(site: FixtureSite) -> str:
    """Return a GUIDEWATCH_REWRITE value sending every watched host to the mirror."""
    pairs = {
        "https://www.nice.org.uk": "/nice",
        "https://www.gov.uk": "/govuk",
        "https://bacme.info": "/bacme",
        "https://batemanhornecenter.org": "/bhc",
    }
    return ";".join(f"{live}={site.base_url}{prefix}" for live, prefix in pairs.items())


def make_app(site: FixtureSite, tmp_path: Path, **env: str) -> App:
    """Return an App on a fresh SQLite file whose every fetch goes to the mirror, no pauses."""
    values = {
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_REWRITE": rewrites(site),
        "GUIDEWATCH_PAUSE_SECONDS": "0",
        "GUIDEWATCH_RETRIES": "1",
        "GUIDEWATCH_READ_TIMEOUT": "2",
        "GUIDEWATCH_CONTACT": "tests@example.org",
        **env,
    }
    return App(settings=load_settings(values))


GOVUK_PLAN = "/government/publications/mecfs-the-final-delivery-plan"
GOVUK_PLAN_TEXT = (
    GOVUK_PLAN + "/myalgic-encephalomyelitischronic-fatigue-syndrome-mecfs-the-final-delivery-plan"
)
GOVUK_CONSULTATION = (
    "/government/consultations/improving-the-experiences-of-people-with-mecfs-interim-delivery-plan"
)


def govuk(site: FixtureSite, base_path: str, fixture: str) -> None:
    """Serve a GOV.UK Content API document from the fixtures at its API path on the mirror."""
    body = (FIXTURES / "govuk" / fixture).read_bytes()
    site.set(
        "/govuk/api/content" + base_path,
        Reply(body=body, headers={"Content-Type": "application/json"}),
    )

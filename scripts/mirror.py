"""Serve a loopback mirror of the four watched sites with every shipped document on it.

    uv run python scripts/mirror.py                # version 1, on a free port
    uv run python scripts/mirror.py --port 8765    # on a chosen port
    uv run python scripts/mirror.py --version 2    # the changed fixtures (NICE, GOV.UK, BACME)

It prints the GUIDEWATCH_REWRITE value that sends every request to it; export that before
`make run`, `guidewatch run` or `guidewatch doctor`. What it serves, under /nice, /govuk,
/bacme and /bhc:
- NICE: the NG206 overview page (linking the dated PDF), the four chapters at their
  lower-case addresses (a mixed-case address answers 308, as NICE does), the PDF at
  /guidance/ng206/NG206-20211029.pdf and any /guidance/ng206/<name>.pdf redirecting to it;
- GOV.UK: the Content API JSON of the six DHSC pages;
- BACME as a WordPress site: the REST media search (/wp-json/wp/v2/media?search=...), the core
  sitemaps (/wp-sitemap.xml and its page and post sitemaps), the clinical resources page they
  list, the old /resources/ page, and the four PDFs (version 2 adds the 2025 redraft);
- the Bateman Horne Center: its three pages, Yoast sitemaps and the care guide PDF.
Pages come from tests/fixtures; the PDFs and the pages without a fixture are drawn here.
Everything else answers 404. Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pdfgen import Block, Heading, Para, make_pdf  # noqa: E402
from tests.support.site import FixtureSite, Reply, serve_until, stop_on_term  # noqa: E402
from tests.support.wordpress import (  # noqa: E402
    MEDIA_PATH,
    media_items,
    media_search,
    page,
    serve_bhc_sitemaps,
    xml,
)
from tests.support.world import (  # noqa: E402
    BHC_PAGE_PATH,
    GOVUK_CONSULTATION,
    GOVUK_PLAN,
    GOVUK_PLAN_TEXT,
    NICE_PATH,
    govuk,
    html,
    rewrites,
)

# Each version's fixture for every path that has one: version 2 changes the wording.
PAGES = {
    1: {
        NICE_PATH: "nice/ng206-recommendations-v1.html",
        "/bacme/resources/": "bacme/resources-v1.html",
        BHC_PAGE_PATH: "bhc/clinical-care-guide.html",
    },
    2: {
        NICE_PATH: "nice/ng206-recommendations-v2-cure.html",
        "/bacme/resources/": "bacme/resources-v2.html",
        BHC_PAGE_PATH: "bhc/clinical-care-guide.html",
    },
}
GOVUK = {
    1: {
        GOVUK_PLAN: "final-plan-publication.json",
        GOVUK_PLAN_TEXT: "final-plan-html.json",
        GOVUK_CONSULTATION: "interim-consultation-v1.json",
    },
    2: {
        GOVUK_PLAN: "final-plan-publication.json",
        GOVUK_PLAN_TEXT: "final-plan-html-v2-wording.json",
        GOVUK_CONSULTATION: "interim-consultation-v2-wording.json",
    },
}


def guide(heading: str) -> list[list[Block]]:
    """A short Guide to Therapy in BACME's manner: the heading is what version 2 renames."""
    return [
        [
            Heading(0, "ME/CFS Guide to Therapy"),
            Heading(1, heading),
            Para(
                "Once a stable baseline is reached, increase your activity by no more than "
                "10-20% at a time."
            ),
        ],
        [Heading(1, "5. Pacing"), Para("Pacing is an energy management strategy.")],
    ]


CARE_GUIDE: list[list[Block]] = [
    [
        Heading(0, "Clinical Care Guide"),
        Heading(1, "Neuroplasticity programs designed for autonomic nervous system dysregulation"),
        Para(
            "These programs are supportive adjuncts rather than curative treatments, to start "
            "only once a patient has reached improved PEM stability."
        ),
    ]
]
# The PDFs each version's index pages link to (drawn here: the project ships no real ones).
PDFS = {
    1: {
        "/bacme/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf": guide(
            "4. What is Graded Exercise Therapy?"
        ),
    },
    2: {
        "/bacme/wp-content/uploads/2025/03/BACME-MECFS-Guide-to-Therapy-2025-redraft.pdf"
        ".pagespeed.ce.Xk3p9QaZ1b.pdf": guide("4. What is Activity Management?"),
    },
}
CARE_GUIDE_PATH = (
    "/bhc/wp-content/uploads/2025/05/BHC-Clinical-Care-Guide-Managing-MECFS-Long-COVID-IACC-"
    "May-2025.pdf"
)


NICE = "/nice/guidance/ng206"
NICE_PDF = NICE + "/NG206-20211029.pdf"
NICE_CHAPTERS = {
    "rationale-and-impact": ("Rationale and impact", "Why the committee made the recommendations"),
    "recommendations-for-research": ("Recommendations for research", "Key recommendations"),
    "context": ("Context", "ME/CFS is a complex, chronic medical condition"),
}
GOVUK_MORE = {
    GOVUK_CONSULTATION + "/my-full-reality-the-interim-delivery-plan-on-mecfs": (
        "My full reality: the interim delivery plan on ME/CFS",
        "This interim delivery plan sets out actions on research, attitudes and education.",
    ),
    GOVUK_CONSULTATION + "/consultation-document-the-interim-delivery-plan-on-mecfs": (
        "Consultation document: the interim delivery plan on ME/CFS",
        "We are seeking views on the interim delivery plan on ME/CFS.",
    ),
    GOVUK_CONSULTATION
    + "/outcome/improving-the-experiences-of-people-with-mecfs-consultation-outcome": (  # noqa: E501
        "Improving the experiences of people with ME/CFS: consultation outcome",
        "We received over 3,000 responses to the consultation on the interim delivery plan.",
    ),
}
BHC_PAGES = {
    "/bhc/education/me-cfs/": ("ME/CFS", "ME/CFS is a complex, multi-system illness."),
    "/bhc/providers/mecfs/criteria-specific-guidance/": (
        "Criteria-specific guidance",
        "Use the IOM 2015 criteria to diagnose ME/CFS.",
    ),
}
MEDIA_PDFS: dict[str, list[list[Block]]] = {
    "bacme-mecfs-guide-to-therapy-2025-redraft": guide("4. What is Activity Management?"),
    "bacme-guide-to-therapy-2022": guide("4. What is Graded Exercise Therapy?"),
    "bacme-position-paper-october-2020": [
        [Heading(0, "Position Paper"), Para("BACME's position.")]
    ],
    "dysregulation-in-mecfs-august-2021": [
        [Heading(0, "An Introduction to Dysregulation"), Para("Dysregulation of systems.")]
    ],
    "bacme-severe-and-very-severe-mecfs-practice-guide": [
        [Heading(0, "Severe and Very Severe ME/CFS"), Para("Care at home, at the person's pace.")]
    ],
}


def chapter(title: str, text: str) -> str:
    """A NICE chapter in the feed markup (div.chapter, div.section, h3.title)."""
    return (
        f"<!doctype html><html><head><title>{title} | NG206 | NICE</title></head><body><main>"
        f'<div class="chapter" id="ng206_chapter"><h2 class="title">{title}</h2>'
        f'<div class="section"><h3 class="title">{title}</h3><p>{text}.</p></div></div>'
        "</main></body></html>"
    )


def wp_page(title: str, text: str) -> str:
    """A WordPress page whose content sits in article .entry-content."""
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><article>"
        f'<h1 class="entry-title">{title}</h1><div class="entry-content"><p>{text}</p></div>'
        "</article></body></html>"
    )


def govuk_item(base_path: str, title: str, text: str) -> bytes:
    """A GOV.UK Content API html_publication whose parent holds the change history."""
    item = {
        "base_path": base_path,
        "title": title,
        "document_type": "html_publication",
        "public_updated_at": "2024-12-19T09:30:00.000+00:00",
        "details": {"body": f'<div class="govspeak"><h2 id="a">{title}</h2><p>{text}</p></div>'},
        "links": {
            "parent": [
                {"base_path": GOVUK_CONSULTATION, "api_path": "/api/content" + GOVUK_CONSULTATION}
            ]
        },
    }
    return json.dumps(item).encode("utf-8")


def _pdf(pages: list[list[Block]]) -> Reply:
    return Reply(body=make_pdf(pages), headers={"Content-Type": "application/pdf"})


def serve(site: FixtureSite, version: int) -> list[str]:
    """Serve one version of the fixtures on the mirror; return the mirror paths served."""
    for path, fixture in PAGES[version].items():
        site.set(path, html(fixture))
    for base_path, fixture in GOVUK[version].items():
        govuk(site, base_path, fixture)
    pdfs = {**PDFS[version], CARE_GUIDE_PATH: CARE_GUIDE}
    for path, pages in pdfs.items():
        site.set(path, _pdf(pages))
    served = [*PAGES[version], *("/govuk/api/content" + p for p in GOVUK[version]), *pdfs]
    # NICE: lower-case chapters, a 308 from the mixed-case spelling, the overview, the PDF.
    site.redirect(NICE + "/chapter/Recommendations", NICE + "/chapter/recommendations", 308)
    for slug, (title, text) in NICE_CHAPTERS.items():
        site.set(f"{NICE}/chapter/{slug}", chapter(title, text))
        served.append(f"{NICE}/chapter/{slug}")
    site.set(
        NICE,
        "<!doctype html><html><head><title>NG206 | NICE</title></head><body><main>"
        "<h1>Myalgic encephalomyelitis (or encephalopathy)/chronic fatigue syndrome: "
        "diagnosis and management</h1><p>NICE guideline NG206, published 29 October 2021.</p>"
        '<p><a href="/guidance/ng206/NG206-20211029.pdf">Download guidance (PDF)</a></p>'
        "</main></body></html>",
    )
    site.set(NICE_PDF, _pdf([[Heading(0, "NG206"), Para("Myalgic encephalomyelitis guideline.")]]))
    site.set(NICE + "/ng206.pdf", Reply(status=308, headers={"Location": NICE_PDF}))
    served += [NICE, NICE_PDF, NICE + "/ng206.pdf (308)"]
    for base_path, (title, text) in GOVUK_MORE.items():
        body = govuk_item(base_path, title, text)
        reply = Reply(body=body, headers={"Content-Type": "application/json"})
        site.set("/govuk/api/content" + base_path, reply)
        served.append("/govuk/api/content" + base_path)
    # BACME as WordPress: media search, sitemaps, the pages they list, every PDF found.
    items = [i for i in media_items() if version > 1 or not i["date"].startswith("2025")]
    live = "https://bacme.info"
    for item in items:
        if item["slug"] in MEDIA_PDFS:
            site.set(
                "/bacme" + item["source_url"].removeprefix(live), _pdf(MEDIA_PDFS[item["slug"]])
            )
            served.append("/bacme" + item["source_url"].removeprefix(live))
    site.set("/bacme" + MEDIA_PATH, media_search(items))
    site.set("/bacme/wp-sitemap.xml", xml("bacme-wp-sitemap.xml"))
    for part in ("posts-page-1", "posts-post-1"):
        site.set(f"/bacme/wp-sitemap-{part}.xml", xml(f"bacme-wp-sitemap-{part}.xml"))
    site.set("/bacme/clinical-resources/", page("bacme/clinical-resources.html"))
    served += ["/bacme" + MEDIA_PATH + "?search=...", "/bacme/wp-sitemap.xml (and its parts)"]
    # The Bateman Horne Center: its pages and Yoast sitemaps.
    for path, (title, text) in BHC_PAGES.items():
        site.set(path, wp_page(title, text))
        served.append(path)
    serve_bhc_sitemaps(site)
    served.append("/bhc/sitemap_index.xml (and its parts)")
    return served


def main(argv: list[str] | None = None) -> int:
    """Start the mirror, print how to use it, and serve until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, choices=sorted(PAGES), default=1)
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    args = parser.parse_args(argv)
    stop = stop_on_term()
    with FixtureSite(port=args.port) as site:
        paths = serve(site, args.version)
        print(f"mirror: version {args.version} of tests/fixtures on {site.base_url}")
        for path in paths:
            print(f"  {site.url(path)}")
        print("everything else answers 404. Send guidewatch here with:")
        print(f"export GUIDEWATCH_REWRITE='{rewrites(site)}'", flush=True)
        serve_until(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())

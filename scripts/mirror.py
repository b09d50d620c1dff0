"""Serve tests/fixtures as a loopback mirror of the four watched sites, for trying guidewatch.

    uv run python scripts/mirror.py              # version 1 of every fixture, on a free port
    uv run python scripts/mirror.py --version 2  # the changed fixtures (NICE, GOV.UK, BACME)

It prints the GUIDEWATCH_REWRITE value that sends every request to it; export that before
`make run` or `guidewatch run`. Only documents with a fixture are served: the others answer
404 (and show as gone), as do the BACME and Bateman Horne PDFs, which have no fixture files.
Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pdfgen import Block, Heading, Para, make_pdf  # noqa: E402
from tests.support.site import FixtureSite, Reply  # noqa: E402
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


def serve(site: FixtureSite, version: int) -> list[str]:
    """Serve one version of the fixtures on the mirror; return the mirror paths served."""
    for path, fixture in PAGES[version].items():
        site.set(path, html(fixture))
    for base_path, fixture in GOVUK[version].items():
        govuk(site, base_path, fixture)
    pdfs = {**PDFS[version], CARE_GUIDE_PATH: CARE_GUIDE}
    for path, pages in pdfs.items():
        site.set(path, Reply(body=make_pdf(pages), headers={"Content-Type": "application/pdf"}))
    return [
        *PAGES[version],
        *("/govuk/api/content" + path for path in GOVUK[version]),
        *pdfs,
    ]


def main(argv: list[str] | None = None) -> int:
    """Start the mirror, print how to use it, and serve until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, choices=sorted(PAGES), default=1)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FixtureSite() as site:
        paths = serve(site, args.version)
        print(f"mirror: version {args.version} of tests/fixtures on {site.base_url}")
        for path in paths:
            print(f"  {site.url(path)}")
        print("everything else answers 404. Send guidewatch here with:")
        print(f"export GUIDEWATCH_REWRITE='{rewrites(site)}'", flush=True)
        try:
            # Waking up now and then lets the signal handlers run.
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

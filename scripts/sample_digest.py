"""Write sample alert e-mails, made end to end from the project's own test fixtures, offline.

uv run python scripts/sample_digest.py --out DIR                # every sample
uv run python scripts/sample_digest.py --out DIR nice-cure      # only the named ones

Each sample runs two real monitoring cycles over a loopback mirror of the watched sites
(tests/fixtures, PDFs drawn by tests/support/pdfgen.py): the first stores the old version,
the second the new one. Comparing them queues alerts, which the outbox delivers to a real
SMTP server on 127.0.0.1. Every message received is written as NAME[-N].eml (as sent),
.txt (its plain-text part) and .html (its HTML part) for a maintainer to read.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guidewatch.monitor import run_once  # noqa: E402
from tests.support.pdfgen import Block, Bullets, Heading, Para, make_pdf  # noqa: E402
from tests.support.site import FixtureSite, Reply  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402
from tests.support.world import (  # noqa: E402
    BHC_PAGE_PATH,
    FIXTURES,
    GOVUK_PLAN,
    GOVUK_PLAN_TEXT,
    NICE_PATH,
    govuk,
    html,
    make_app,
)

NICE = "nice-ng206-recommendations"
BHC = "bhc-clinical-care-guide-page"
GOVUK_TEXT = "dhsc-final-delivery-plan-text"
BACME = "bacme-guide-to-therapy"
BACME_INDEX = "/bacme/resources/"
# Linked root-relative from the index page: the mirror serves it under /bacme.
BACME_PDF = "/bacme/wp-content/uploads/2022/11/BACME-Guide-to-Therapy-2022.pdf"

Stage = Callable[[FixtureSite], None]


def guide_pages(renamed: bool) -> list[list[Block]]:
    """A BACME-like Guide to Therapy; `renamed` calls graded exercise "activity management"."""
    name = "Activity Management" if renamed else "Graded Exercise Therapy"
    return [
        [
            Heading(0, "ME/CFS Guide to Therapy"),
            Heading(1, "1. About this guide"),
            Para("This guide is for people with ME/CFS and the clinicians who support them."),
            Heading(1, "2. Pacing"),
            Para("Pacing is an energy management strategy to avoid post-exertional malaise."),
        ],
        [
            Heading(1, "3. Sleep"),
            Para("Keep a regular sleep routine and rest before you are tired."),
        ],
        [
            Heading(1, f"4. What is {name}?"),
            Para(
                f"{name[0]}{name[1:].lower()} is a structured programme agreed with your "
                "therapist. Once a stable baseline is reached, increase your activity by no "
                "more than 10-20% at a time."
            ),
            Bullets(("Keep an activity diary.", "Rest before you are tired.")),
        ],
    ]


def nice(fixture: str) -> Stage:
    """Serve a NICE recommendations chapter fixture."""
    return lambda site: site.set(NICE_PATH, html(f"nice/{fixture}"))


def nice_edited(*edits: tuple[str, str]) -> Stage:
    """Serve the first NICE fixture with some wording replaced."""

    def stage(site: FixtureSite) -> None:
        body = (FIXTURES / "nice/ng206-recommendations-v1.html").read_text(encoding="utf-8")
        for old, new in edits:
            assert old in body, old
            body = body.replace(old, new)
        headers = {"Content-Type": "text/html; charset=utf-8", "ETag": f'"{len(edits)}x"'}
        site.set(NICE_PATH, Reply(body=body.encode(), headers=headers))

    return stage


def bhc(fixture: str) -> Stage:
    """Serve a Bateman Horne Center clinical care guide page fixture."""
    return lambda site: site.set(BHC_PAGE_PATH, html(f"pages/{fixture}"))


def govuk_plan(fixture: str) -> Stage:
    """Serve the GOV.UK final delivery plan (its publication page and its full text)."""

    def stage(site: FixtureSite) -> None:
        govuk(site, GOVUK_PLAN, "final-plan-publication.json")
        govuk(site, GOVUK_PLAN_TEXT, fixture)

    return stage


def bacme(renamed: bool) -> Stage:
    """Serve BACME's resources page and the Guide to Therapy PDF it links to."""

    def stage(site: FixtureSite) -> None:
        site.set_file(BACME_INDEX, FIXTURES / "bacme/resources-v1.html", "text/html")
        body = make_pdf(guide_pages(renamed), running_header="BACME Guide to Therapy")
        site.set(BACME_PDF, Reply(body=body, headers={"Content-Type": "application/pdf"}))

    return stage


def both(*stages: Stage) -> Stage:
    """Apply several stages."""

    def stage(site: FixtureSite) -> None:
        for one in stages:
            one(site)

    return stage


@dataclass(frozen=True)
class Sample:
    """Two states of the mirror and the documents watched across them."""

    name: str
    about: str
    documents: tuple[str, ...]
    before: Stage
    after: Stage


CURE = ("as a treatment or cure for ME/CFS", "as a cure for ME/CFS")
POLARITY = ("1.12.27 </span>Do not offer the Lightning", "1.12.27 </span>Offer the Lightning")

SAMPLES = (
    Sample(
        "nice-cure",
        'NICE 1.11.14: "as a treatment or cure" becomes "as a cure"',
        (NICE,),
        nice("ng206-recommendations-v1.html"),
        nice("ng206-recommendations-v2-cure.html"),
    ),
    Sample(
        "nice-polarity",
        'NICE 1.12.27: "Do not offer the Lightning Process" becomes "Offer ..."',
        (NICE,),
        nice("ng206-recommendations-v1.html"),
        nice("ng206-recommendations-v2-polarity.html"),
    ),
    Sample(
        "bhc-neuroplasticity",
        "Bateman Horne Center: the neuroplasticity passage is rewritten",
        (BHC,),
        bhc("bhc-orthostatic-intolerance-v1.html"),
        bhc("bhc-orthostatic-intolerance-v2.html"),
    ),
    Sample(
        "govuk-final-plan",
        "GOV.UK final delivery plan: the GET sentence is reworded",
        (GOVUK_TEXT,),
        govuk_plan("final-plan-html.json"),
        govuk_plan("final-plan-html-v2-wording.json"),
    ),
    Sample(
        "bacme-get-renamed",
        'BACME Guide to Therapy PDF: "Graded Exercise Therapy" heading becomes '
        '"Activity Management", the 10-20% increments stay',
        (BACME,),
        bacme(renamed=False),
        bacme(renamed=True),
    ),
    Sample(
        "several",
        "All of the above in one run",
        (NICE, BHC, GOVUK_TEXT, BACME),
        both(
            nice("ng206-recommendations-v1.html"),
            bhc("bhc-orthostatic-intolerance-v1.html"),
            govuk_plan("final-plan-html.json"),
            bacme(renamed=False),
        ),
        both(
            nice_edited(CURE, POLARITY),
            bhc("bhc-orthostatic-intolerance-v2.html"),
            govuk_plan("final-plan-html-v2-wording.json"),
            bacme(renamed=True),
        ),
    ),
)


def run_sample(sample: Sample, workdir: Path) -> tuple[list[EmailMessage], list[EmailMessage]]:
    """Run the sample's two cycles; return (messages after the first, after the second)."""
    server = SmtpServer()
    server.start()
    try:
        with FixtureSite() as site:
            app = make_app(
                site,
                workdir,
                GUIDEWATCH_MAIL_TO="reader@example.org",
                GUIDEWATCH_MAIL_FROM="guidewatch@example.org",
                GUIDEWATCH_SMTP_HOST=server.host,
                GUIDEWATCH_SMTP_PORT=str(server.port),
                GUIDEWATCH_SMTP_SECURITY="none",
            )
            specs = app.catalog.select([], list(sample.documents))
            sample.before(site)
            first = run_once(app, specs)
            assert first.ok, [r.message for r in first.failures]
            seen = len(server.inbox)
            sample.after(site)
            second = run_once(app, specs)
            assert second.ok, [r.message for r in second.failures]
            app.writable_engine().dispose()
    finally:
        server.stop()
    messages = server.messages()
    return messages[:seen], messages[seen:]


def write_message(message: EmailMessage, out: Path, stem: str) -> list[Path]:
    """Write one message as .eml, .txt (plain part) and .html (HTML part)."""
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    files = [out / f"{stem}.eml"]
    files[0].write_bytes(message.as_bytes())
    for part, suffix in ((plain, "txt"), (rich, "html")):
        if part is not None:
            path = out / f"{stem}.{suffix}"
            content = part.get_content().replace("\r\n", "\n")  # as received: CRLF
            if suffix == "txt":
                content = f"Subject: {message['Subject']}\n\n{content}"
            path.write_text(content, encoding="utf-8")
            files.append(path)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Write the chosen samples' messages under --out and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="folder for the messages")
    parser.add_argument("names", nargs="*", help=f"samples ({', '.join(s.name for s in SAMPLES)})")
    args = parser.parse_args(argv)
    chosen = [s for s in SAMPLES if not args.names or s.name in args.names]
    unknown = set(args.names) - {s.name for s in SAMPLES}
    if unknown:
        parser.error(f"unknown sample(s): {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    for sample in chosen:
        with tempfile.TemporaryDirectory(prefix="guidewatch-sample-") as workdir:
            _, messages = run_sample(sample, Path(workdir))
        print(f"{sample.name}: {sample.about}")
        if not messages:
            print("  (no message)")
        for number, message in enumerate(messages, start=1):
            stem = sample.name if len(messages) == 1 else f"{sample.name}-{number}"
            write_message(message, args.out, stem)
            print(f"  {stem}: {message['Subject']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

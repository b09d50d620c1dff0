"""Check each declared document against the live site and say what to fix in the sources file."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.robotparser import RobotFileParser

from scrapers.base import Getter, get_extractor
from scrapers.blocks import largest_blocks
from scrapers.decode import decode_text
from scrapers.discover.model import DiscoveryError, Found, Record
from scrapers.model import Document, DocumentSpec, Fetched, GoneError, ScrapeError, SuspectError

_RECOMMENDATION = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass
class Finding:
    """What the doctor found for one document: a verdict, the report, and the fix."""

    document_id: str
    kind: str
    url: str
    verdict: str = "ok"  # ok, warning or broken
    summary: str = ""
    fix: list[str] = field(default_factory=list)  # lines under [documents.<id>]
    report: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def worse(self, verdict: str, summary: str, *fix: str) -> None:
        """Lower the verdict (never raise it), keeping the first reason at that level."""
        order = ("ok", "warning", "broken")
        if order.index(verdict) > order.index(self.verdict):
            self.verdict, self.summary = verdict, summary
        self.fix += [line for line in fix if line not in self.fix]

    def to_json(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return asdict(self)


class Robots:
    """robots.txt of each host, read once through the same fetcher, and what it allows."""

    def __init__(self, get: Getter, user_agent: str) -> None:
        self._get = get
        self._agent = user_agent
        self._seen: dict[str, tuple[RobotFileParser | None, str]] = {}

    def check(self, url: str) -> tuple[bool, str]:
        """Whether the URL may be fetched, and a line saying what robots.txt said."""
        parts = url.split("/", 3)
        origin = "/".join(parts[:3])
        if origin not in self._seen:
            self._seen[origin] = self._load(origin + "/robots.txt")
        parser, note = self._seen[origin]
        if parser is None:
            return True, note
        allowed = parser.can_fetch(self._agent, url)
        return allowed, f"{note}; {'allows' if allowed else 'DISALLOWS'} {url}"

    def _load(self, where: str) -> tuple[RobotFileParser | None, str]:
        try:
            fetched = self._get(where)
        except GoneError:
            return None, f"robots.txt: {where} absent (everything allowed)"
        except ScrapeError as error:
            return None, f"robots.txt: {error}"
        parser = RobotFileParser(where)
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return parser, f"robots.txt: {where} read"


def _discovery_lines(record: Record) -> list[str]:
    lines = [f"  tried {a.method} {a.where}: {a.result}" for a in record.attempts]
    for candidate in record.candidates:
        mark = "=>" if candidate.url == record.chosen else "  "
        date = candidate.date or "undated"
        lines.append(f"  {mark} [{candidate.method}] {date} {candidate.title!r} {candidate.url}")
    return lines


def _discover(spec: DocumentSpec, get: Getter, finding: Finding) -> str | None:
    extractor = get_extractor(spec.kind)
    try:
        url = extractor.discover(spec, get)
    except DiscoveryError as error:
        finding.report += [f"discovery: {error}", *_discovery_lines(error.record)]
        finding.details["discovery"] = error.record.to_json()
        if error.record.candidates:
            best = error.record.candidates[0]
            finding.worse(
                "warning",
                f"{len(error.record.candidates)} files match and cannot be ranked",
                f"[documents.{spec.id}.discover]",
                f"exact_title = {json.dumps(best.title)}",
            )
        else:
            finding.worse(
                "broken",
                "no matching PDF found by any method",
                f"[documents.{spec.id}.discover]",
                'index_pages = ["<a page that links to the PDF>"]',
            )
        return None
    except ScrapeError as error:
        finding.report.append(f"discovery: {error}")
        finding.worse("broken", str(error), f'url = "<the address of {spec.title}>"')
        return None
    if isinstance(url, Found):
        finding.report += [f"discovery: {url.record.summary()}", *_discovery_lines(url.record)]
        finding.details["discovery"] = url.record.to_json()
    return str(url)


def _fetch(spec: DocumentSpec, url: str, get: Getter, finding: Finding) -> Fetched | None:
    try:
        fetched = get(url)
    except GoneError as error:
        finding.report.append(f"status: {error}")
        finding.worse("broken", f"gone (HTTP {error.status})", 'url = "<its new address>"')
        return None
    except ScrapeError as error:
        finding.report.append(f"fetch: {error}")
        finding.worse("broken", str(error))
        return None
    finding.report.append(f"status: {fetched.status}, {len(fetched.body)} bytes")
    if fetched.redirects:
        chain = " -> ".join([*fetched.redirects, fetched.final_url])
        finding.report.append(f"redirects: {chain}")
        if fetched.final_url != url and spec.kind in ("html", "nice-chapter", "pdf"):
            finding.worse(
                "warning", f"redirected to {fetched.final_url}", f'url = "{fetched.final_url}"'
            )
    finding.details["final_url"] = fetched.final_url
    finding.details["redirects"] = list(fetched.redirects)
    return fetched


def _related(spec: DocumentSpec, fetched: Fetched, get: Getter) -> Fetched:
    bodies = {}
    for extra in get_extractor(spec.kind).related(spec, fetched):
        try:
            bodies[extra] = get(extra).body
        except ScrapeError:
            continue
    return replace(fetched, related=bodies) if bodies else fetched


def _kind_lines(spec: DocumentSpec, document: Document, finding: Finding) -> None:
    keys = [s.key for s in document.sections]
    if spec.kind == "nice-chapter":
        recommendations = [k for k in keys if _RECOMMENDATION.match(k)]
        boxes = [k for k in keys if k.startswith("box-")]
        finding.report.append(
            f"nice-chapter: {len(recommendations)} recommendations, "
            f"{len(boxes)} boxes ({', '.join(boxes) or 'none'})"
        )
        if not recommendations and spec.url.rstrip("/").endswith("recommendations"):
            finding.worse("warning", "the recommendations chapter has no numbered recommendation")
    elif spec.kind == "govuk":
        body = any(s.text.strip() for s in document.sections)
        history = document.meta.get("change_history") or []
        finding.report.append(
            f"govuk: Content API answered {'with' if body else 'WITHOUT'} a body; "
            f"{len(history)} change note(s)"
        )
    elif spec.kind == "html":
        finding.report.append(
            f"html: selector {spec.selector!r} picked {len(document.text)} characters"
        )


def _empty_selector(spec: DocumentSpec, fetched: Fetched, finding: Finding) -> None:
    html = decode_text(fetched.body, fetched.headers.get("content-type"))
    blocks = largest_blocks(html)
    finding.report.append(f"html: selector {spec.selector!r} picked nothing; largest text blocks:")
    finding.report += [f"  {b.characters:>6} chars  {b.selector!r}  {b.preview!r}" for b in blocks]
    finding.details["blocks"] = [asdict(b) for b in blocks]
    fix = [f"selector = {json.dumps(blocks[0].selector)}"] if blocks else []
    finding.worse("broken", f"selector {spec.selector!r} picks nothing", *fix)


def diagnose(spec: DocumentSpec, get: Getter, robots: Robots) -> Finding:
    """Fetch one document as a run would, and report each step; never store anything."""
    finding = Finding(spec.id, spec.kind, spec.url)
    finding.report.append(f"address: {spec.url}")
    if spec.options.get("guess"):
        finding.report.append("guess: this entry's address is not confirmed against the live site")
        finding.details["guess"] = True
    allowed, note = robots.check(spec.url)
    finding.report.append(note)
    if not allowed:
        finding.worse("broken", "robots.txt disallows it")
        return finding
    url = _discover(spec, get, finding)
    if url is None:
        return finding
    if url != spec.url:
        finding.report.append(f"fetches: {url}")
    fetched = _fetch(spec, url, get, finding)
    if fetched is None:
        return finding
    fetched = _related(spec, fetched, get)
    try:
        document = get_extractor(spec.kind).extract(spec, fetched)
    except SuspectError as error:
        if spec.kind == "html" and fetched.content_kind == "html":
            _empty_selector(spec, fetched, finding)
        else:
            finding.report.append(f"extract: {error}")
            finding.worse("broken", str(error))
        return finding
    _kind_lines(spec, document, finding)
    finding.report.append(
        f"would store: {len(document.sections)} section(s), {len(document.text)} characters"
        + (f", title {document.title!r}" if document.title else "")
    )
    finding.details["would_store"] = {
        "sections": len(document.sections),
        "characters": len(document.text),
        "title": document.title,
    }
    if finding.verdict == "ok":
        method = finding.details.get("discovery", {}).get("method")
        if method and method != "index-page":
            finding.summary = f"ok: found by {method}"
        elif spec.options.get("guess"):
            finding.summary = "ok: the guessed address answers; confirm it"
        else:
            finding.summary = "ok"
    return finding


def fixes_file(findings: list[Finding], *, extends: bool = True) -> str:
    """The lines to put in the user's own sources file, or "" when nothing needs fixing;
    `extends` starts a new file over the shipped one (not for a file already in force)."""
    blocks = []
    for f in findings:
        if not f.fix:
            continue
        head = [] if f.fix[0].startswith("[") else [f"[documents.{f.document_id}]"]
        blocks.append("\n".join([*head, *f.fix]))
    if not blocks:
        return ""
    return ('extends = "default"\n\n' if extends else "") + "\n\n".join(blocks) + "\n"

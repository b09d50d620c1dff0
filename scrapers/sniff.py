"""What a body really is (PDF, HTML, JSON, text or binary), whatever it was served as.

Kept apart from scrapers.fetch so that reading stored bodies never imports the HTTP client.
"""

from __future__ import annotations

import json
import re

KINDS = ("pdf", "html", "json", "text", "binary")
DESCRIPTIONS = {
    "pdf": "a PDF",
    "html": "an HTML page",
    "json": "a JSON document",
    "text": "plain text",
    "binary": "binary data",
}
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]")
_TEXT_TYPES = re.compile(r"^text/|[/+](xml|json|javascript|csv)\b")


def sniff_kind(body: bytes, content_type: str | None) -> str:
    """Say what a body really is: pdf, html, json, text or binary, whatever it was served as."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if start.startswith(b"<") and _HTML_START.search(start):
        return "html"
    mime = (content_type or "").split(";")[0].strip().lower()
    if "json" in mime or start.startswith((b"{", b"[")):
        try:
            json.loads(body)
            return "json"
        except ValueError:
            pass
    if b"\x00" in head and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    if _TEXT_TYPES.search(mime):
        return "text"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "text"


def describe(kind: str, content_type: str | None) -> str:
    """Describe a sniffed kind for an error message, e.g. 'an HTML page (text/html)'."""
    served = (content_type or "no content type").split(";")[0].strip()
    return f"{DESCRIPTIONS[kind]} ({served})"

"""Keep secrets (passwords, tokens) out of the error messages that are logged or stored."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "********"


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret in a text with a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text

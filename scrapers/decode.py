"""Turn served bytes into text, trusting the body's own signals before guessing."""

from __future__ import annotations

import codecs
import re

# Checked longest first: a UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do publishers' pages.
_AS_CP1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "ascii", "us-ascii"}

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"'\s;,]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_META_SCAN_BYTES = 4096


def _c1_as_latin1(error: UnicodeError) -> tuple[str, int]:
    """Map bytes cp1252 leaves undefined (0x81, 0x8D, ...) to the same code points."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("guidewatch.c1", _c1_as_latin1)


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the charset parameter of a Content-Type header, or None."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """Return the charset a page declares in a <meta> tag within its first 4 KB, or None."""
    match = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Return a Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _try(body: bytes, codec: str | None) -> str | None:
    """Decode strictly with a codec, or return None when it does not fit."""
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(body: bytes, content_type: str | None) -> str:
    """Decode a body: BOM, then the header charset, then <meta>, then UTF-8, then cp1252."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    text = _try(body, _codec(charset_from_content_type(content_type)))
    if text is not None:
        return text
    meta_codec = _codec(charset_from_meta(body))
    if meta_codec is not None and meta_codec.startswith(("utf-16", "utf-32")):
        # The tag was readable as ASCII, so the page cannot be UTF-16/32 (WHATWG says UTF-8).
        meta_codec = "utf-8"
    text = _try(body, meta_codec)
    if text is not None:
        return text
    text = _try(body, "utf-8")
    if text is not None:
        return text
    return body.decode("cp1252", errors="guidewatch.c1")

"""Decoding served bytes: BOM, header charset, <meta>, UTF-8, cp1252, and wrong declarations."""

from __future__ import annotations

import pytest

from scrapers.decode import charset_from_content_type, charset_from_meta, decode_text

QUOTED = "“Graded exercise therapy” – do not offer"


def test_utf8_bom_beats_a_header_that_says_latin1() -> None:
    body = b"\xef\xbb\xbf" + QUOTED.encode("utf-8")
    assert decode_text(body, "text/html; charset=iso-8859-1") == QUOTED


def test_utf16_bom_without_any_declaration() -> None:
    assert decode_text(QUOTED.encode("utf-16"), None) == QUOTED


def test_header_charset_is_used() -> None:
    body = QUOTED.encode("cp1252")
    assert decode_text(body, 'text/html; charset="windows-1252"') == QUOTED


def test_latin1_label_is_read_as_cp1252_like_browsers_do() -> None:
    body = QUOTED.encode("cp1252")
    assert decode_text(body, "text/plain; charset=ISO-8859-1") == QUOTED


def test_meta_charset_when_the_header_has_none() -> None:
    page = f'<html><head><meta charset="windows-1252"></head><p>{QUOTED}</p>'
    assert QUOTED in decode_text(page.encode("cp1252"), "text/html")


def test_meta_http_equiv_content_type() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        f"</head><p>{QUOTED}</p>"
    )
    assert QUOTED in decode_text(page.encode("cp1252"), None)


def test_header_charset_beats_meta() -> None:
    page = f'<meta charset="windows-1252"><p>{QUOTED}</p>'
    assert QUOTED in decode_text(page.encode("utf-8"), "text/html; charset=utf-8")


def test_meta_beyond_the_first_4kb_is_ignored() -> None:
    page = "<!-- " + "x" * 5000 + ' --><meta charset="koi8-r"><p>é</p>'
    assert "<p>é</p>" in decode_text(page.encode("utf-8"), None)


def test_no_charset_anywhere_utf8_bytes() -> None:
    assert decode_text(QUOTED.encode("utf-8"), None) == QUOTED


def test_no_charset_anywhere_cp1252_bytes() -> None:
    assert decode_text(QUOTED.encode("cp1252"), "text/plain") == QUOTED


def test_declared_utf8_but_bytes_are_cp1252_falls_back() -> None:
    body = QUOTED.encode("cp1252")
    assert decode_text(body, "text/html; charset=utf-8") == QUOTED


def test_unknown_charset_name_falls_back_to_utf8() -> None:
    body = QUOTED.encode("utf-8")
    assert decode_text(body, "text/html; charset=x-made-up-charset") == QUOTED


def test_unknown_meta_charset_falls_back_to_cp1252() -> None:
    page = f'<meta charset="bogus"><p>{QUOTED}</p>'.encode("cp1252")
    assert QUOTED in decode_text(page, None)


def test_meta_utf16_on_an_ascii_readable_page_means_utf8() -> None:
    page = '<meta charset="utf-16"><p>é</p>'.encode()
    assert decode_text(page, None) == '<meta charset="utf-16"><p>é</p>'


def test_bytes_cp1252_leaves_undefined_do_not_raise() -> None:
    assert decode_text(b"a\x81b\x9dc\xe9", None) == "a\x81b\x9dcé"


def test_broken_bytes_after_a_bom_do_not_raise() -> None:
    text = decode_text(b"\xef\xbb\xbfok \xff", None)
    assert text.startswith("ok ")


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/html; charset=utf-8", "utf-8"),
        ('text/html; charset="UTF-8"', "UTF-8"),
        ("text/html;charset=windows-1252; foo=bar", "windows-1252"),
        ("text/html", None),
        (None, None),
    ],
)
def test_charset_from_content_type(header: str | None, charset: str | None) -> None:
    assert charset_from_content_type(header) == charset


def test_charset_from_meta() -> None:
    assert charset_from_meta(b"<head><META CHARSET='Shift_JIS'>") == "Shift_JIS"
    assert charset_from_meta(b"<head><title>no charset</title>") is None

"""Faithful text normalisation shared by every extractor."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\ufe58": "-",
        "\ufe63": "-",
        "\uff0d": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2004": " ",
        "\u2005": " ",
        "\u2006": " ",
        "\u2008": " ",
        "\u3000": " ",
        "\t": " ",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u2060": None,
    }
)
# Where a sentence ends, for every reader of the stored text (compare.sentences splits with
# these, storage.search finds the sentence around a match with them): terminal punctuation,
# then any closing quotes or brackets.
SENTENCE_END = r"[.!?]"
SENTENCE_CLOSERS = r"[\"'\u2019\u201d)\]]*"

_SPACES = re.compile(r"[ \f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def normalise(text: str) -> str:
    """Return text in NFC with plain quotes and dashes, no soft hyphens, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_QUOTES)
    text = text.replace("\u2026", "...")
    return _SPACES.sub(" ", text).strip()


def normalise_block(text: str) -> str:
    """Normalise text and fold every run of whitespace, newlines included, into one space."""
    return " ".join(normalise(text).split())


def normalise_lines(text: str) -> str:
    """Normalise text but keep single line breaks between non-empty lines."""
    return _NEWLINES.sub("\n", normalise(text)).strip()

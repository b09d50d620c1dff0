"""Is it a word? English word frequencies from wordfreq (its data ships in the wheel: no
download at run time), for deciding whether a line-end hyphen belongs to the word."""

from __future__ import annotations

from functools import lru_cache

# Zipf frequencies (log10 per billion words): a part of a compound is a word from 1.5
# ("exertional" 1.7, but "tation" 1.44); a joined form is a word of its own from 3.0
# ("wellbeing" 3.5, "coordinate" 3.8, but "longterm" 2.75, "selfdetermination" 1.57).
PART = 1.5
WHOLE = 3.0


@lru_cache(maxsize=8192)
def zipf(word: str) -> float:
    """The word's Zipf frequency in English (0 when unknown)."""
    from wordfreq import zipf_frequency  # imported late: it costs 0.2 s

    return float(zipf_frequency(word, "en"))


def keeps_hyphen(first: str, second: str) -> bool:
    """True when "first-" at a line end and "second" on the next line are a hyphenated
    compound: both parts are words and the joined form is not."""
    if zipf(first + second) >= WHOLE:
        return False
    return zipf(first) >= PART and zipf(second) >= PART

"""The topics file's standard-library check: whatever it accepts, compare.topicfile accepts and
reads the same; whatever is wrong goes to compare.topicfile to be worded."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

import compare.topics
from compare.topicfile import check_topics_file
from compare.topics import parse_topics
from compare.topicshape import plain_topics
from guidewatch.settings import DEFAULT_TOPICS
from tests.support.toml_variants import variants
from tests.test_topics_file import GOOD

SHIPPED = tomllib.loads(DEFAULT_TOPICS.read_text(encoding="utf-8"))
RICH = tomllib.loads(
    GOOD
    + """
[[topic]]
name = "pacing-2"
description = "d"
recipients = ["a@example.org"]
removal_is_news = true
terms = ["pacing", { name = "energy envelope", variants = ["envelope"], plural = false },
         { name = "post-exertional malaise", abbreviation = "PEM" }]
"""
)
ODD_VALUES: list[Any] = [
    3,
    0,
    -1,
    1.5,
    True,
    False,
    "",
    "x",
    "Bad Name",
    "a\n",
    [],
    ["("],
    {},
    {"x": 1},
]


def _as_pydantic_reads(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(compare.topics, "plain_topics", lambda _data: None)
        return parse_topics(data)


@pytest.mark.parametrize(
    "data", [SHIPPED, RICH, tomllib.loads(GOOD)], ids=["shipped", "rich", "good"]
)
def test_a_right_file_is_read_without_pydantic_and_read_the_same(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert plain_topics(data) is not None
    assert parse_topics(data) == _as_pydantic_reads(data, monkeypatch)


@pytest.mark.parametrize("data", [RICH, tomllib.loads(GOOD)], ids=["rich", "good"])
def test_every_change_it_accepts_compare_topicfile_accepts_and_reads_the_same(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = refused = 0
    for variant in variants(data, ODD_VALUES):
        if plain_topics(variant) is None:
            refused += 1
            continue
        accepted += 1
        check_topics_file(variant)  # raises if pydantic would refuse it
        try:
            fast = parse_topics(variant)
        except ValueError as error:  # a later check (duplicates, term spelling) words it
            with pytest.raises(ValueError, match=str(error).split(":")[0]):
                _as_pydantic_reads(variant, monkeypatch)
            continue
        assert fast == _as_pydantic_reads(variant, monkeypatch)
    assert accepted > 10 and refused > 100, (accepted, refused)


def test_the_old_name_topics_is_taken_too() -> None:
    data = tomllib.loads(GOOD.replace("[[topic]]", "[[topics]]").replace("[[topic.", "[[topics."))
    spec = plain_topics(data)
    assert spec is not None and spec.topic[0].name == "rehabilitation"
    assert check_topics_file(data).topic[0].name == "rehabilitation"


TOKENS = [
    "a", "b", " ", "é", "-", "%", "'", ",", ".", "\\w", "\\d", "\\s", "\\W", "\\b", "\\B",
    "\\x27", "\\u2019", "\\.", "\\-", "\\(", "\\[", "\\ ", "\\1", "\\0", "\\q", "\\A", "\\",
    "\\x2", "\\u201", "\\N{DASH}", "^", "$", "*", "+", "?", "??", "*?", "+?", "*+", "{2}",
    "{0,3}", "{0,3}?", "{3,1}", "{1,3}", "{0,}", "{,2}", "{", "}", "(", ")", "(?:", "(?i)",
    "(?i:", "(?=", "(?<=", "(?<!", "(?P<n>", "(?P=n)", "|", "||", "[", "]", "[^", "[a-z]",
    "[z-a]", "[-a]", "[a-]", "[^-a]", "[- ]", "[]", "[^]", "[\\w\\s]", "[\\x27\\u2019]",
    "[&&a]", "[a--b]", "[[a]", "[a\\]]", "[0-9A-Z]", "a-z", "\x00", "\n",
]  # fmt: skip


def test_what_the_grammar_takes_without_compiling_always_compiles() -> None:
    import random
    import re
    import warnings

    from compare.topicshape import plain_regex

    rng = random.Random(13)
    taken = left = 0
    for _ in range(40_000):
        source = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 10)))
        if not plain_regex(source):
            left += 1
            continue
        taken += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nor a warning (nested sets, set operations)
            re.compile(source)  # raises if the grammar took a wrong one
    assert taken > 3000 and left > 3000, (taken, left)


def test_the_shipped_regexes_are_all_taken_by_the_grammar() -> None:
    from compare.topicshape import plain_regex

    regexes = [r for t in SHIPPED["topic"] for p in t.get("patterns", []) for r in p["regexes"]]
    regexes += [r for s in SHIPPED["strength"] for r in s["regexes"]]
    assert len(regexes) > 50 and all(plain_regex(r) for r in regexes)


def test_a_regex_the_grammar_leaves_is_still_compiled_and_a_bad_one_refused() -> None:
    from compare.topicshape import plain_regex

    good = tomllib.loads(GOOD)
    for source, accepted in [("(?<=x)y", True), ("a{2,3}", True), ("a{3,2}", False),
                             ("(?<=x+)y", False), ("(?i)a", True), ("\\q", False)]:  # fmt: skip
        assert not plain_regex(source)
        changed = copy.deepcopy(good)
        changed["topic"][0]["patterns"][0]["regexes"] = [source]
        assert (plain_topics(changed) is not None) is accepted, source

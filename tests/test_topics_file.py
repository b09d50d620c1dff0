"""The topics file is checked on load: one clear line naming the file, the topic and the
field for an unknown key, a wrong type or a regex that does not compile; the shipped file
carries the strength scale and the practice patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare.model import TopicSet
from compare.rules import find_patterns, strength_of
from compare.topics import TopicsFileError, load_topics, read_topics
from guidewatch.cli import main
from guidewatch.settings import DEFAULT_TOPICS

TOPICS = load_topics(DEFAULT_TOPICS)

GOOD = """
[[topic]]
name = "rehabilitation"
terms = ["graded exercise"]

[[topic.patterns]]
name = "a fixed schedule of increase"
explanation = "Graded exercise without its name."
regexes = ['increase\\w* by \\d+%']

[[strength]]
name = "offer"
level = 4
regexes = ['offer']
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_its_patterns_and_scale(tmp_path: Path) -> None:
    topics = load_topics(write(tmp_path, GOOD))
    assert isinstance(topics, TopicSet)
    assert [s.name for s in topics.strengths] == ["offer"]
    assert topics[0].patterns[0].name == "a fixed schedule of increase"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('terms = ["graded exercise"]', 'terms = ["graded exercise"]\ncolour = "red"'),
            "topic 'rehabilitation', field colour: unknown key 'colour'",
        ),
        (
            ("regexes = ['increase\\w* by \\d+%']", "regexes = ['increase (by']"),
            "topic 'rehabilitation', field patterns[0].regexes: invalid regex 'increase (by'",
        ),
        (
            ('explanation = "Graded exercise without its name."', "explanation = 3"),
            "topic 'rehabilitation', field patterns[0].explanation: Input should be a valid string",
        ),
        (("level = 4", 'level = "4"'), "strength scale, field [0].level: Input should be a valid"),
        (
            ('name = "a fixed schedule of increase"', 'name = "x"\nwords = []'),
            "topic 'rehabilitation', field patterns[0].words: unknown key 'words'",
        ),
        (
            (
                'terms = ["graded exercise"]',
                'terms = [{ name = "graded exercise", plural = "no" }]',
            ),
            "topic 'rehabilitation', field terms[0].plural: Input should be a valid boolean",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_file_topic_and_field(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    assert edit[0] in GOOD
    path = write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(ValueError) as caught:
        load_topics(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}"), message


def test_the_cli_says_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("level = 4", "level = 4\nstrong = true"))
    monkeypatch.setenv("GUIDEWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEWATCH_TOPICS", str(path))
    assert main(["replay", "nice-ng206-recommendations"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{path}: strength scale, field [0].strong: unknown key 'strong'" in err
    assert len(err.splitlines()) == 1


def test_read_topics_names_a_missing_or_bad_file_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(TopicsFileError, match=f"^topics file {missing}: "):
        read_topics(missing)
    bad = write(tmp_path, GOOD.replace("level = 4", "level = 4\nstrong = true"))
    with pytest.raises(TopicsFileError) as caught:
        read_topics(bad)
    assert str(caught.value).startswith(f"{bad}: strength scale")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("sentence", "strength"),
    [
        ("Do not offer people with ME/CFS any therapy based on physical activity.", "do not offer"),
        ("Offer people with ME/CFS a personalised sleep management plan.", "offer"),
        ("Consider a personalised physical activity programme.", "consider"),
        (
            "Only consider a personalised physical activity or exercise programme if.",
            "only consider",
        ),
        (
            "Do not advise people with ME/CFS to undertake exercise that is not part of",
            "do not advise",
        ),
        ("Healthcare professionals must not prescribe without consent.", "must not"),
        ("Services should ensure that people can access a specialist team.", "should"),
        ("Ensure that people with ME/CFS are given information.", "ensure"),
        ("Consider whether a referral to a specialist team is needed.", "consider whether"),
        ("People with ME/CFS should not be offered graded exercise therapy.", "do not offer"),
        ("Patients may find the programme helpful.", "may"),
    ],
)
def test_the_shipped_strength_scale_reads_nice_and_modal_wording(
    sentence: str, strength: str
) -> None:
    found = strength_of(sentence, TOPICS.strengths)
    assert found is not None and found[0].name == strength, (sentence, found)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # NICE NG206 box 4's own description of graded exercise therapy
        ("physical activity or exercise programmes that are based on deconditioning and "
         "exercise avoidance theories", "deconditioning as the explanation"),
        ("use fixed incremental increases in physical activity or exercise, for example, "
         "by a set amount each week", "a fixed schedule of increase"),
        # GET manual wording (PACE trial therapist manual, written here in our own words)
        ("The duration of exercise is increased by 20% each week.", "a fixed schedule of increase"),
        ("Increase the time you walk by two minutes every week.", "a fixed schedule of increase"),
        ("An increase in symptoms is normal and is not a sign of harm.",
         "carrying on whatever the symptoms"),
        ("Keep going with your programme even if you feel more tired.",
         "carrying on whatever the symptoms"),
        ("Patients are encouraged to carry on through setbacks.",
         "carrying on whatever the symptoms"),
        ("Do not stop the programme because of a setback.", "carrying on whatever the symptoms"),
        ("Push through the fatigue and it will lift.", "carrying on whatever the symptoms"),
        ("Continue regardless of symptoms.", "carrying on whatever the symptoms"),
        # clinic leaflet wording
        ("Increase your activity by no more than 10-20% at a time.",
         "a fixed schedule of increase"),
        ("Your activity goes up by a fixed step every fortnight.", "a fixed schedule of increase"),
        ("Too much rest leads to weakness and more fatigue.", "deconditioning as the explanation"),
        ("This can become a vicious circle of inactivity.", "deconditioning as the explanation"),
        ("Many people develop a fear of activity after a crash.",
         "activity avoidance as the explanation"),
        ("Avoiding exercise keeps the symptoms going.", "activity avoidance as the explanation"),
        ("Unhelpful beliefs about the illness can maintain it.",
         "activity avoidance as the explanation"),
    ],
)  # fmt: skip
def test_the_shipped_patterns_find_graded_exercise_without_its_name(
    text: str, pattern: str
) -> None:
    assert pattern in [hit.pattern.name for hit in find_patterns(text, TOPICS)], text


@pytest.mark.parametrize(
    "text",
    [
        "Pacing is an energy management strategy to stay within your energy limits.",
        "Rest before you are tired, and stop an activity before you feel worse.",
        "Keep a regular sleep routine.",
        "Do not offer people with ME/CFS graded exercise therapy.",
        "Symptoms vary from day to day.",
        "Avoid activity that triggers post-exertional malaise.",
        "Rest whenever you need to, and avoid exertion beyond your energy limits.",
    ],
)
def test_safeguard_wording_matches_no_practice_pattern(text: str) -> None:
    assert find_patterns(text, TOPICS) == [], text

"""Settings: every GUIDEWATCH_* variable checked by one declared dataclass, one clear line each."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from guidewatch.settings import (
    DEFAULT_TOPICS,
    Settings,
    SettingsError,
    default_of,
    load_settings,
    settings_from,
)

ROOT = Path(__file__).parent.parent


def test_defaults_come_from_the_model(tmp_path: Path) -> None:
    settings = load_settings({"GUIDEWATCH_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'guidewatch.db'}"
    assert settings.retries == default_of("retries") == 3
    assert settings.topics_path == DEFAULT_TOPICS
    assert settings.respect_robots is True and settings.smtp_host is None


@pytest.mark.parametrize("value", ["False", "false", "FALSE", "0", "no", "off"])
def test_booleans_are_read_case_insensitively(value: str) -> None:
    assert load_settings({"GUIDEWATCH_RESPECT_ROBOTS": value}).respect_robots is False


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("GUIDEWATCH_RETRIES", "three", "valid integer"),
        ("GUIDEWATCH_PAUSE_SECONDS", "nan", "finite number"),
        ("GUIDEWATCH_PAUSE_SECONDS", "-1", "greater than or equal to 0"),
        ("GUIDEWATCH_READ_TIMEOUT", "inf", "finite number"),
        ("GUIDEWATCH_RESPECT_ROBOTS", "maybe", "valid boolean"),
        ("GUIDEWATCH_SMTP_PORT", "70000", "less than or equal to 65535"),
        ("GUIDEWATCH_SMTP_SECURITY", "ssl", "'starttls', 'tls' or 'none'"),
        ("GUIDEWATCH_FAILURE_THRESHOLD", "0", "greater than or equal to 1"),
        ("GUIDEWATCH_REWRITE", "https://a.example", "LIVE_PREFIX=MIRROR_PREFIX"),
    ],
)
def test_bad_values_are_refused_in_one_line_naming_the_variable(
    name: str, value: str, words: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({name: value})
    message = str(raised.value)
    assert message.startswith(f"{name}={value!r} is not valid: ")
    assert words in message and "\n" not in message


def test_lists_and_paths_are_parsed() -> None:
    settings = load_settings(
        {
            "GUIDEWATCH_MAIL_TO": " a@example.org, b@example.org ,",
            "GUIDEWATCH_REWRITE": "https://x.example=http://127.0.0.1:1/x;",
            "GUIDEWATCH_SMTP_HOST": "",
        }
    )
    assert settings.mail_to == ("a@example.org", "b@example.org")
    assert settings.rewrites == (("https://x.example", "http://127.0.0.1:1/x"),)
    assert settings.smtp_host is None


def test_an_unknown_variable_is_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="guidewatch.settings"):
        load_settings({"GUIDEWATCH_RESPECT_ROBOT": "0"})
    assert "GUIDEWATCH_RESPECT_ROBOT" in caplog.text and "GUIDEWATCH_RESPECT_ROBOTS" in caplog.text


def test_a_command_with_a_bad_setting_says_so_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "GUIDEWATCH_DATA_DIR": str(tmp_path),
        "GUIDEWATCH_RETRIES": "three",
    }
    done = subprocess.run(
        [sys.executable, "-m", "guidewatch", "sources"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "guidewatch: GUIDEWATCH_RETRIES='three' is not valid: "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_make_run_refuses_a_bad_setting_before_starting_anything(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GUIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "GUIDEWATCH_PAUSE_SECONDS": "nan",
    }
    done = subprocess.run(
        [str(ROOT / "scripts/serve.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "guidewatch: GUIDEWATCH_PAUSE_SECONDS='nan' is not valid: Input should be a finite number"
    )
    assert not (tmp_path / "data" / "prefect").exists()


# Every limit the pydantic model declared, at and past its edge, with pydantic's own words.
REFUSED = [
    ("GUIDEWATCH_CONTACT", " ", None),  # blank counts as unset: the default stands
    ("GUIDEWATCH_PAUSE_SECONDS", "-0.5", "Input should be greater than or equal to 0"),
    ("GUIDEWATCH_PAUSE_SECONDS", "x", "Input should be a valid number, unable to parse"),
    ("GUIDEWATCH_PAUSE_SECONDS", "1e400", "Input should be a finite number"),
    ("GUIDEWATCH_PAUSE_SECONDS", "-Infinity", "Input should be a finite number"),
    ("GUIDEWATCH_CONNECT_TIMEOUT", "0", "Input should be greater than 0"),
    ("GUIDEWATCH_CONNECT_TIMEOUT", "-0", "Input should be greater than 0"),
    ("GUIDEWATCH_READ_TIMEOUT", "0", "Input should be greater than 0"),
    ("GUIDEWATCH_MAX_BYTES", "0", "Input should be greater than 0"),
    ("GUIDEWATCH_MAX_BYTES", "1e3", "Input should be a valid integer, unable to parse"),
    ("GUIDEWATCH_RETRIES", "-1", "Input should be greater than or equal to 0"),
    ("GUIDEWATCH_RETRIES", "21", "Input should be less than or equal to 20"),
    ("GUIDEWATCH_RETRIES", "2.5", "Input should be a valid integer, unable to parse"),
    ("GUIDEWATCH_RETRIES", "3.", "Input should be a valid integer, unable to parse"),
    ("GUIDEWATCH_RETRIES", "0x10", "Input should be a valid integer, unable to parse"),
    ("GUIDEWATCH_RETRIES", "\u0663", "Input should be a valid integer, unable to parse"),
    ("GUIDEWATCH_RESPECT_ROBOTS", "2", "Input should be a valid boolean, unable to interpret"),
    ("GUIDEWATCH_REWRITE_ALLOW_UNCOVERED", "yess", "Input should be a valid boolean"),
    ("GUIDEWATCH_REWRITE", "a=b;=c", "item '=c' is not of the form OLD=NEW"),
    ("GUIDEWATCH_FETCH_DEADLINE", "0", "Input should be greater than 0"),
    ("GUIDEWATCH_SMTP_PORT", "0", "Input should be greater than or equal to 1"),
    ("GUIDEWATCH_SMTP_SECURITY", "TLS", "Input should be 'starttls', 'tls' or 'none'"),
    ("GUIDEWATCH_FAILURE_THRESHOLD", "-3", "Input should be greater than or equal to 1"),
    ("GUIDEWATCH_RETRY_DELAY_SECONDS", "-1", "Input should be greater than or equal to 0"),
    ("GUIDEWATCH_PREFECT_PORT", "65536", "Input should be less than or equal to 65535"),
    ("GUIDEWATCH_WORKERS", "0", "Input should be greater than or equal to 1"),
    ("GUIDEWATCH_ARCHIVE", "sometimes", "Input should be a valid boolean"),
    ("GUIDEWATCH_ARCHIVE_SEARCH_RATE", "-0.1", "Input should be greater than or equal to 0"),
    ("GUIDEWATCH_ARCHIVE_MEMENTO_RATE", "nan", "Input should be a finite number"),
    ("GUIDEWATCH_ARCHIVE_RETRIES", "21", "Input should be less than or equal to 20"),
]


@pytest.mark.parametrize(("name", "value", "words"), REFUSED)
def test_each_limit_refuses_what_the_pydantic_model_refused(
    name: str, value: str, words: str | None
) -> None:
    if words is None:
        assert load_settings({name: value}) == load_settings({})
        return
    with pytest.raises(SettingsError) as raised:
        load_settings({name: value})
    assert str(raised.value).startswith(f"{name}={value!r} is not valid: {words}")


ACCEPTED = [
    ("GUIDEWATCH_PAUSE_SECONDS", "0", "pause_seconds", 0.0),
    ("GUIDEWATCH_PAUSE_SECONDS", "1_0.5", "pause_seconds", 10.5),
    ("GUIDEWATCH_PAUSE_SECONDS", ".5", "pause_seconds", 0.5),
    ("GUIDEWATCH_CONNECT_TIMEOUT", "0.001", "connect_timeout", 0.001),
    ("GUIDEWATCH_MAX_BYTES", "1", "max_bytes", 1),
    ("GUIDEWATCH_RETRIES", "0", "retries", 0),
    ("GUIDEWATCH_RETRIES", "20", "retries", 20),
    ("GUIDEWATCH_RETRIES", "+3", "retries", 3),
    ("GUIDEWATCH_RETRIES", "3.00", "retries", 3),
    ("GUIDEWATCH_MAX_BYTES", "1_000", "max_bytes", 1000),
    ("GUIDEWATCH_RESPECT_ROBOTS", "On", "respect_robots", True),
    ("GUIDEWATCH_RESPECT_ROBOTS", "f", "respect_robots", False),
    ("GUIDEWATCH_REWRITE_ALLOW_UNCOVERED", "yes", "rewrite_allow_uncovered", True),
    ("GUIDEWATCH_SMTP_PORT", "1", "smtp_port", 1),
    ("GUIDEWATCH_SMTP_PORT", "65535", "smtp_port", 65535),
    ("GUIDEWATCH_SMTP_SECURITY", "none", "smtp_security", "none"),
    ("GUIDEWATCH_SMTP_PASSWORD", " s p ", "smtp_password", " s p "),  # secrets kept as given
    ("GUIDEWATCH_CONTACT", " me@example.org ", "contact", "me@example.org"),
    ("GUIDEWATCH_FAILURE_THRESHOLD", "1", "failure_threshold", 1),
    ("GUIDEWATCH_WORKERS", "1", "workers", 1),
    ("GUIDEWATCH_ARCHIVE_SEARCH_RATE", "0", "archive_search_rate", 0.0),
    ("GUIDEWATCH_ARCHIVE_RETRIES", "20", "archive_retries", 20),
    ("GUIDEWATCH_SMTP_CA_FILE", "ca.pem", "smtp_ca_file", Path("ca.pem")),
    ("GUIDEWATCH_SUBSCRIBERS", "~/s.toml", "subscribers_path", Path.home() / "s.toml"),
    ("GUIDEWATCH_DATABASE_URL", "postgresql://x/y", "database_url", "postgresql://x/y"),
]


@pytest.mark.parametrize(("name", "value", "field", "expected"), ACCEPTED)
def test_values_the_pydantic_model_accepted_are_accepted(
    name: str, value: str, field: str, expected: object
) -> None:
    got = getattr(load_settings({name: value}), field)
    assert got == expected and type(got) is type(expected)


def test_a_relative_data_dir_is_made_absolute_and_names_the_database() -> None:
    settings = load_settings({"GUIDEWATCH_DATA_DIR": "some/where"})
    assert settings.data_dir == Path.cwd() / "some" / "where"
    assert settings.database_url == f"sqlite:///{Path.cwd() / 'some/where/guidewatch.db'}"
    assert Settings().data_dir == Path.cwd() / "data"  # the default is converted too


def test_the_first_bad_variable_in_declaration_order_is_named() -> None:
    env = {"GUIDEWATCH_RETRIES": "x", "GUIDEWATCH_PAUSE_SECONDS": "nan"}
    with pytest.raises(SettingsError, match="^GUIDEWATCH_PAUSE_SECONDS="):
        load_settings(env)


def test_a_secret_is_never_echoed() -> None:
    settings = load_settings({"GUIDEWATCH_SMTP_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(settings)
    with pytest.raises(SettingsError) as raised:
        Settings(archive_secret_key=7)  # type: ignore[arg-type]
    assert str(raised.value) == "GUIDEWATCH_ARCHIVE_SECRET_KEY: Input should be a valid string"


def test_built_in_code_the_settings_are_checked_and_frozen() -> None:
    with pytest.raises(SettingsError, match="^GUIDEWATCH_CONTACT: String should have at least 1"):
        Settings(contact="")
    with pytest.raises(SettingsError, match="^GUIDEWATCH_RETRIES: Input should be greater"):
        dataclasses.replace(Settings(), retries=-1)
    settings = Settings(mail_to=["a@example.org"], rewrites=[("https://a", "http://b")])  # type: ignore[arg-type]
    assert settings.mail_to == ("a@example.org",)
    assert settings.rewrites == (("https://a", "http://b"),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.retries = 4  # type: ignore[misc]
    assert hash(settings) == hash(Settings(mail_to=("a@example.org",), rewrites=settings.rewrites))


def test_an_unknown_name_is_refused_with_the_close_match() -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from({"respect_robot": False})
    assert str(raised.value) == (
        "GUIDEWATCH_RESPECT_ROBOT: unknown setting (did you mean respect_robots?)"
    )
    with pytest.raises(SettingsError, match="^GUIDEWATCH_ZZZ: unknown setting$"):
        settings_from({"zzz": 1})
    assert settings_from({"retries": 5}).retries == 5


def test_each_setting_says_what_it_is_in_one_place() -> None:
    for spec in dataclasses.fields(Settings):
        assert "description" in spec.metadata, spec.name
    assert dataclasses.fields(Settings)[0].metadata["description"] == (
        "where the SQLite database lives"
    )

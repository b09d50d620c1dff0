"""Settings: every GUIDEWATCH_* variable checked by one declared model, one clear line each."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from guidewatch.settings import DEFAULT_TOPICS, Settings, SettingsError, load_settings

ROOT = Path(__file__).parent.parent


def test_defaults_come_from_the_model(tmp_path: Path) -> None:
    settings = load_settings({"GUIDEWATCH_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'guidewatch.db'}"
    assert settings.retries == Settings.model_fields["retries"].default == 3
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

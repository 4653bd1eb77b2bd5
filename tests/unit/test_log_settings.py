"""Where logs go and how much: quiet beside the shell's conversation, INFO everywhere else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import Settings


@pytest.mark.parametrize(
    ("environment", "level"),
    [
        ({}, "WARNING"),  # no credentials: the shell, in the terminal the logs would share
        ({"MENTORBOT_ADAPTERS": "shell,slack"}, "WARNING"),
        ({"MENTORBOT_ADAPTERS": "slack"}, "INFO"),
        ({"MENTORBOT_LOG_FILE": "bot.log"}, "INFO"),  # a file: the terminal stays clear anyway
        ({"MENTORBOT_LOG_LEVEL": "debug"}, "DEBUG"),  # what is set is what you get
        ({"MENTORBOT_LOG_LEVEL": "INFO", "MENTORBOT_ADAPTERS": "shell"}, "INFO"),
    ],
)
def test_the_default_log_level_keeps_the_shell_readable(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], level: str
) -> None:
    for name in [
        n for n in os.environ if n.startswith(("MENTORBOT_", "SLACK_", "DISCORD_", "MATRIX_"))
    ]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).log_level == level  # type: ignore[call-arg]


def test_an_empty_log_file_setting_means_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_LOG_FILE", "")
    assert Settings(_env_file=None).log_file is None  # type: ignore[call-arg]
    monkeypatch.setenv("MENTORBOT_LOG_FILE", "logs/bot.log")
    assert Settings(_env_file=None).log_file == Path("logs/bot.log")  # type: ignore[call-arg]


def test_row_values_quoted_by_database_errors_are_hidden() -> None:
    from bot.logs import REDACTED, hide_row_values

    said = (
        'duplicate key value violates unique constraint "people_name_key"\n'
        "DETAIL:  Key (name)=(Ana's secret) already exists.\n"
        'invalid input syntax for type integer: "Ana\'s secret"\n'
        "new row violates check constraint; Failing row contains (1, Ana's secret, x).\n"
        "invalid input for query argument $1: 'Ana\\'s secret' (expected str, got int)"
    )
    hidden = hide_row_values(said)
    assert "secret" not in hidden
    assert 'violates unique constraint "people_name_key"' in hidden  # what went wrong stays
    assert f"DETAIL:  {REDACTED}" in hidden
    assert "(expected str, got int)" in hidden
    detail = "Key (bio)=(first line\nsecond line) already exists."  # a value over two lines
    assert "second line" not in hide_row_values(f"DETAIL:  {detail}", [detail])

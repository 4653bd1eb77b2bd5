"""Several adapters in one process: one that cannot start is reported and the others serve;
when none can, `mentorbot run` exits with code 2 and the reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mentorbot(tmp_path: Path, stdin: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MENTORBOT_", "SLACK_", "DISCORD_", "MATRIX_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_LOG_LEVEL="INFO",
        **settings,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def test_slack_without_settings_is_reported_and_the_shell_serves(tmp_path: Path) -> None:
    result = mentorbot(
        tmp_path, "/as ana\n/mentor help\n", MENTORBOT_ADAPTERS="shell,slack", SLACK_BOT_TOKEN=""
    )
    assert result.returncode == 0, result.stderr
    assert "adapter slack cannot start: Slack HTTP mode needs SLACK_SIGNING_SECRET" in result.stderr
    assert "adapter shell: started" in result.stderr
    assert "mentorbot → ana:" in result.stdout  # the shell answered


def test_no_adapter_can_run_exits_2_with_the_reasons(tmp_path: Path) -> None:
    result = mentorbot(tmp_path, MENTORBOT_ADAPTERS="slack,matrix", SLACK_SIGNING_SECRET="x")
    assert result.returncode == 2
    message = result.stderr.replace("\n", " ")
    assert "no adapter could start" in message
    assert "slack: Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID/SECRET for OAuth)" in message
    assert "matrix: the Matrix adapter needs MATRIX_HOMESERVER and MATRIX_USER_ID" in message


def test_unknown_adapters_are_refused_with_the_known_ones(tmp_path: Path) -> None:
    result = mentorbot(tmp_path, MENTORBOT_ADAPTERS="shell,telegram")
    assert result.returncode == 2
    assert "unknown adapter 'telegram'; choose from shell, slack, discord, matrix" in (
        result.stderr.replace("\n", " ")
    )


def test_the_shell_on_the_real_clock_explains_advance(tmp_path: Path) -> None:
    result = mentorbot(tmp_path, "/advance 3d\n/as ana\n/mentor help\n", MENTORBOT_ADAPTERS="shell")
    assert result.returncode == 0, result.stderr
    assert "/advance needs the demo clock" in result.stdout
    assert "later:" not in result.stdout
    assert "mentorbot → ana:" in result.stdout

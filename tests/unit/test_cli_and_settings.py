"""The `mentorbot` CLI, settings and logging, through their real entry points."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.logs import configure_logging
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "programs" / "default.yaml"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment: no settings leak in from the machine or a .env file."""
    for key in list(os.environ):
        if key.startswith(("MENTORBOT_", "SLACK_", "DISCORD_", "MATRIX_")) or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("MENTORBOT_PROGRAMS", str(DEFAULT))
    return tmp_path


def test_program_validate(env: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["program", "validate", str(DEFAULT)])
    assert good.exit_code == 0
    assert "program 'mentoring' with 11 questions" in good.output
    broken = env / "broken.yaml"
    broken.write_text(DEFAULT.read_text().replace("kind: timezone", "kind: zone", 1))
    bad = runner.invoke(app, ["program", "validate", str(broken)])
    assert bad.exit_code == 2
    assert "question 'timezone': kind" in bad.output


def test_program_show(env: Path) -> None:
    result = CliRunner().invoke(app, ["program", "show", "mentoring"])
    assert result.exit_code == 0
    assert "Mentoring Circle" in result.output
    assert "topics_wanted" in result.output
    assert "runs in: every workspace of every platform" in result.output
    assert "coordinators: shell:coordinator" in result.output
    missing = CliRunner().invoke(app, ["program", "show", "nope"])
    assert missing.exit_code == 2
    assert "no program 'nope'; known: mentoring" in missing.output


def test_a_bound_program_shows_where_it_runs_and_imports_only_there(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = env / "bound.yaml"
    bound.write_text(DEFAULT.read_text() + "platforms:\n  slack: {team: T0ACME}\n")
    monkeypatch.setenv("MENTORBOT_PROGRAMS", str(bound))
    runner = CliRunner()
    assert "runs in: slack T0ACME" in runner.invoke(app, ["program", "show", "mentoring"]).output
    roster = env / "roster.json"
    roster.write_text(json.dumps({"participants": []}))
    args = ["roster", "import", "--program", "mentoring", "--roster", str(roster)]
    refused = runner.invoke(app, args)  # the default is the shell, where it does not run
    assert refused.exit_code == 2
    assert "does not run in shell workspace 'local'" in refused.output


def test_db_upgrade_current_downgrade(env: Path) -> None:
    runner = CliRunner()
    assert "empty" in runner.invoke(app, ["db", "current"]).output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0
    assert current.output.strip() not in ("", "empty (no migrations applied)")
    assert runner.invoke(app, ["db", "downgrade", "base"]).exit_code == 0
    assert "empty" in runner.invoke(app, ["db", "current"]).output


def test_bad_settings_and_urls_give_clear_errors(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    result = CliRunner().invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "mysql" in result.output
    monkeypatch.setenv("MENTORBOT_ADAPTERS", "shell,telegram")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert "unknown adapter 'telegram'" in result.output


def test_matrix_without_its_settings_is_refused_naming_them(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORBOT_ADAPTERS", "matrix")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert "matrix: the Matrix adapter needs MATRIX_HOMESERVER and MATRIX_USER_ID" in result.output


def test_settings_from_env_file_and_adapter_defaults(env: Path) -> None:
    (env / ".env").write_text(
        "MENTORBOT_ADAPTERS=\nDISCORD_TOKEN=placeholder-token\nDISCORD_GUILD_IDS=1, 2\n"
    )
    settings = Settings()
    assert settings.discord_guild_ids == [1, 2]
    assert settings.selected_adapters() == ["discord"]
    assert "placeholder-token" not in repr(settings)
    assert settings.secret_values() == ["placeholder-token"]
    (env / ".env").write_text("")
    assert Settings().selected_adapters() == ["shell"]


def test_json_logs_and_secrets_are_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=["xoxb-very-secret"], stream=stream)
    try:
        logging.getLogger("bot.logs.test").info("token is %s", "xoxb-very-secret")
        entry = json.loads(stream.getvalue().splitlines()[-1])
    finally:
        logging.getLogger().handlers.clear()
    assert entry["level"] == "info"
    assert entry["message"] == "token is [redacted]"
    assert "xoxb-very-secret" not in stream.getvalue()


def test_answers_never_reach_the_logs(tmp_path: Path) -> None:
    secret_answer = "my-very-private-goal-7f3a"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(DEFAULT),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_LOG_LEVEL="DEBUG",
        MENTORBOT_LOG_FORMAT="json",
    )
    script = f"/as ana\n/mentor join mentee\n1\n{secret_answer}\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(line["message"].startswith("command verb=join") for line in lines)
    assert secret_answer not in result.stderr


def test_architecture_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "core is platform-neutral KEPT" in result.stdout

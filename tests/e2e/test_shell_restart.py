"""The shell after a restart: rooms, members and open questions come from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.tour import TOUR
from tests.kit import ROOT

ROOM = "mentoring-1-ben-ana"


def mentorbot(tmp_path: Path, script: list[str]) -> subprocess.CompletedProcess[str]:
    """One `mentorbot run` process on the shared SQLite file, fed `script` on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_CLOCK="manual",
        MENTORBOT_LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="\n".join(script) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_rooms_members_and_open_questions_survive_a_restart(tmp_path: Path) -> None:
    said = [line for line in TOUR if not line.startswith("#")]
    until_commit = said[: said.index("/mentor admin match commit") + 1]
    first = mentorbot(tmp_path, [*until_commit, "/as ben", "/mentor leave", "/as dan"])
    assert f"private room #{ROOM} created for ben, ana" in first.stdout
    assert "Leave Mentoring Circle?" in first.stdout

    second = mentorbot(
        tmp_path,
        [
            "/as ben",  # his open question is shown again
            "/users",
            "/as ana",
            f"/room {ROOM}",
            "Hello again!",
            "/as coordinator",
            "/mentor admin end-match 1",
            "/users",
        ],
    )
    out = second.stdout
    assert "mentorbot → ben: This question is still waiting for your answer:" in out
    assert "1. Yes, leave" in out
    assert f"#{ROOM}: ben, ana" in out
    assert f"(ana is in #{ROOM}: Mentoring Circle: Ben & Ana)" in out
    assert f"room #{ROOM} archived" in out
    assert f"#{ROOM} (archived): ben, ana" in out
    assert "nothing was changed" not in out
    assert "KeyError" not in second.stderr


def test_the_onboarding_question_is_shown_again_after_a_restart(tmp_path: Path) -> None:
    said = [line for line in TOUR if not line.startswith("#")]
    question = "mentorbot → ana: (2/9) What do you want to achieve in the next three months?"
    first = mentorbot(tmp_path, said[:4])  # topics chosen; Ana is asked her goals
    assert first.stdout.count(question) == 1
    second = mentorbot(tmp_path, ["/as ana"])
    shown = second.stdout.split("(you are now ana, in your DMs with mentorbot)", 1)[1]
    assert question in shown

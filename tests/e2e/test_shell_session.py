"""The shell adapter end to end: real `mentorbot` processes driven through piped stdin."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.shell.adapter import ShellAdapter
from core.identity import PlatformUser
from tests.kit import MENTEE_ANSWERS, ROOT


def mentorbot(
    tmp_path: Path, *args: str, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_CLOCK="manual",  # `/advance` moves it
        MENTORBOT_LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_a_whole_session_from_a_pipe(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/help",
            "/as ana",
            "/mentor join mentee",
            *MENTEE_ANSWERS,
            "1",
            "/mentor status",
            "/advance 3d",
            "/advance whenever",
            "/room lobby",
            "/users",
            "/as coordinator",
            "/mentor admin status",
            "/quit",
            "/mentor help",  # after /quit: never read
        ]
    )
    result = mentorbot(tmp_path, "run", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/as <name>" in out  # the shell's own help
    assert "ana@dm> /mentor join mentee" in out  # piped lines are echoed like a chat
    assert "mentorbot → ana: Welcome to Mentoring Circle!" in out
    assert "You're enrolled in Mentoring Circle as a mentee" in out
    assert "3 days later" in out
    assert "'whenever' is not a duration" in out
    assert "There is no room 'lobby'" in out
    assert "People: ana" in out
    assert "mentees: 1 active, 0 paused, 0 onboarding" in out
    assert out.count("mentorbot → coordinator") == 1  # nothing after /quit


def test_restart_in_the_middle_of_onboarding_resumes_it(tmp_path: Path) -> None:
    first = mentorbot(
        tmp_path, "run", stdin="\n".join(["/as ana", "/mentor join mentee", *MENTEE_ANSWERS[:4]])
    )
    assert first.returncode == 0, first.stderr
    assert "(5/9) Which timezone are you in?" in first.stdout
    # a new process on the same database: the typed answer continues the questionnaire
    second = mentorbot(
        tmp_path, "run", stdin="\n".join(["/as ana", *MENTEE_ANSWERS[4:6], "/mentor join"])
    )
    assert second.returncode == 0, second.stderr
    assert "(6/9) How many years" in second.stdout
    assert "carry on where you left off" in second.stdout
    assert "(7/9) How do you prefer to communicate?" in second.stdout
    third = mentorbot(tmp_path, "run", stdin="\n".join(["/as ana", *MENTEE_ANSWERS[6:], "1"]))
    assert "You're enrolled in Mentoring Circle as a mentee" in third.stdout
    data = mentorbot(tmp_path, "run", stdin="/as ana\n/mentor my-data\n")
    saved = re.search(r"📎 mentorbot-my-data\.json .*: (/\S+)$", data.stdout, re.MULTILINE)
    assert saved, data.stdout
    (mine,) = json.loads(Path(saved.group(1)).read_text(encoding="utf-8"))["programs"]
    assert mine["answers"]["goals"] == "Lead a team within a year."
    assert mine["answers"]["timezone"] == "Europe/Madrid"


def test_demo_plays_the_tour_and_exits_without_a_terminal(tmp_path: Path) -> None:
    started = time.monotonic()
    result = mentorbot(tmp_path, "demo", stdin="")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "── Ana is a product engineer" in out
    assert "── Chen joins as a mentee too, but speaks only Chinese" in out  # as she joins
    assert "Please pick at most 3 (you picked 4)." in out
    assert "You're enrolled in Mentoring Circle as a mentee" in out
    assert "as a mentor. You can take up to 2 mentees." in out
    assert "mentees: 2 active" in out
    assert "mentors: 1 active" in out
    assert "1 of 2 mentees matched (50%)" in out
    assert "private room #mentoring-1-ben-ana created for ben, ana" in out
    assert "mentorbot in #mentoring-1-ben-ana: 👋 Welcome, Ben and Ana!" in out
    assert "mentorbot → chen: The Mentoring Circle matching round has run" in out
    assert "excluded for sharing no language with you" in out
    # words for their reader: each role is asked in its own words, counts read right
    assert "mentorbot → ana: (4/9) Which languages are you comfortable being mentored in?" in out
    assert "mentorbot → ben: (3/8) Which languages are you comfortable mentoring in?" in out
    assert "comfortable mentoring in" not in out.split("/as ben", 1)[0]
    assert "Ben offers both topics you asked for" in out
    assert "1 of 1 mentor was excluded" in out
    # the coordinator's preview speaks about the people; the mentee's words speak to her
    assert "Ben offers both topics Ana asked for: Career growth, Leadership; They both speak" in out
    assert "• Chen: No mentor passes the required rules: 1 of 1 mentor was excluded for " in out
    assert "sharing no language with Chen." in out
    assert "Why you were matched: Ben offers both topics you asked for" in out
    assert "matched with Ben since" in out
    assert "It's been 10 days since anyone wrote here" in out  # the nudge
    assert "📅 Check-in time, Ben and Ana! Did you meet since you were introduced?" in out
    assert "📅 Check-in time, Ben and Ana! Did you meet since the last check-in?" in out
    assert "after twenty silent days" in out  # the narration says what the clock does
    assert "no activity in their space for 20 days" in out
    assert "mentorbot → coordinator: 🚩 The match Ben & Ana" in out  # at risk
    assert "matches: 0 active, 0 quiet, 1 at risk" in out
    assert "mentee places offered by active mentors: 2, 2 still free" in out  # before the round
    assert "mentee places offered by active mentors: 2, 1 still free" in out  # Ana takes one
    assert "Your turn" not in out  # no terminal: the tour ends the demo
    assert time.monotonic() - started < 60


def test_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs"),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_LOG_LEVEL="INFO",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None
    process.stdin.write("/as ana\n")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not (tmp_path / "bot.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "mentorbot stopped" in err


async def test_private_spaces_appear_as_rooms_with_their_members() -> None:
    lines: list[str] = []
    shell = ShellAdapter(lines.append)
    members = [PlatformUser("shell", "local", name) for name in ("ana", "ben")]
    first = await shell.create_space("local", "ana-ben", "Ana & Ben", members)
    again = await shell.create_space("local", "ana-ben", "again", members)
    assert again == first  # creating by name is idempotent: a retried commit reuses the room
    assert sum("private room #ana-ben created" in line for line in lines) == 1
    await shell.feed("/as cy")
    await shell.feed("/room ana-ben")
    assert "#ana-ben is private to ana, ben." in lines[-1]
    await shell.feed("/as ana")
    await shell.feed("/room #ana-ben")
    assert shell.prompt == "ana@#ana-ben> "
    await shell.feed("/users")
    assert "  #ana-ben: ana, ben" in lines
    await shell.archive_space(first)
    await shell.feed("/users")
    assert "  #ana-ben (archived): ana, ben" in lines


@pytest.mark.parametrize("name", ["", "a b", "ana!"])
async def test_as_needs_a_simple_name(name: str) -> None:
    lines: list[str] = []
    shell = ShellAdapter(lines.append)
    await shell.feed(f"/as {name}")
    assert "Usage: /as <name>" in lines[-1]

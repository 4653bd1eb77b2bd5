"""A real `mentorbot run` on the shell, fed by a pipe, reads like a chat: stdout is the
conversation alone, what a command sends to other people shows up before the next prompt, and a
mistyped shell command is answered by the shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from adapters.shell.adapter import ShellAdapter
from tests.kit import MENTEE_ANSWERS, MENTOR_ANSWERS, ROOT

LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", re.MULTILINE)
PROMPT = re.compile(r"^[\w-]+@(dm|#[\w-]+)> ")
SESSION = [
    "/as ben",
    "/mentor join mentor",
    *MENTOR_ANSWERS,
    "1",
    "/as ana",
    "/mentor join mentee",
    *MENTEE_ANSWERS,
    "1",
    "/mentor request",
    "1",  # asks Ben: he is told at once
    "/as cy",
    "/mentor join mentee",
    *MENTEE_ANSWERS,
    "1",
    "/as coordinator",
    "/mentor admin match commit",
    "/foo bar",
    "/mentor admin status",
    "/quit",
]


def run_shell(
    tmp_path: Path, lines: list[str], **settings: str
) -> subprocess.CompletedProcess[str]:
    """`mentorbot run` with the settings a person starting it would have: no log level set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_CLOCK="manual",
        **settings,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def turn(out: list[str], typed: str, after: int = 0) -> list[str]:
    """The lines a typed line caused, up to the next prompt: the first echo of `typed`, or the
    line typed `after` lines later."""
    echoes = [i for i, line in enumerate(out) if PROMPT.match(line)]
    first = next(n for n, i in enumerate(echoes) if out[i].endswith(f"> {typed}"))
    start = echoes[first + after]
    end = echoes[first + after + 1] if first + after + 1 < len(echoes) else len(out)
    return out[start + 1 : end]


def test_stdout_is_the_conversation_and_messages_to_others_follow_their_command(
    tmp_path: Path,
) -> None:
    result = run_shell(tmp_path, SESSION)
    assert result.returncode == 0, result.stderr
    assert not LOG_LINE.search(result.stdout)
    assert not LOG_LINE.search(result.stderr), result.stderr  # WARNING: nothing went wrong
    out = result.stdout.splitlines()
    asked = "\n".join(turn(out, "/mentor request", after=1))  # ana picks Ben
    assert "mentorbot → ben: Ana would like you as their mentor" in asked
    assert "mentorbot → ana: I've asked Ben" in asked
    committed = "\n".join(turn(out, "/mentor admin match commit"))
    assert "private room #mentoring-1-ben-ana created for ben, ana" in committed
    assert "mentorbot in #mentoring-1-ben-ana: 👋 Welcome, Ben and Ana!" in committed
    assert "mentorbot in #mentoring-2-ben-cy: 👋 Welcome, Ben and Cy!" in committed
    assert "✅ Round committed: 2 matches" in committed
    unknown = turn(out, "/foo bar")
    assert unknown == ["  I don't know the shell command /foo — /help lists them."]
    assert "messages: 3 delivered" in "\n".join(turn(out, "/mentor admin status"))


def test_a_log_file_takes_the_logs_at_info(tmp_path: Path) -> None:
    log = tmp_path / "mentorbot.log"
    result = run_shell(tmp_path, ["/as ana", "/mentor help"], MENTORBOT_LOG_FILE=str(log))
    assert result.returncode == 0, result.stderr
    assert "mentorbot → ana:" in result.stdout
    assert not LOG_LINE.search(result.stdout)
    assert result.stderr == ""
    written = log.read_text(encoding="utf-8")
    assert "mentorbot running: adapters=shell" in written
    assert "command verb=help platform=shell" in written


async def test_an_unknown_shell_command_never_reaches_the_bot() -> None:
    lines: list[str] = []
    shell = ShellAdapter(lines.append)  # not started: a line sent to the bot would raise
    assert await shell.feed("/Foo")
    assert await shell.feed("/adv 2d")
    assert lines == [
        "  I don't know the shell command /Foo — /help lists them.",
        "  I don't know the shell command /adv — /help lists them.",
    ]

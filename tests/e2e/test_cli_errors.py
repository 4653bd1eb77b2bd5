"""Every `mentorbot` command, fed each kind of bad input, answers in words — never a traceback.

A table of (command, bad input, what the message must name); each row runs the real `mentorbot`
command in a subprocess and checks the exit code, that no traceback leaked and that the message
names the problem.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "default.yaml"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MENTORBOT_", "SLACK_", "DISCORD_", "MATRIX_")) and k != "DATABASE_URL"
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(PROGRAM),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_LOG_LEVEL="WARNING",
        COLUMNS="200",
    )
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="",
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def _non_utf8(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"id: caf\xe9\nname: \xff\xfe broken\n")
    return path


def _directory(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def _missing(tmp_path: Path, name: str) -> Path:
    return tmp_path / "nowhere" / name


def _roster_with(tmp_path: Path, participant_id: str) -> Path:
    path = tmp_path / "roster.json"
    path.write_text(
        json.dumps({"participants": [{"id": participant_id, "role": "martian", "answers": {}}]})
    )
    return path


def _program_named(tmp_path: Path, program_id: str) -> Path:
    path = tmp_path / "named.yaml"
    path.write_text(PROGRAM.read_text().replace("id: mentoring", f"id: {program_id!r}", 1))
    return path


BAD_FILES: dict[str, tuple[Callable[[Path, str], Path], str]] = {
    "non-UTF-8 file": (_non_utf8, "not UTF-8"),
    "directory": (_directory, "is a directory"),
    "missing file": (_missing, "no such file"),
}


@dataclass(frozen=True)
class Case:
    """One command with one kind of bad input."""

    name: str
    args: Callable[[Path], list[str]]
    expect: str
    env: Callable[[Path], dict[str, str]] = lambda _: {}
    code: int = 2


def _file_cases() -> list[Case]:
    cases = []
    for kind, (make, words) in BAD_FILES.items():
        cases += [
            Case(
                f"program validate: {kind}",
                lambda t, make=make: ["program", "validate", str(make(t, "p.yaml"))],
                words,
            ),
            Case(
                f"program show: MENTORBOT_PROGRAMS is a {kind}",
                lambda _: ["program", "show", "mentoring"],
                words if kind != "directory" else "no program files found",
                env=lambda t, make=make: {"MENTORBOT_PROGRAMS": str(make(t, "p.yaml"))},
            ),
            Case(
                f"run: MENTORBOT_PROGRAMS is a {kind}",
                lambda _: ["run"],
                words if kind != "directory" else "no program files found",
                env=lambda t, make=make: {"MENTORBOT_PROGRAMS": str(make(t, "p.yaml"))},
            ),
            Case(
                f"match: program is a {kind}",
                lambda t, make=make: [
                    *("match", "--program", str(make(t, "p.yaml"))),
                    *("--roster", str(_roster_with(t, "ana")), "--out", str(t / "out.json")),
                ],
                words,
            ),
            Case(
                f"match: roster is a {kind}",
                lambda t, make=make: [
                    *("match", "--program", str(PROGRAM)),
                    *("--roster", str(make(t, "r.json")), "--out", str(t / "out.json")),
                ],
                words,
            ),
            Case(
                f"roster import: roster is a {kind}",
                lambda t, make=make: [
                    *("roster", "import", "--program", "mentoring"),
                    *("--roster", str(make(t, "r.csv"))),
                ],
                words,
            ),
        ]
    cases.append(
        Case(
            "match: out is a directory",
            lambda t: [
                *("match", "--program", str(PROGRAM), "--roster", str(_roster_file(t))),
                *("--out", str(_directory(t, "out.json"))),
            ],
            "is a directory",
        )
    )
    return cases


def _database_cases() -> list[Case]:
    unreachable = lambda _: {  # noqa: E731
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{_closed_port()}/mentorbot"
    }
    mistyped = lambda _: {"DATABASE_URL": "postgress://postgres@127.0.0.1/mentorbot"}  # noqa: E731
    garbage = lambda _: {"DATABASE_URL": "not a url at all"}  # noqa: E731
    no_folder = lambda t: {"DATABASE_URL": f"sqlite:///{t}/nowhere/bot.db"}  # noqa: E731
    commands: dict[str, Callable[[Path], list[str]]] = {
        "db upgrade": lambda _: ["db", "upgrade"],
        "db downgrade": lambda _: ["db", "downgrade", "base"],
        "db current": lambda _: ["db", "current"],
        "run": lambda _: ["run"],
        "roster import": lambda t: [
            *("roster", "import", "--program", "mentoring"),
            *("--roster", str(_roster_file(t))),
        ],
    }
    cases = []
    for command, args in commands.items():
        cases += [
            Case(
                f"{command}: unreachable database", args, "cannot reach the database", unreachable
            ),
            Case(f"{command}: mistyped URL scheme", args, "unsupported database URL", mistyped),
            Case(f"{command}: not a URL", args, "is not a database URL", garbage),
            Case(f"{command}: SQLite in a missing folder", args, "its folder exists", no_folder),
        ]
    return cases


def _roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty-roster.json"
    path.write_text(json.dumps({"participants": []}))
    return path


CASES: list[Case] = [
    *_file_cases(),
    *_database_cases(),
    Case(
        "run: unknown adapter",
        lambda _: ["run", "--adapters", "telegram"],
        "unknown adapter 'telegram'",
    ),
    Case(
        "run: unknown adapter with markup in its name",
        lambda _: ["run", "--adapters", "[/]"],
        "unknown adapter '[/]'",
    ),
    Case(
        "db current: a .env file that is not UTF-8",
        lambda t: (t / ".env").write_bytes(b"MENTORBOT_LOG_LEVEL=caf\xe9\n") and ["db", "current"],
        ".env: the file is not UTF-8 text (byte 0xe9",
    ),
    Case("db upgrade: unknown revision", lambda _: ["db", "upgrade", "nosuch"], "'nosuch'"),
    Case("db downgrade: unknown revision", lambda _: ["db", "downgrade", "nosuch"], "'nosuch'"),
    Case(
        "program show: markup in the program id",
        lambda _: ["program", "show", "[/]"],
        "no program '[/]'",
    ),
    Case(
        "program validate: markup in the program id",
        lambda t: ["program", "validate", str(_program_named(t, "[/bold]"))],
        "'[/bold]' is not a valid id",
    ),
    Case(
        "match: markup in a participant id",
        lambda t: [
            *("match", "--program", str(PROGRAM)),
            *("--roster", str(_roster_with(t, "[/]")), "--out", str(t / "out.json")),
        ],
        "participant #1 ('[/]'): role",
    ),
    Case(
        "roster import: markup in a participant id",
        lambda t: [
            *("roster", "import", "--program", "mentoring"),
            *("--roster", str(_roster_with(t, "[/]"))),
        ],
        "participant #1 ('[/]'): role",
    ),
    Case(
        "roster import: unknown program with markup",
        lambda t: ["roster", "import", "--program", "[red]x", "--roster", str(_roster_file(t))],
        "no program '[red]x'",
    ),
    Case(
        "roster import: an empty workspace",
        lambda t: [
            *("roster", "import", "--program", "mentoring", "--workspace", " "),
            *("--roster", str(_roster_file(t))),
        ],
        "--workspace",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_one_message_and_exit_code_2(tmp_path: Path, case: Case) -> None:
    result = cli(tmp_path, *case.args(tmp_path), env=case.env(tmp_path))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.code, output
    assert case.expect.lower() in output.lower(), output
    assert 1 <= len(result.stderr.strip().splitlines()) <= 3, output


def test_db_downgrade_minus_one_works_as_its_help_says(tmp_path: Path) -> None:
    assert cli(tmp_path, "db", "upgrade").returncode == 0
    head = cli(tmp_path, "db", "current").stdout.strip()
    result = cli(tmp_path, "db", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    after = cli(tmp_path, "db", "current").stdout.strip()
    assert after
    assert after != head
    assert "empty" not in after


def test_text_from_files_is_printed_as_written_never_as_markup(tmp_path: Path) -> None:
    folder = tmp_path / "[red]programs"
    folder.mkdir()
    file = folder / "p.yaml"
    text = PROGRAM.read_text()
    text = text.replace("name: Mentoring Circle", "name: '[/] Circle [bold]'", 1)
    text = text.replace("prompt: What", 'prompt: "[/i] What', 1).replace(
        "guidance on?", 'guidance on?"', 1
    )
    file.write_text(text)
    checked = cli(tmp_path, "program", "validate", str(file))
    assert checked.returncode == 0, checked.stderr
    assert f"✓ {file}: program 'mentoring'" in checked.stdout
    shown = cli(tmp_path, "program", "show", "mentoring", env={"MENTORBOT_PROGRAMS": str(file)})
    assert shown.returncode == 0, shown.stderr
    assert "[/] Circle [bold]" in shown.stdout
    assert "[/i]" in shown.stdout

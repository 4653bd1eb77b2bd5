"""The shell adapter with the real bot: private replies go to the DM view, files to disk."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.shell.adapter import ShellAdapter, ShellConfig
from core.clock import ManualClock
from core.content import File
from core.identity import Conversation, PlatformUser
from tests.kit import MENTOR_ANSWERS
from tests.kit.drivers.wiring import wire

ROOT = Path(__file__).resolve().parents[3]
MENTEE_ANSWERS = [
    "1, 2",
    "Lead a team within a year.",
    "skip",
    "1, 2",
    "Europe/Madrid",
    "2",
    "1",
    "2",
    "Engineer in Madrid.",
    "1",  # accept the policy
]


@pytest_asyncio.fixture
async def shell(tmp_path: Path) -> AsyncIterator[tuple[ShellAdapter, list[str]]]:
    """The shell adapter around the bot the composition root builds, on a fresh database."""
    lines: list[str] = []
    config = ShellConfig(interactive=False, files_dir=tmp_path / "files")
    adapter = ShellAdapter(lines.append, config, io.StringIO(""))
    app = await wire(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", adapter, ManualClock())
    try:
        yield adapter, lines
    finally:
        await adapter.close()
        await app.close()


def room_lines(lines: list[str], room: str) -> list[str]:
    return [line for line in lines if line.lstrip().startswith(f"mentorbot in #{room}")]


async def test_my_data_typed_in_a_room_is_shown_in_the_persons_dm(
    shell: tuple[ShellAdapter, list[str]], tmp_path: Path
) -> None:
    adapter, lines = shell
    for line in ["/as ana", "/mentor join mentee", *MENTEE_ANSWERS]:
        await adapter.feed(line)
    assert any("You're enrolled" in line for line in lines)
    people = [PlatformUser("shell", "local", name) for name in ("ana", "ben")]
    await adapter.create_space("local", "ana-ben", "Ana & Ben", people)
    await adapter.feed("/room ana-ben")
    start = len(lines)
    await adapter.feed("/mentor my-data")
    await adapter.feed("/mentor status")
    shown = lines[start:]
    assert any("mentorbot → ana: Everything I store about you" in line for line in shown)
    saved = tmp_path / "files" / "mentorbot-my-data.json"
    assert any("mentorbot → ana: 📎 mentorbot-my-data.json" in line for line in shown)
    assert any(line.endswith(str(saved)) for line in shown)
    assert b"Lead a team within a year." in saved.read_bytes()
    assert any("answered ana privately" in line for line in shown)
    assert room_lines(shown, "ana-ben") == []
    await adapter.feed("/mentor help")  # not personal: answered in the room
    assert room_lines(lines[start:], "ana-ben")


async def test_a_file_is_written_under_the_files_dir_and_shown_by_path(
    shell: tuple[ShellAdapter, list[str]], tmp_path: Path
) -> None:
    adapter, lines = shell
    data = bytes(range(256)) * 4
    to = Conversation.dm(PlatformUser("shell", "local", "ana"))
    file = File("chart.png", "image/png", data, alt_text="Check-ins per month")
    await adapter.send(to, file)
    await adapter.send(to, file)  # the same name again: kept apart, never overwritten
    first, second = tmp_path / "files" / "chart.png", tmp_path / "files" / "chart-2.png"
    assert first.read_bytes() == data
    assert second.read_bytes() == data
    assert (
        f"mentorbot → ana: 📎 chart.png — Check-ins per month (1,024 bytes): {first}" in lines[-2]
    )
    assert str(second) in lines[-1]


async def test_coordinator_tools_on_the_shell(
    shell: tuple[ShellAdapter, list[str]], tmp_path: Path
) -> None:
    """Export (a zip), rematch, audit, broadcast and the stats chart, typed in the shell."""
    adapter, lines = shell
    mentor = ["/as ben", "/mentor join mentor", *MENTOR_ANSWERS, "1"]
    for line in ["/as ana", "/mentor join mentee", *MENTEE_ANSWERS, *mentor, "/as coordinator"]:
        await adapter.feed(line)
    await adapter.feed("/mentor admin match commit")
    await adapter.feed("/mentor admin export")
    (exported,) = (tmp_path / "files").glob("mentoring-export-*.zip")
    with zipfile.ZipFile(exported) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("participants.csv").decode())))
    assert [(r["id"], r["name"], r["role"], r["status"]) for r in rows] == [
        ("ana", "Ana", "mentee", "active"),
        ("ben", "Ben", "mentor", "active"),
    ]
    assert any(exported.name in line and "zip of CSV files" in line for line in lines)
    start = len(lines)
    await adapter.feed("/mentor admin broadcast Coffee on Friday")
    shown = "\n".join(lines[start:])
    assert "Broadcast to 2 active participants: 2 delivered, 0 failed, 0 unreachable" in shown
    await adapter.feed("/mentor admin rematch ana")
    assert any("I ended 1 match of Ana (#1)" in line for line in lines[start:])
    assert any("→ ana: 🔄 A coordinator of Mentoring Circle" in line for line in lines[start:])
    await adapter.feed("/mentor admin stats")
    (chart,) = (tmp_path / "files").glob("mentoring-cycle-1-health.png")
    assert chart.read_bytes().startswith(b"\x89PNG")
    await adapter.feed("/mentor admin audit")
    audit = "\n".join(lines[start:])
    for done in ("committed a matching round", "put a participant back", "sent a broadcast"):
        assert done in audit


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b", "..", "c:\\x"])
def test_a_file_name_is_a_plain_name(name: str) -> None:
    with pytest.raises(ValueError, match="plain name"):
        File(name, "text/plain", b"x")

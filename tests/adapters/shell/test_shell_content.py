"""The shell adapter with the real bot: private replies go to the DM view, files to disk."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.shell.adapter import ShellAdapter, ShellConfig
from core.clock import ManualClock
from core.content import File
from core.identity import Conversation, PlatformUser
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


async def test_a_coordinator_export_arrives_as_a_csv_file(
    shell: tuple[ShellAdapter, list[str]], tmp_path: Path
) -> None:
    adapter, lines = shell
    for line in ["/as ana", "/mentor join mentee", *MENTEE_ANSWERS, "/as coordinator"]:
        await adapter.feed(line)
    await adapter.feed("/mentor admin export")
    exported = (tmp_path / "files" / "mentoring-participants.csv").read_text(encoding="utf-8")
    assert exported.splitlines()[1].startswith("ana,Ana,mentee,active")
    assert any("mentoring-participants.csv" in line and "(CSV)" in line for line in lines)


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b", "..", "c:\\x"])
def test_a_file_name_is_a_plain_name(name: str) -> None:
    with pytest.raises(ValueError, match="plain name"):
        File(name, "text/plain", b"x")

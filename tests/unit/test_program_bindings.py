"""The `platforms:` section and scoped coordinator ids of a program file: parsed into typed
bindings, and refused with the file, the key and the fix when they are wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_program_validation import BASE

from core.identity import PlatformUser
from core.programs.bindings import DiscordBinding, MatrixBinding, ShellBinding, SlackBinding
from core.programs.program import ProgramError, load_program

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, **changes: Any) -> Path:
    file = tmp_path / "pilot.yaml"
    file.write_text(yaml.safe_dump({**BASE, **changes}, sort_keys=False))
    return file


def test_bindings_are_typed_per_platform_and_a_program_may_have_several(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        coordinators=["slack:U0123ABC", "discord:1234567890", "matrix:@alice:example.org"],
        platforms={
            "slack": {"team": "T0123"},
            "discord": {
                "guild": 1234,  # unquoted in YAML: read as a number, kept as text
                "space_channel": "5678",
                "space_category": "91011",
                "coordinator_role": "1213",
            },
            "matrix": {
                "space": "!abc:example.org",
                "room": "!def:example.org",
                "coordinator_power_level": 50,
            },
            "shell": True,  # `shell: true`, like `shell:` and `shell: {}`
        },
    )
    program = load_program(file)
    assert program.is_bound
    assert program.bindings.platforms == ("slack", "discord", "matrix", "shell")
    slack, discord, matrix = (program.binding(p) for p in ("slack", "discord", "matrix"))
    assert isinstance(slack, SlackBinding)
    assert slack.team == "T0123"
    assert isinstance(discord, DiscordBinding)
    assert (discord.guild, discord.space_channel, discord.coordinator_role) == (
        "1234",
        "5678",
        "1213",
    )
    assert isinstance(matrix, MatrixBinding)
    assert matrix.power_room == "!def:example.org"
    assert isinstance(program.binding("shell"), ShellBinding)
    assert program.binding("teams") is None
    assert [str(c) for c in program.coordinators] == [
        "slack:U0123ABC",
        "discord:1234567890",
        "matrix:@alice:example.org",
    ]


def test_a_program_applies_where_it_is_bound(tmp_path: Path) -> None:
    bound = load_program(
        write(tmp_path, platforms={"slack": {"team": "T0AAA"}, "discord": None, "shell": {}})
    )
    assert bound.applies_in("slack", "T0AAA")
    assert not bound.applies_in("slack", "T0BBB")
    assert bound.applies_in("discord", "42")  # no guild named: every guild
    assert bound.applies_in("shell", "local")
    assert not bound.applies_in("matrix", "example.org")
    unbound = load_program(write(tmp_path))
    assert not unbound.is_bound
    assert unbound.applies_in("slack", "T0BBB")
    assert unbound.applies_in("matrix", "example.org")


def test_scoped_coordinator_ids_name_one_person_on_one_platform(tmp_path: Path) -> None:
    program = load_program(write(tmp_path, coordinators=["shell:ana", "slack:U0ANA"]))
    assert program.lists_coordinator(PlatformUser("shell", "local", "ana"))
    assert program.lists_coordinator(PlatformUser("slack", "T0AAA", "U0ANA"))
    assert not program.lists_coordinator(PlatformUser("slack", "T0AAA", "ana"))
    assert not program.lists_coordinator(PlatformUser("shell", "local", "U0ANA"))


def test_the_bundled_program_lists_its_coordinator_with_a_platform() -> None:
    program = load_program(ROOT / "programs" / "default.yaml")
    assert [str(c) for c in program.coordinators] == ["shell:coordinator"]
    assert not program.is_bound


BROKEN = [
    (
        {"coordinators": ["U0123ABC"]},
        ["coordinators: 'U0123ABC' does not say which platform", "write 'slack:U0123ABC'"],
    ),
    ({"coordinators": ["ana"]}, ["coordinators", "write 'shell:ana'"]),
    ({"coordinators": ["1234567890"]}, ["write 'discord:1234567890'"]),
    (
        {"coordinators": ["@alice:example.org"]},
        ["coordinators", "'matrix:@alice:example.org'"],
    ),
    ({"coordinators": ["slack:alice"]}, ["coordinators", "Slack user ids look like U0123ABCD"]),
    ({"coordinators": ["discord:alice"]}, ["coordinators", "digits only"]),
    ({"coordinators": ["matrix:alice"]}, ["coordinators", "@alice:example.org"]),
    ({"platforms": {"teams": {"tenant": "x"}}}, ["platforms.teams: unknown platform", "slack"]),
    ({"platforms": {"slack": {"team": "acme"}}}, ["platforms.slack.team", "not a Slack team id"]),
    (
        {"platforms": {"slack": {"workspace": "T0123"}}},
        ["platforms.slack.workspace: unknown setting; slack takes team"],
    ),
    ({"platforms": {"discord": {"guild": "my-server"}}}, ["platforms.discord.guild", "digits"]),
    (
        {"platforms": {"discord": {"coordinator_role": "1213"}}},
        ["platforms.discord", "coordinator_role belongs to a server: add 'guild'"],
    ),
    (
        {"platforms": {"matrix": {"room": "#mentoring:example.org"}}},
        ["platforms.matrix.room", "start with '!'"],
    ),
    (
        {"platforms": {"matrix": {"homeserver": "https://example.org"}}},
        ["platforms.matrix.homeserver", "without https://"],
    ),
    (
        {"platforms": {"matrix": {"coordinator_power_level": 50}}},
        ["platforms.matrix", "add 'room' or 'space'"],
    ),
    (
        {"platforms": {"matrix": {"space": "!a:x.org", "coordinator_power_level": 500}}},
        ["platforms.matrix.coordinator_power_level", "100"],
    ),
    (
        {"platforms": {"shell": {"workspace": "local"}}},
        ["platforms.shell.workspace", "shell takes no settings"],
    ),
    ({"platforms": {}}, ["names no platform", "Remove the key"]),
]


@pytest.mark.parametrize(("changes", "expected"), BROKEN)
def test_bad_bindings_and_bare_ids_are_refused_with_the_fix(
    tmp_path: Path, changes: dict[str, Any], expected: list[str]
) -> None:
    file = write(tmp_path, **changes)
    with pytest.raises(ProgramError) as caught:
        load_program(file)
    message = str(caught.value)
    assert message.startswith(str(file))
    for fragment in expected:
        assert fragment in message, message

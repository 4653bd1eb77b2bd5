"""Where a program lives: its bindings to platforms and workspaces, and scoped coordinator ids.

A program file may say `platforms: {slack: {team: T0123}, discord: {guild: "1234", …}}`. A program
without `platforms` applies everywhere (every workspace of every platform). A program with it
applies only on the platforms listed, and there only in the workspace named (`team`, `guild`,
`homeserver`/`space`); a platform listed without a workspace id (`shell: {}`, `slack: {}`) means
every workspace of that platform — the shell has exactly one.

Coordinator ids carry their platform (`slack:U0123`, `shell:ana`), because the same id can mean
different people on different platforms.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SLACK_TEAM = re.compile(r"^[TE][A-Z0-9]{2,}$")
_SLACK_USER = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_SNOWFLAKE = re.compile(r"^[0-9]{1,20}$")
# `!opaque:server`, or `!hash` alone from room version 12 on (room ids no longer name a server)
_MATRIX_ROOM = re.compile(r"^![^:\s]+(:[^\s]+)?$")
_MATRIX_USER = re.compile(r"^@[^:\s]+:[^\s]+$")
_SERVER_NAME = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_SHELL_NAME = re.compile(r"^\S{1,64}$")
_PLATFORM = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class _Binding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def workspaces(self) -> frozenset[str]:
        """The workspace ids this binding names; empty: every workspace of the platform."""
        return frozenset()

    def applies_in(self, workspace_id: str) -> bool:
        return not self.workspaces or workspace_id in self.workspaces

    @property
    def home_workspace(self) -> str | None:
        """The one workspace id to reach people in when only the platform is known."""
        return next(iter(sorted(self.workspaces)), None)


def _text(raw: Any) -> Any:
    """YAML reads unquoted Discord ids as numbers; ids are text."""
    return str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw


class SlackBinding(_Binding):
    team: str | None = Field(default=None, description="the Slack team (workspace) id, T…")

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_TEAM.match(value):
            raise ValueError(
                f"{value!r} is not a Slack team id: they look like T0123ABCD "
                "(find it in the workspace's URL or About panel)"
            )
        return value

    @property
    def workspaces(self) -> frozenset[str]:
        return frozenset({self.team} if self.team else ())


class DiscordBinding(_Binding):
    guild: str | None = Field(default=None, description="the Discord server (guild) id")
    space_channel: str | None = Field(
        default=None, description="the text channel under which match threads are opened"
    )
    space_category: str | None = Field(
        default=None, description="the category in which match channels are created"
    )
    coordinator_role: str | None = Field(
        default=None, description="members with this role coordinate the program"
    )

    @field_validator("guild", "space_channel", "space_category", "coordinator_role", mode="before")
    @classmethod
    def _as_text(cls, raw: Any) -> Any:
        return _text(raw)

    @field_validator("guild", "space_channel", "space_category", "coordinator_role")
    @classmethod
    def _snowflake(cls, value: str | None) -> str | None:
        if value is not None and not _SNOWFLAKE.match(value):
            raise ValueError(
                f"{value!r} is not a Discord id: Discord ids are digits only "
                "(Developer Mode → right-click → Copy ID)"
            )
        return value

    @model_validator(mode="after")
    def _needs_guild(self) -> DiscordBinding:
        named = [
            key
            for key in ("space_channel", "space_category", "coordinator_role")
            if getattr(self, key) is not None
        ]
        if named and self.guild is None:
            raise ValueError(f"{named[0]} belongs to a server: add 'guild' with the server's id")
        return self

    @property
    def workspaces(self) -> frozenset[str]:
        return frozenset({self.guild} if self.guild else ())


class MatrixBinding(_Binding):
    homeserver: str | None = Field(
        default=None, description="the homeserver's name, e.g. example.org (no https://)"
    )
    space: str | None = Field(default=None, description="the program's Matrix Space, !…:server")
    room: str | None = Field(
        default=None, description="the program room whose power levels name coordinators"
    )
    coordinator_power_level: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="users at this power level or above in `room` (or `space`) coordinate",
    )

    @field_validator("homeserver")
    @classmethod
    def _homeserver(cls, value: str | None) -> str | None:
        if value is not None and not _SERVER_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a homeserver name: write it like example.org, "
                "without https:// or a path"
            )
        return value

    @field_validator("space", "room")
    @classmethod
    def _room_id(cls, value: str | None) -> str | None:
        if value is not None and not _MATRIX_ROOM.match(value):
            raise ValueError(
                f"{value!r} is not a Matrix room id: they start with '!', like "
                "!abc123:example.org (a room's settings → Advanced)"
            )
        return value

    @model_validator(mode="after")
    def _power_needs_room(self) -> MatrixBinding:
        if self.coordinator_power_level is not None and self.power_room is None:
            raise ValueError(
                "coordinator_power_level needs the room it is counted in: add 'room' or 'space'"
            )
        return self

    @property
    def power_room(self) -> str | None:
        """The room whose power levels decide who coordinates: `room`, else `space`."""
        return self.room or self.space

    @property
    def workspaces(self) -> frozenset[str]:
        return frozenset(w for w in (self.homeserver, self.space) if w)


class ShellBinding(_Binding):
    """The shell has one workspace, so binding to it takes no settings: `shell: {}`."""


Binding = SlackBinding | DiscordBinding | MatrixBinding | ShellBinding


class Bindings(BaseModel):
    """The `platforms:` section of a program file: one optional binding per platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack: SlackBinding | None = None
    discord: DiscordBinding | None = None
    matrix: MatrixBinding | None = None
    shell: ShellBinding | None = None

    @field_validator("slack", "discord", "matrix", "shell", mode="before")
    @classmethod
    def _empty(cls, raw: Any) -> Any:
        """`shell:`, `shell: {}` and `shell: true` all mean "bound, no settings"."""
        return {} if raw is None or raw is True else raw

    def get(self, platform: str) -> Binding | None:
        value = getattr(self, platform, None) if platform in PLATFORMS else None
        return value if isinstance(value, _Binding) else None

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(p for p in PLATFORMS if self.get(p) is not None)


PLATFORMS = ("slack", "discord", "matrix", "shell")
BINDING_TYPES: dict[str, type[_Binding]] = {
    "slack": SlackBinding,
    "discord": DiscordBinding,
    "matrix": MatrixBinding,
    "shell": ShellBinding,
}


def settings_of(platform: str) -> list[str]:
    """The keys a platform's binding takes, for error messages."""
    kind = BINDING_TYPES.get(platform)
    return list(kind.model_fields) if kind else []


class CoordinatorId(BaseModel):
    """A listed coordinator: a user id on one platform, written `platform:id` in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


def parse_coordinator(raw: Any) -> Any:
    """`"slack:U0123"` → `CoordinatorId`; a bare id is refused with the fix spelled out."""
    if isinstance(raw, CoordinatorId | dict):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("a coordinator is written as 'platform:id', e.g. 'slack:U0123ABCD'")
    text = raw.strip()
    platform, sep, user_id = text.partition(":")
    if not sep or not _PLATFORM.match(platform) or not user_id:
        fits = [p for p in PLATFORMS if _user_id_problem(p, text) is None]
        likely = [p for p in fits if p != "shell"] or fits or ["slack"]
        raise ValueError(
            f"{text!r} does not say which platform it is on: write "
            + " or ".join(f"'{p}:{text}'" for p in likely)
            + " (every id starts with its platform: slack:, discord:, matrix: or shell:)"
        )
    problem = _user_id_problem(platform, user_id)
    if problem:
        raise ValueError(f"{text!r}: {problem}")
    return CoordinatorId(platform=platform, user_id=user_id)


def _user_id_problem(platform: str, user_id: str) -> str | None:
    if platform == "slack" and not _SLACK_USER.match(user_id):
        return "Slack user ids look like U0123ABCD (a profile's ⋮ menu → Copy member ID)"
    if platform == "discord" and not _SNOWFLAKE.match(user_id):
        return "Discord user ids are digits only (Developer Mode → right-click → Copy User ID)"
    if platform == "matrix" and not _MATRIX_USER.match(user_id):
        return "Matrix user ids look like @alice:example.org"
    if platform == "shell" and not _SHELL_NAME.match(user_id):
        return "shell names are one word, as typed after /as"
    return None


__all__ = [
    "BINDING_TYPES",
    "PLATFORMS",
    "Binding",
    "Bindings",
    "CoordinatorId",
    "DiscordBinding",
    "MatrixBinding",
    "ShellBinding",
    "SlackBinding",
    "parse_coordinator",
    "settings_of",
]

"""Who may use coordinator verbs for a program.

Listed coordinators (`coordinators: [slack:U0123, shell:ana]`) on their own platform; platform
admins, and holders of the binding's `coordinator_role` (Discord) or `coordinator_power_level`
(Matrix), in the workspaces where the program is bound. A program without `platforms` applies
everywhere, so admins of any workspace coordinate it, as before bindings existed.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.identity import PlatformUser
from core.ports import ChatPort, UserInfo
from core.programs.bindings import DiscordBinding, MatrixBinding
from core.programs.program import Program


async def coordinates(port: ChatPort, user: PlatformUser, programs: Iterable[Program]) -> bool:
    """Coordinates at least one of `programs` (the platform is asked at most once)."""
    info: UserInfo | None = None
    for program in programs:
        if program.lists_coordinator(user):
            return True
        if not program.applies_in(user.platform, user.workspace_id):
            continue
        info = info or await port.user_info(user)
        if grants(program, user, info):
            return True
    return False


def grants(program: Program, user: PlatformUser, info: UserInfo) -> bool:
    """What the platform says about `user` makes them a coordinator of `program` here."""
    if not program.applies_in(user.platform, user.workspace_id):
        return False
    if info.is_admin:
        return True
    binding = program.binding(user.platform)
    if isinstance(binding, DiscordBinding) and binding.coordinator_role is not None:
        return binding.coordinator_role in info.roles
    if isinstance(binding, MatrixBinding) and binding.coordinator_power_level is not None:
        level = info.power_levels.get(binding.power_room or "")
        return level is not None and level >= binding.coordinator_power_level
    return False


def power_rooms(programs: Iterable[Program]) -> frozenset[str]:
    """The Matrix rooms whose power levels name coordinators: the rooms a Matrix adapter
    reports in `UserInfo.power_levels`."""
    rooms: set[str] = set()
    for program in programs:
        binding = program.binding("matrix")
        if isinstance(binding, MatrixBinding) and binding.coordinator_power_level is not None:
            rooms.add(binding.power_room or "")
    return frozenset(rooms - {""})

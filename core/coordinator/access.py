"""Who may use coordinator verbs: listed coordinators and the platform workspace's admins."""

from __future__ import annotations

from collections.abc import Iterable

from core.identity import PlatformUser
from core.ports import ChatPort
from core.programs.program import Program


async def coordinates(port: ChatPort, user: PlatformUser, programs: Iterable[Program]) -> bool:
    """Listed as a coordinator of one of `programs`, or an admin of the platform workspace."""
    if any(user.user_id in program.coordinators for program in programs):
        return True
    return (await port.user_info(user)).is_admin

"""What a platform's match spaces are, read from the database (not from an adapter's memory).

An adapter that keeps no state of its own between runs (the shell) asks for its spaces after a
restart: each match's space, its topic and its members' user ids, and whether it was archived.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.content import plain
from core.domain import MatchStatus, Participant
from core.identity import SpaceRef
from core.ports import UnitOfWork
from core.programs.program import Program, Role


@dataclass(frozen=True, slots=True)
class SpaceInfo:
    """One match's space as a platform should know it."""

    space: SpaceRef
    topic: str
    members: tuple[str, ...]  # platform user ids, mentors first
    archived: bool


async def spaces_of(
    uow: UnitOfWork, programs: list[Program], platform: str, workspace: str
) -> list[SpaceInfo]:
    """Every match space the programs made on `platform` in `workspace`, oldest first."""
    found: list[SpaceInfo] = []
    workspace_id = await uow.workspaces.ensure(platform, workspace)
    for program in programs:
        state = await uow.programs.ensure(workspace_id, program.id)
        statuses = (MatchStatus.ACTIVE, MatchStatus.ENDED)
        for match in await uow.matches.list(state.id, statuses):
            space = match.space
            if space is None or space.platform != platform or space.workspace_id != workspace:
                continue
            people: list[Participant] = []
            for participant_id in match.ids(Role.MENTOR) + match.ids(Role.MENTEE):
                person = await uow.participants.get(participant_id)
                if person is not None and not person.forgotten:  # forget-me took them out
                    people.append(person)
            topic = plain(f"{program.name}: " + " & ".join(p.safe_name for p in people))
            found.append(
                SpaceInfo(
                    space=space,
                    topic=topic,
                    members=tuple(p.user.user_id for p in people),
                    archived=match.status is MatchStatus.ENDED,
                )
            )
    return found

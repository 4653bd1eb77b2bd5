"""Enrolling a whole roster at once, for programs moving over from a spreadsheet.

Answers are validated exactly like questionnaire answers (the roster parser does it); the
import runs in one transaction, so a bad row leaves nothing half-imported. Re-importing the
same roster updates people instead of duplicating them. History pairs become ended matches
of a "cycle 0", which the matching engine then treats as earlier pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import Cycle, MatchMember, MatchRecord, MatchStatus, Participant, ParticipantStatus
from core.identity import PlatformUser
from core.matching import Roster
from core.ports import Store
from core.programs.answers import unstorable_problem
from core.programs.program import Program, Role


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    updated: int
    history: int


async def import_roster(
    store: Store,
    program: Program,
    roster: Roster,
    *,
    platform: str,
    workspace: str,
    now: datetime,
) -> ImportSummary:
    """Enrol everyone in `roster` and record its history, all in one transaction.

    The writes are bulk (`enrol_many`, `add_many`): a few statements for the whole roster,
    not one per person and answer.
    """
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure(platform, workspace)
        state = await uow.programs.ensure(workspace_id, program.id)
        enrolled = await uow.participants.enrol_many(
            [
                Participant(
                    state.id,
                    PlatformUser(platform, workspace, candidate.id),
                    candidate.id,
                    joined_at=now,
                    roles=candidate.roles,
                    answers=dict(candidate.answers),
                    capacity=candidate.capacity if Role.MENTOR in candidate.roles else 0,
                    status=ParticipantStatus.ACTIVE,
                    paused_until=None,
                )
                for candidate in roster.candidates
            ]
        )
        ids = {user.user_id: key for user, key in enrolled.ids.items()}
        pairs = sorted(roster.history)
        if pairs:
            cycle = await uow.cycles.current(state.id)
            if cycle is None:
                cycle = await uow.cycles.add(Cycle(0, state.id, 0, now, now))
            await uow.matches.add_many(
                [
                    MatchRecord(
                        program_state_id=state.id,
                        cycle_id=cycle.id,
                        members=(
                            MatchMember(ids[mentor], Role.MENTOR),
                            MatchMember(ids[mentee], Role.MENTEE),
                        ),
                        score=0.0,
                        explanation=["imported history"],
                        created_at=now,
                        idempotency_key=f"history:{state.id}:{ids[mentee]}:{ids[mentor]}",
                        status=MatchStatus.ENDED,
                        introduced_at=now,
                        ended_at=now,
                    )
                    for mentee, mentor in pairs
                ]
            )
    created = enrolled.created
    return ImportSummary(created, len(roster.candidates) - created, len(pairs))


def target_problem(platform: str, workspace: str) -> str | None:
    """Why people cannot be enrolled on `platform` in `workspace` (None when they can).

    Both name where the participants are: empty (or blank) names or text the database would
    refuse are refused before anything is written.
    """
    for option, value in (("--platform", platform), ("--workspace", workspace)):
        if not value.strip():
            return f"{option} is empty; name the {option[2:]} the people of the roster are in"
        problem = unstorable_problem(value)
        if problem:
            return f"{option} {value!r}: {problem}"
    return None

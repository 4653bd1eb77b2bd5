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
    created = updated = 0
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure(platform, workspace)
        state = await uow.programs.ensure(workspace_id, program.id)
        ids: dict[str, int] = {}
        for candidate in roster.candidates:
            user = PlatformUser(platform, workspace, candidate.id)
            person = await uow.participants.find(state.id, user)
            fields = {
                "roles": candidate.roles,
                "answers": dict(candidate.answers),
                "capacity": candidate.capacity if Role.MENTOR in candidate.roles else 0,
                "status": ParticipantStatus.ACTIVE,
                "paused_until": None,
            }
            if person is None:
                person = await uow.participants.add(
                    Participant(state.id, user, candidate.id, joined_at=now, **fields)
                )
                created += 1
            else:
                for name, value in fields.items():
                    setattr(person, name, value)
                await uow.participants.save(person)
                updated += 1
            ids[candidate.id] = person.key
        pairs = sorted(roster.history)
        if pairs:
            cycle = await uow.cycles.current(state.id)
            if cycle is None:
                cycle = await uow.cycles.add(Cycle(0, state.id, 0, now, now))
            for mentee, mentor in pairs:
                await uow.matches.add(
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
                )
    return ImportSummary(created, updated, len(pairs))


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

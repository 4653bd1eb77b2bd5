"""Planning reminders when things happen: a match opens, a request is sent, someone pauses.

Each reminder is moved out of its recipients' quiet hours and keyed so that planning the same
thing twice keeps one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.domain import MatchRecord, MentorRequest, Participant
from core.identity import PlatformUser
from core.ports import UnitOfWork
from core.programs.program import Program, Role
from core.reminders.outbox import Reminder, match_recipient, participant_recipient
from core.reminders.quiet_hours import waking_time

ONBOARDING_NUDGE = timedelta(days=2)
END_NOTICE = timedelta(days=7)


def _zones(people: Sequence[Participant]) -> list[str | None]:
    return [p.answers.get("timezone") for p in people]


async def plan_reminder(
    uow: UnitOfWork,
    program: Program,
    kind: str,
    key: str,
    due: datetime,
    people: Sequence[Participant],
    *,
    state_id: int,
    match_id: int | None = None,
    participant_id: int | None = None,
    payload: dict[str, object] | None = None,
) -> None:
    """Plan one reminder, moved out of the recipients' quiet hours."""
    recipient = (
        match_recipient(match_id)
        if match_id is not None and participant_id is None
        else participant_recipient(participant_id or 0)
    )
    await uow.reminders.plan(
        Reminder(
            kind=kind,
            program_state_id=state_id,
            recipient=recipient,
            due_at=waking_time(due, _zones(people), program.cadence.quiet_hours),
            idempotency_key=key,
            participant_id=participant_id,
            match_id=match_id,
            payload=dict(payload or {}),
        )
    )


async def members_of(uow: UnitOfWork, match: MatchRecord) -> list[Participant]:
    """Mentors first, then mentees; people who deleted themselves are skipped."""
    people = []
    for pid in match.ids(Role.MENTOR) + match.ids(Role.MENTEE):
        person = await uow.participants.get(pid)
        if person is not None:
            people.append(person)
    return people


async def plan_match_start(
    uow: UnitOfWork, program: Program, match: MatchRecord, now: datetime
) -> None:
    """A match's life: check-ins, the inactivity watch, goals, feedback and its cycle's end."""
    people = await members_of(uow, match)
    cadence, mid = program.cadence, timedelta(days=program.cycle.length_days / 2)
    state = match.program_state_id
    await plan_reminder(
        uow,
        program,
        "checkin",
        f"checkin:{match.key}:1",
        now + timedelta(days=cadence.checkin_every_days),
        people,
        state_id=state,
        match_id=match.key,
        payload={"number": 1},
    )
    await plan_reminder(
        uow,
        program,
        "inactivity",
        f"inactivity:{match.key}:1",
        now + timedelta(days=cadence.nudge_after_days),
        people,
        state_id=state,
        match_id=match.key,
    )
    for person in people:
        if person.key in match.ids(Role.MENTEE):
            await plan_reminder(
                uow,
                program,
                "goals",
                f"goals:{match.key}:{person.key}",
                now,
                [person],
                state_id=state,
                match_id=match.key,
                participant_id=person.key,
            )
        await plan_reminder(
            uow,
            program,
            "feedback",
            f"feedback:{match.key}:{person.key}:mid",
            now + mid,
            [person],
            state_id=state,
            match_id=match.key,
            participant_id=person.key,
            payload={"kind": "mid"},
        )
    if match.ends_at is not None:
        await plan_cycle_end(uow, program, match, people)


async def plan_cycle_end(
    uow: UnitOfWork, program: Program, match: MatchRecord, people: Sequence[Participant]
) -> None:
    assert match.ends_at is not None
    day = f"{match.ends_at:%Y%m%d}"
    state = match.program_state_id
    await plan_reminder(
        uow,
        program,
        "cycle_end_ask",
        f"cycle-end-ask:{match.key}:{day}",
        match.ends_at - END_NOTICE,
        people,
        state_id=state,
        match_id=match.key,
    )
    # a deadline, not a message: it is not moved out of quiet hours
    await uow.reminders.plan(
        Reminder(
            kind="cycle_end",
            program_state_id=state,
            recipient=match_recipient(match.key),
            due_at=match.ends_at,
            idempotency_key=f"cycle-end:{match.key}:{day}",
            match_id=match.key,
        )
    )


async def plan_onboarding_nudge(
    uow: UnitOfWork, program: Program, participant: Participant, now: datetime
) -> None:
    await plan_reminder(
        uow,
        program,
        "onboarding",
        f"onboarding:{participant.key}",
        now + ONBOARDING_NUDGE,
        [participant],
        state_id=participant.program_state_id,
        participant_id=participant.key,
    )


async def plan_request(
    uow: UnitOfWork, program: Program, request: MentorRequest, mentor: Participant
) -> None:
    """A reminder to the mentor half-way to the deadline, then the expiry itself."""
    halfway = request.created_at + (request.expires_at - request.created_at) / 2
    state = request.program_state_id
    await plan_reminder(
        uow,
        program,
        "request_reminder",
        f"request-reminder:{request.key}",
        halfway,
        [mentor],
        state_id=state,
        participant_id=mentor.key,
        payload={"request": request.key},
    )
    # a deadline, not a message: it is not moved out of quiet hours
    await uow.reminders.plan(
        Reminder(
            kind="request_expiry",
            program_state_id=state,
            recipient=participant_recipient(request.mentee_id),
            due_at=request.expires_at,
            idempotency_key=f"request-expiry:{request.key}",
            participant_id=request.mentee_id,
            payload={"request": request.key},
        )
    )


async def plan_resume(uow: UnitOfWork, program: Program, participant: Participant) -> None:
    if participant.paused_until is None:
        return
    await uow.reminders.plan(
        Reminder(
            kind="resume",
            program_state_id=participant.program_state_id,
            recipient=participant_recipient(participant.key),
            due_at=participant.paused_until,
            idempotency_key=f"resume:{participant.key}:{participant.paused_until:%Y%m%d%H%M}",
            participant_id=participant.key,
        )
    )


async def schedule_round(
    uow: UnitOfWork, state_id: int, coordinator: PlatformUser, runs_at: datetime, now: datetime
) -> None:
    """A heads-up to everyone waiting, now; the round itself at `runs_at`."""
    stamp = f"{state_id}:{runs_at:%Y%m%d%H%M}"
    common = {"runs_at": runs_at.isoformat(), "coordinator": coordinator.user_id}
    for kind, due in (("round_notice", now), ("round", runs_at)):
        await uow.reminders.plan(
            Reminder(
                kind=kind,
                program_state_id=state_id,
                recipient=f"program:{state_id}",
                due_at=due,
                idempotency_key=f"{kind}:{stamp}",
                payload=dict(common),
            )
        )

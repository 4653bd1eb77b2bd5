"""Constraints, cascades, transactions and concurrent `ensure`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import OnboardingSession, OnboardingStep, Participant
from core.identity import PlatformUser
from core.programs.program import Role
from storage.engine import create_engine
from storage.store import SqlStore
from storage.tables import (
    AnswerRow,
    CycleRow,
    MatchMemberRow,
    MatchRow,
    OnboardingSessionRow,
    ParticipantRow,
    ProgramStateRow,
    ReminderRow,
    SpaceRow,
    WorkspaceRow,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _person(program_state_id: int, user_id: str, **answers: Any) -> Participant:
    return Participant(
        program_state_id=program_state_id,
        user=PlatformUser("discord", "G1", user_id),
        display_name=user_id,
        joined_at=T0,
        roles=frozenset({Role.MENTEE}),
        answers=answers,
    )


async def _count(session: AsyncSession, table: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _graph(store: SqlStore) -> dict[str, int]:
    """A program with two participants in a match, with a space, reminders and onboarding."""
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure("discord", "G1")
        program = await uow.programs.ensure(workspace_id, "default")
        mentor = await uow.participants.add(_person(program.id, "mentor", bio="hi"))
        mentee = await uow.participants.add(_person(program.id, "mentee", topics=["python"]))
        assert mentor.id is not None
        assert mentee.id is not None
        await uow.onboarding.save(OnboardingSession(mentee.id, OnboardingStep.POLICY, T0, T0))
        session = uow.session
        cycle = CycleRow(
            program_state_id=program.id, number=1, starts_at=T0, ends_at=T0 + timedelta(days=90)
        )
        session.add(cycle)
        await session.flush()
        assert cycle.id is not None
        match = MatchRow(
            program_state_id=program.id,
            cycle_id=cycle.id,
            status="active",
            score=3.5,
            explanation=[{"rule": "overlap", "score": 3.0}, {"rule": "timezone", "score": 0.5}],
            created_at=T0,
            idempotency_key="cycle-1:mentee",
        )
        session.add(match)
        await session.flush()
        assert match.id is not None
        session.add_all(
            [
                MatchMemberRow(match_id=match.id, participant_id=mentor.id, role="mentor"),
                MatchMemberRow(match_id=match.id, participant_id=mentee.id, role="mentee"),
                SpaceRow(
                    match_id=match.id,
                    platform="discord",
                    workspace_id="G1",
                    external_id="C1",
                    name="mentoring-1",
                ),
                ReminderRow(
                    kind="checkin",
                    program_state_id=program.id,
                    match_id=match.id,
                    due_at=T0 + timedelta(days=14),
                    attempt_at=T0 + timedelta(days=14),
                    idempotency_key="checkin:1:1",
                    payload={"n": 1},
                ),
                ReminderRow(
                    kind="request",
                    program_state_id=program.id,
                    participant_id=mentee.id,
                    due_at=T0 + timedelta(days=5),
                    attempt_at=T0 + timedelta(days=5),
                    idempotency_key="request:mentee",
                    payload={},
                ),
            ]
        )
        await session.flush()
        return {
            "workspace": workspace_id,
            "program": program.id,
            "mentor": mentor.id,
            "mentee": mentee.id,
            "cycle": cycle.id,
            "match": match.id,
        }


# unique constraints --------------------------------------------------------------------------


async def test_one_participant_per_user_and_program(store: SqlStore) -> None:
    ids = await _graph(store)
    with pytest.raises(IntegrityError):
        async with store.transaction() as uow:
            await uow.participants.add(_person(ids["program"], "mentor"))
    # The same person may join another program.
    async with store.transaction() as uow:
        other = await uow.programs.ensure(ids["workspace"], "other")
        assert (await uow.participants.add(_person(other.id, "mentor"))).id is not None


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda ids: WorkspaceRow(platform="discord", external_id="G1"), id="workspace"
        ),
        pytest.param(
            lambda ids: ProgramStateRow(workspace_id=ids["workspace"], program_key="default"),
            id="program",
        ),
        pytest.param(
            lambda ids: AnswerRow(participant_id=ids["mentor"], question_id="bio", value="again"),
            id="answer",
        ),
        pytest.param(
            lambda ids: CycleRow(
                program_state_id=ids["program"], number=1, starts_at=T0, ends_at=T0
            ),
            id="cycle-number",
        ),
        pytest.param(
            lambda ids: MatchRow(
                program_state_id=ids["program"],
                cycle_id=ids["cycle"],
                explanation=[],
                created_at=T0,
                idempotency_key="cycle-1:mentee",
            ),
            id="match-idempotency-key",
        ),
        pytest.param(
            lambda ids: SpaceRow(
                match_id=ids["match"],
                platform="discord",
                workspace_id="G1",
                external_id="C2",
                name="second space",
            ),
            id="one-space-per-match",
        ),
        pytest.param(
            lambda ids: ReminderRow(
                kind="checkin",
                program_state_id=ids["program"],
                due_at=T0,
                attempt_at=T0,
                idempotency_key="checkin:1:1",
                payload={},
            ),
            id="reminder-idempotency-key",
        ),
        pytest.param(
            lambda ids: MatchMemberRow(
                match_id=ids["match"], participant_id=ids["mentor"], role="mentee"
            ),
            id="member-once-per-match",
        ),
        pytest.param(
            lambda ids: MatchRow(
                program_state_id=ids["program"],
                cycle_id=ids["cycle"],
                status="maybe",
                explanation=[],
                created_at=T0,
                idempotency_key="other",
            ),
            id="match-status-check",
        ),
        pytest.param(
            lambda ids: ReminderRow(
                kind="x",
                program_state_id=ids["program"],
                due_at=T0,
                attempt_at=T0,
                status="lost",
                idempotency_key="other",
                payload={},
            ),
            id="reminder-status-check",
        ),
        pytest.param(
            lambda ids: AnswerRow(participant_id=987654, question_id="bio", value="x"),
            id="answer-needs-participant",
        ),
    ],
)
async def test_constraints_refuse_bad_rows(store: SqlStore, make: Any) -> None:
    ids = await _graph(store)

    async def insert() -> None:
        async with store.transaction() as uow:
            uow.session.add(make(ids))
            await uow.session.flush()

    with pytest.raises(IntegrityError):
        await insert()


# cascades ------------------------------------------------------------------------------------


async def test_deleting_a_participant_cascades_to_what_is_theirs(store: SqlStore) -> None:
    ids = await _graph(store)
    async with store.transaction() as uow:
        await uow.participants.delete(ids["mentee"])
    async with store.transaction() as uow:
        session = uow.session
        assert await _count(session, OnboardingSessionRow) == 0
        members = list(await session.scalars(select(MatchMemberRow.participant_id)))
        assert members == [ids["mentor"]]
        reminders = list(await session.scalars(select(ReminderRow.kind)))
        assert reminders == ["checkin"]  # the match's reminder stays, the mentee's is gone
        answers = list(await session.scalars(select(AnswerRow.participant_id)))
        assert answers == [ids["mentor"]]
        assert await _count(session, MatchRow) == 1


async def test_deleting_a_match_removes_members_space_and_reminders(store: SqlStore) -> None:
    ids = await _graph(store)
    async with store.transaction() as uow:
        await uow.session.execute(delete(MatchRow).where(MatchRow.id == ids["match"]))
    async with store.transaction() as uow:
        assert await _count(uow.session, MatchMemberRow) == 0
        assert await _count(uow.session, SpaceRow) == 0
        assert list(await uow.session.scalars(select(ReminderRow.kind))) == ["request"]
        assert await _count(uow.session, ParticipantRow) == 2


async def test_deleting_a_workspace_removes_everything_under_it(store: SqlStore) -> None:
    ids = await _graph(store)
    async with store.transaction() as uow:
        await uow.session.execute(delete(WorkspaceRow).where(WorkspaceRow.id == ids["workspace"]))
    async with store.transaction() as uow:
        for table in (
            ProgramStateRow,
            ParticipantRow,
            AnswerRow,
            OnboardingSessionRow,
            CycleRow,
            MatchRow,
            MatchMemberRow,
            SpaceRow,
            ReminderRow,
        ):
            assert await _count(uow.session, table) == 0, table.__tablename__


async def test_the_graph_reads_back_with_json_and_utc(store: SqlStore) -> None:
    ids = await _graph(store)
    async with store.transaction() as uow:
        match = await uow.session.get(MatchRow, ids["match"])
        reminder = await uow.session.scalar(
            select(ReminderRow).where(ReminderRow.kind == "checkin")
        )
    assert match is not None
    assert reminder is not None
    assert match.explanation[0] == {"rule": "overlap", "score": 3.0}
    assert match.created_at == T0
    assert reminder.due_at.utcoffset() == timedelta(0)
    assert (reminder.status, reminder.attempts, reminder.payload) == ("pending", 0, {"n": 1})


# transactions --------------------------------------------------------------------------------


async def test_an_exception_rolls_the_whole_transaction_back(store: SqlStore) -> None:
    class Boom(Exception):
        pass

    async def enrol_then_fail() -> None:
        async with store.transaction() as uow:
            workspace_id = await uow.workspaces.ensure("slack", "T1")
            program = await uow.programs.ensure(workspace_id, "default")
            added = await uow.participants.add(_person(program.id, "U1", bio="x"))
            assert added.id is not None
            await uow.onboarding.save(OnboardingSession(added.id, OnboardingStep.ROLE, T0, T0))
            raise Boom

    with pytest.raises(Boom):
        await enrol_then_fail()
    async with store.transaction() as uow:
        for table in (WorkspaceRow, ProgramStateRow, ParticipantRow, AnswerRow):
            assert await _count(uow.session, table) == 0
        assert await _count(uow.session, OnboardingSessionRow) == 0


async def test_a_normal_exit_commits(store: SqlStore) -> None:
    async with store.transaction() as uow:
        await uow.workspaces.ensure("slack", "T1")
    other = SqlStore(store.engine)
    async with other.transaction() as uow:
        assert await _count(uow.session, WorkspaceRow) == 1


async def test_a_failed_statement_does_not_keep_earlier_work(store: SqlStore) -> None:
    ids = await _graph(store)

    async def ensure_then_duplicate() -> None:
        async with store.transaction() as uow:
            await uow.workspaces.ensure("slack", "new")
            await uow.participants.add(_person(ids["program"], "mentor"))  # duplicate

    with pytest.raises(IntegrityError):
        await ensure_then_duplicate()
    async with store.transaction() as uow:
        assert await _count(uow.session, WorkspaceRow) == 1


# two instances -------------------------------------------------------------------------------


async def test_concurrent_ensure_from_two_instances_agrees(database_url: str) -> None:
    """Instance A inserts and holds its transaction open; instance B ensures the same workspace
    meanwhile. B must wait and then see A's row — neither fails, both get the same id."""
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        from storage.migrate import upgrade

        await upgrade(first)
        a, b = SqlStore(first), SqlStore(second)
        inserted = asyncio.Event()

        async def instance_a() -> tuple[int, int]:
            async with a.transaction() as uow:
                workspace_id = await uow.workspaces.ensure("slack", "T-race")
                program = await uow.programs.ensure(workspace_id, "default")
                inserted.set()
                await asyncio.sleep(0.3)  # B is blocked on our uncommitted rows meanwhile
                return workspace_id, program.id

        async def instance_b() -> tuple[int, int]:
            await inserted.wait()
            async with b.transaction() as uow:
                workspace_id = await uow.workspaces.ensure("slack", "T-race")
                program = await uow.programs.ensure(workspace_id, "default")
                return workspace_id, program.id

        result_a, result_b = await asyncio.wait_for(
            asyncio.gather(instance_a(), instance_b()), timeout=20
        )
        assert result_a == result_b
        async with a.transaction() as uow:
            assert await _count(uow.session, WorkspaceRow) == 1
            assert await _count(uow.session, ProgramStateRow) == 1
    finally:
        await first.dispose()
        await second.dispose()

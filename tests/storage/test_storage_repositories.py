"""Every repository method, round-tripped through SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, select

from core.domain import (
    OnboardingSession,
    OnboardingStep,
    Participant,
    ParticipantStatus,
    ProgramState,
)
from core.identity import PlatformUser
from core.programs.program import Role
from storage.store import SqlStore
from storage.tables import AnswerRow

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=1))

ANSWERS: dict[str, Any] = {
    "bio": "Hi, I'm Ada — I like Python 🐍",
    "years_experience": 12,
    "hours_per_month": 2.5,
    "topics_offered": ["python", "leadership"],
    "languages": [],
    "goals": None,
    "timezone": "+05:30",
}


async def _program(store: SqlStore, key: str = "default") -> ProgramState:
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure("slack", "T123")
        return await uow.programs.ensure(workspace_id, key)


def _person(program: ProgramState, user_id: str = "U1", **changes: Any) -> Participant:
    participant = Participant(
        program_state_id=program.id,
        user=PlatformUser("slack", "T123", user_id),
        display_name=f"User {user_id}",
        joined_at=T0,
    )
    return replace(participant, **changes)


async def _add(store: SqlStore, participant: Participant) -> Participant:
    async with store.transaction() as uow:
        return await uow.participants.add(participant)


# workspaces and programs ---------------------------------------------------------------------


async def test_workspace_ensure_returns_the_same_id(store: SqlStore) -> None:
    async with store.transaction() as uow:
        first = await uow.workspaces.ensure("slack", "T123")
        again = await uow.workspaces.ensure("slack", "T123")
        other_platform = await uow.workspaces.ensure("discord", "T123")
    async with store.transaction() as uow:
        later = await uow.workspaces.ensure("slack", "T123")
    assert first == again == later
    assert other_platform != first


async def test_program_ensure_creates_once_with_enrolment_open(store: SqlStore) -> None:
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure("matrix", "example.org")
        state = await uow.programs.ensure(workspace_id, "default")
        again = await uow.programs.ensure(workspace_id, "default")
        other = await uow.programs.ensure(workspace_id, "second")
    assert state == again
    assert state == ProgramState(state.id, workspace_id, "default", enrolment_open=True)
    assert other.id != state.id


async def test_program_save_persists_enrolment(store: SqlStore) -> None:
    state = await _program(store)
    async with store.transaction() as uow:
        await uow.programs.save(replace(state, enrolment_open=False))
    async with store.transaction() as uow:
        reloaded = await uow.programs.ensure(state.workspace_id, "default")
    assert reloaded.enrolment_open is False


async def test_program_save_of_unknown_state_fails(store: SqlStore) -> None:
    with pytest.raises(LookupError):
        async with store.transaction() as uow:
            await uow.programs.save(ProgramState(id=999, workspace_id=1, program_key="x"))


# participants --------------------------------------------------------------------------------


async def test_participant_round_trip_keeps_every_field(store: SqlStore) -> None:
    program = await _program(store)
    original = _person(
        program,
        display_name="Ada Lovelace",
        roles=frozenset({Role.MENTOR, Role.MENTEE}),
        status=ParticipantStatus.PAUSED,
        capacity=3,
        paused_until=datetime(2025, 4, 1, 12, 0, tzinfo=BERLIN),
        policy_accepted_at=T0 + timedelta(minutes=5),
        answers=dict(ANSWERS),
    )
    added = await _add(store, original)
    assert added.id is not None
    assert original.id is None  # the argument is left alone
    assert replace(added, id=None) == original

    async with store.transaction() as uow:
        by_id = await uow.participants.get(added.id)
        by_user = await uow.participants.find(program.id, original.user)
    assert by_id == added
    assert by_user == added


async def test_datetimes_come_back_aware_utc_and_equal(store: SqlStore) -> None:
    program = await _program(store)
    paused_until = datetime(2025, 4, 1, 12, 0, 0, 1, tzinfo=BERLIN)
    added = await _add(store, _person(program, paused_until=paused_until))
    async with store.transaction() as uow:
        loaded = await uow.participants.get(added.id or 0)
    assert loaded is not None
    assert loaded.joined_at == T0
    assert loaded.joined_at.tzinfo is not None
    assert loaded.joined_at.utcoffset() == timedelta(0)
    assert loaded.paused_until == paused_until
    assert loaded.paused_until is not None
    assert loaded.paused_until.utcoffset() == timedelta(0)
    assert loaded.paused_until.hour == 11  # 12:00 at +01:00, in UTC
    assert loaded.policy_accepted_at is None


async def test_answers_json_types_survive(store: SqlStore) -> None:
    program = await _program(store)
    added = await _add(store, _person(program, answers=dict(ANSWERS)))
    async with store.transaction() as uow:
        loaded = await uow.participants.get(added.id or 0)
    assert loaded is not None
    assert loaded.answers == ANSWERS
    assert type(loaded.answers["years_experience"]) is int
    assert type(loaded.answers["hours_per_month"]) is float
    assert loaded.answers["goals"] is None


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    program = await _program(store)
    with pytest.raises(Exception, match="naive datetime"):
        await _add(store, _person(program, joined_at=datetime(2025, 1, 1)))


async def test_values_that_are_not_json_are_refused(store: SqlStore) -> None:
    program = await _program(store)
    with pytest.raises(ValueError, match="not storable as JSON"):
        await _add(store, _person(program, answers={"when": T0}))


async def test_find_and_get_of_nobody(store: SqlStore) -> None:
    program = await _program(store)
    await _add(store, _person(program, "U1"))
    async with store.transaction() as uow:
        assert await uow.participants.get(12345) is None
        assert await uow.participants.find(program.id, PlatformUser("slack", "T123", "U2")) is None
        # Same user id on another platform or workspace is someone else.
        assert (
            await uow.participants.find(program.id, PlatformUser("discord", "T123", "U1")) is None
        )
        assert await uow.participants.find(program.id, PlatformUser("slack", "T999", "U1")) is None


async def test_save_updates_fields_and_replaces_answers(store: SqlStore) -> None:
    program = await _program(store)
    added = await _add(
        store, _person(program, answers={"bio": "old", "years_experience": 1, "goals": ["a"]})
    )
    changed = replace(
        added,
        display_name="Renamed",
        roles=frozenset({Role.MENTEE}),
        status=ParticipantStatus.ACTIVE,
        capacity=2,
        policy_accepted_at=T0 + timedelta(days=1),
        # bio changed, years_experience removed, goals unchanged, timezone new
        answers={"bio": "new", "goals": ["a"], "timezone": "Europe/Berlin"},
    )
    async with store.transaction() as uow:
        await uow.participants.save(changed)
    async with store.transaction() as uow:
        loaded = await uow.participants.get(added.id or 0)
        rows = list(
            await uow.session.scalars(
                select(AnswerRow.question_id).where(AnswerRow.participant_id == added.id)
            )
        )
    assert loaded == changed
    assert sorted(rows) == ["bio", "goals", "timezone"]


async def test_save_tells_numbers_from_booleans(store: SqlStore) -> None:
    program = await _program(store)
    added = await _add(store, _person(program, answers={"n": 1, "x": 2}))
    async with store.transaction() as uow:
        await uow.participants.save(replace(added, answers={"n": True, "x": 2.0}))
    async with store.transaction() as uow:
        loaded = await uow.participants.get(added.id or 0)
    assert loaded is not None
    assert loaded.answers["n"] is True
    assert type(loaded.answers["x"]) is float


async def test_save_with_no_answers_deletes_them_all(store: SqlStore) -> None:
    program = await _program(store)
    added = await _add(store, _person(program, answers=dict(ANSWERS)))
    async with store.transaction() as uow:
        await uow.participants.save(replace(added, answers={}))
    async with store.transaction() as uow:
        loaded = await uow.participants.get(added.id or 0)
    assert loaded is not None
    assert loaded.answers == {}


async def test_save_of_unknown_or_unsaved_participant_fails(store: SqlStore) -> None:
    program = await _program(store)
    with pytest.raises(ValueError, match="no id"):
        async with store.transaction() as uow:
            await uow.participants.save(_person(program))
    with pytest.raises(LookupError):
        async with store.transaction() as uow:
            await uow.participants.save(_person(program, id=999))


async def test_add_of_a_participant_with_an_id_fails(store: SqlStore) -> None:
    program = await _program(store)
    with pytest.raises(ValueError, match="already has an id"):
        await _add(store, _person(program, id=5))


async def test_returned_answers_are_copies(store: SqlStore) -> None:
    program = await _program(store)
    answers = {"topics": ["python"]}
    async with store.transaction() as uow:
        added = await uow.participants.add(_person(program, answers=answers))
        answers["topics"].append("design")  # the caller mutating its dict changes nothing
        added.answers["topics"].append("career")
        loaded = await uow.participants.get(added.id or 0)
        assert loaded is not None
        assert loaded.answers == {"topics": ["python"]}
        loaded.answers["topics"].append("leadership")
        await uow.participants.save(loaded)
    async with store.transaction() as uow:
        again = await uow.participants.get(added.id or 0)
    assert again is not None
    assert again.answers == {"topics": ["python", "leadership"]}


async def test_delete_removes_participant_answers_and_onboarding(store: SqlStore) -> None:
    program = await _program(store)
    added = await _add(store, _person(program, answers=dict(ANSWERS)))
    pid = added.id or 0
    async with store.transaction() as uow:
        await uow.onboarding.save(OnboardingSession(pid, OnboardingStep.POLICY, T0, T0))
        await uow.participants.get(pid)  # loaded into the session before the delete
        await uow.participants.delete(pid)
        assert await uow.participants.get(pid) is None
        assert await uow.onboarding.get(pid) is None
    async with store.transaction() as uow:
        assert await uow.participants.get(pid) is None
        assert await uow.onboarding.get(pid) is None
        left = list(
            await uow.session.scalars(select(AnswerRow).where(AnswerRow.participant_id == pid))
        )
        assert left == []
        await uow.participants.delete(pid)  # deleting nobody is fine


async def test_list_returns_everyone_with_answers_in_two_queries(store: SqlStore) -> None:
    program = await _program(store)
    other_program = await _program(store, "other")
    people = []
    for index in range(5):
        answers = {"n": index, "topics": ["python"] * index} if index != 2 else {}
        people.append(await _add(store, _person(program, f"U{index}", answers=answers)))
    await _add(store, _person(other_program, "U0", answers={"n": 99}))

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with store.transaction() as uow:
            listed = await uow.participants.list(program.id)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert listed == people
    assert listed[2].answers == {}
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2


async def test_list_of_an_empty_program(store: SqlStore) -> None:
    program = await _program(store)
    async with store.transaction() as uow:
        assert await uow.participants.list(program.id) == []


# onboarding ----------------------------------------------------------------------------------


async def test_onboarding_insert_update_get_delete(store: SqlStore) -> None:
    program = await _program(store)
    pid = (await _add(store, _person(program))).id or 0
    session = OnboardingSession(
        participant_id=pid,
        step=OnboardingStep.QUESTION,
        started_at=T0,
        updated_at=T0,
        roles=frozenset({Role.MENTEE}),
        question_id="topics_wanted",
        draft={"bio": "hi", "years": 3, "share": 0.5, "topics": ["a", "b"], "none": None},
    )
    async with store.transaction() as uow:
        assert await uow.onboarding.get(pid) is None
        await uow.onboarding.save(session)
    async with store.transaction() as uow:
        assert await uow.onboarding.get(pid) == session

    later = replace(
        session,
        step=OnboardingStep.POLICY,
        updated_at=T0 + timedelta(hours=1),
        roles=frozenset({Role.MENTEE, Role.MENTOR}),
        question_id=None,
        draft={"bio": "hello"},
    )
    async with store.transaction() as uow:
        await uow.onboarding.save(later)
    async with store.transaction() as uow:
        loaded = await uow.onboarding.get(pid)
    assert loaded == later
    assert loaded is not None
    assert loaded.updated_at.utcoffset() == timedelta(0)

    async with store.transaction() as uow:
        await uow.onboarding.delete(pid)
        assert await uow.onboarding.get(pid) is None
        await uow.onboarding.delete(pid)
    async with store.transaction() as uow:
        assert await uow.onboarding.get(pid) is None
        assert await uow.participants.get(pid) is not None  # only the progress is gone


async def test_onboarding_for_a_missing_participant_is_refused(store: SqlStore) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with store.transaction() as uow:
            await uow.onboarding.save(OnboardingSession(424242, OnboardingStep.ROLE, T0, T0))


async def test_memory_store_round_trip(memory_store: SqlStore) -> None:
    """The in-memory fixture core tests use keeps data across transactions."""
    program = await _program(memory_store)
    added = await _add(memory_store, _person(program, answers=dict(ANSWERS)))
    async with memory_store.transaction() as uow:
        assert await uow.participants.find(program.id, added.user) == added

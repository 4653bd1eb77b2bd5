"""Cycles, matches (members, spaces, idempotency) and mentee requests on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.domain import (
    Cycle,
    MatchMember,
    MatchRecord,
    MatchStatus,
    MentorRequest,
    Participant,
    RequestStatus,
)
from core.identity import PlatformUser, SpaceRef
from core.programs.program import Role
from storage.store import SqlStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _setup(store: SqlStore) -> tuple[int, Cycle, list[int]]:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws")
        state = await uow.programs.ensure(workspace, "mentoring")
        ids = []
        for name in ("ana", "ben", "cy"):
            person = await uow.participants.add(
                Participant(state.id, PlatformUser("fake", "ws", name), name, T0)
            )
            ids.append(person.key)
        cycle = await uow.cycles.add(Cycle(0, state.id, 1, T0, T0 + timedelta(days=90)))
        return state.id, cycle, ids


def _match(state: int, cycle: Cycle, mentee: int, mentor: int, key: str) -> MatchRecord:
    return MatchRecord(
        program_state_id=state,
        cycle_id=cycle.id,
        members=(MatchMember(mentor, Role.MENTOR), MatchMember(mentee, Role.MENTEE)),
        score=4.25,
        explanation=["You both speak Spanish"],
        created_at=T0,
        idempotency_key=key,
    )


async def test_matches_round_trip_with_members_and_space(store: SqlStore) -> None:
    state, cycle, (ana, ben, cy) = await _setup(store)
    async with store.transaction() as uow:
        assert (await uow.cycles.current(state)) == cycle
        first = await uow.matches.add(_match(state, cycle, ana, ben, "round-1:ana"))
        again = await uow.matches.add(_match(state, cycle, ana, ben, "round-1:ana"))
        assert again.id == first.id
        assert first.ids(Role.MENTEE) == [ana]
        assert first.ids(Role.MENTOR) == [ben]
        assert first.explanation == ["You both speak Spanish"]
        first.space = SpaceRef("fake", "ws", "C1", "mentoring-ana-ben")
        first.introduced_at = T0 + timedelta(minutes=1)
        await uow.matches.save(first)
    async with store.transaction() as uow:
        loaded = await uow.matches.get(first.key)
        assert loaded is not None
        assert loaded.space == SpaceRef("fake", "ws", "C1", "mentoring-ana-ben")
        assert loaded.introduced_at == T0 + timedelta(minutes=1)
        assert await uow.matches.by_space(loaded.space) == loaded
        assert [m.id for m in await uow.matches.for_participant(ben)] == [first.id]
        assert await uow.matches.for_participant(cy) == []
        assert await uow.matches.pairs(state) == {(ana, ben)}
        loaded.status, loaded.ended_at = MatchStatus.ENDED, T0 + timedelta(days=90)
        await uow.matches.save(loaded)
    async with store.transaction() as uow:
        assert await uow.matches.list(state) == []
        ended = await uow.matches.list(state, (MatchStatus.ENDED,))
        assert [m.status for m in ended] == [MatchStatus.ENDED]
        assert await uow.matches.pairs(state) == {(ana, ben)}  # history outlives the match


async def test_concurrent_adds_with_one_key_make_one_match(store: SqlStore) -> None:
    state, cycle, (ana, ben, _) = await _setup(store)

    async def add() -> int:
        async with store.transaction() as uow:
            return (await uow.matches.add(_match(state, cycle, ana, ben, "same-key"))).key

    ids = await asyncio.gather(add(), add())
    assert ids[0] == ids[1]
    async with store.transaction() as uow:
        assert len(await uow.matches.list(state)) == 1


async def test_requests(store: SqlStore) -> None:
    state, _, (ana, ben, cy) = await _setup(store)
    async with store.transaction() as uow:
        request = await uow.requests.add(
            MentorRequest(state, ana, ben, T0, T0 + timedelta(days=5), ["why"])
        )
        assert (await uow.requests.pending_for_mentee(ana)) == request
        assert [r.id for r in await uow.requests.pending_for_mentor(ben)] == [request.id]
        request.status, request.answered_at = RequestStatus.DECLINED, T0 + timedelta(hours=1)
        await uow.requests.save(request)
        await uow.locks.participant(ben)
    async with store.transaction() as uow:
        assert await uow.requests.pending_for_mentee(ana) is None
        assert await uow.requests.declined_pairs(state) == {(ana, ben)}
        loaded = await uow.requests.get(request.key)
        assert loaded is not None
        assert loaded.answered_at == T0 + timedelta(hours=1)
        missing = MentorRequest(state, cy, ben, T0, T0, id=9999)
        with pytest.raises(LookupError):
            await uow.requests.save(missing)


async def test_an_in_memory_store_takes_transactions_in_turn(memory_store: SqlStore) -> None:
    """One shared connection: concurrent transactions wait; a nested one fails loudly."""
    order: list[str] = []

    async def work(name: str) -> None:
        async with memory_store.transaction() as uow:
            order.append(f"{name} in")
            await uow.workspaces.ensure("fake", name)
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(work("a"), work("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    async with memory_store.transaction():
        with pytest.raises(RuntimeError, match="inside a transaction"):
            async with memory_store.transaction():
                pass

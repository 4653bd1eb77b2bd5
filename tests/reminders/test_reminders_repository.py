"""The SQL reminder outbox on both engines: planning, claiming, leases, outcomes, cancel."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from reminders_support import T0, minutes, participant, plan, program, reminder, rows

from core.reminders.outbox import ReminderStatus
from storage.store import SqlStore

LEASE = timedelta(hours=1)


async def _claim(
    store: SqlStore, at: datetime = T0, limit: int = 10, lease: timedelta = LEASE
) -> list[str]:
    async with store.transaction() as uow:
        return [r.idempotency_key for r in await uow.reminders.claim(at, limit, lease)]


async def test_plan_is_idempotent(store: SqlStore) -> None:
    state = await program(store)
    first = reminder(state, "k1", "participant:1", T0, payload={"n": 1.5})
    async with store.transaction() as uow:
        assert await uow.reminders.plan(first) is True
        assert await uow.reminders.plan(first) is False
    async with store.transaction() as uow:
        again = reminder(state, "k1", "participant:1", T0 + minutes(5))
        assert await uow.reminders.plan(again) is False
        batch = [reminder(state, f"k{n}", "participant:1", T0) for n in (1, 2, 3, 2)]
        assert await uow.reminders.plan_many(batch) == 2  # k1 exists, k2 twice in the batch
        assert await uow.reminders.plan_many([]) == 0
    stored = await rows(store)
    assert sorted(stored) == ["k1", "k2", "k3"]
    assert stored["k1"].due_at == T0  # the first plan wins
    assert stored["k1"].payload == {"n": 1.5}
    assert stored["k1"].attempt_at == T0  # attempt_at defaults to due_at
    assert stored["k1"].status == "pending"


async def test_plan_refuses_a_reminder_without_recipient(store: SqlStore) -> None:
    state = await program(store)
    async with store.transaction() as uow:
        with pytest.raises(ValueError, match="no recipient"):
            await uow.reminders.plan(reminder(state, "k", "", T0))


async def test_claim_takes_due_rows_oldest_first_up_to_the_limit(store: SqlStore) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "late", "r:1", T0 - minutes(1)),
        reminder(state, "early", "r:2", T0 - minutes(30)),
        reminder(state, "middle", "r:3", T0 - minutes(10)),
        reminder(state, "future", "r:4", T0 + minutes(1)),
        reminder(state, "retried", "r:5", T0 - minutes(60), attempt_at=T0 - minutes(20)),
    )
    assert await _claim(store, limit=2) == ["early", "retried"]
    assert await _claim(store, limit=10) == ["middle", "late"]
    assert await _claim(store) == []  # the future one waits
    assert await _claim(store, at=T0 + minutes(1)) == ["future"]
    stored = await rows(store)
    assert stored["early"].status == "claimed"
    assert stored["early"].attempts == 1
    assert stored["early"].claimed_at == T0
    async with store.transaction() as uow:
        assert await uow.reminders.claim(T0, 0, LEASE) == []


async def test_claimed_reminder_comes_back_whole(store: SqlStore) -> None:
    state = await program(store)
    ana = await participant(store, state, "ana")
    await plan(
        store,
        reminder(state, "k", "participant:1", T0, participant_id=ana, payload={"number": 2}),
    )
    async with store.transaction() as uow:
        (claimed,) = await uow.reminders.claim(T0, 10, LEASE)
        assert await uow.reminders.get(claimed.key) == claimed
    assert claimed.kind == "checkin"
    assert claimed.program_state_id == state
    assert claimed.participant_id == ana
    assert claimed.payload == {"number": 2}
    assert claimed.status is ReminderStatus.CLAIMED
    assert (claimed.attempts, claimed.claimed_at, claimed.due_at) == (1, T0, T0)


async def test_one_recipient_gets_one_reminder_at_a_time_in_due_order(store: SqlStore) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "second", "match:7", T0 - minutes(5)),
        reminder(state, "first", "match:7", T0 - minutes(10)),
        reminder(state, "tie-b", "match:8", T0 - minutes(10)),
        reminder(state, "tie-a", "match:8", T0 - minutes(10)),  # same due: lower id first
        reminder(state, "other", "match:9", T0 - minutes(5)),
    )
    assert sorted(await _claim(store)) == ["first", "other", "tie-b"]
    assert await _claim(store) == []  # the second ones wait while the first are in flight
    stored = await rows(store)
    async with store.transaction() as uow:
        # `first` fails and is retried later: `second` still waits behind it (order holds).
        await uow.reminders.retry(stored["first"].id, T0 + minutes(30), "boom")
        await uow.reminders.sent(stored["tie-b"].id, T0)
    assert await _claim(store) == ["tie-a"]
    assert await _claim(store, at=T0 + minutes(29)) == []
    assert await _claim(store, at=T0 + minutes(30)) == ["first"]
    async with store.transaction() as uow:
        await uow.reminders.sent(stored["first"].id, T0 + minutes(30))
    assert await _claim(store, at=T0 + minutes(30)) == ["second"]


async def test_an_earlier_reminder_planned_late_waits_for_the_one_in_flight(
    store: SqlStore,
) -> None:
    state = await program(store)
    await plan(store, reminder(state, "later", "match:1", T0))
    assert await _claim(store) == ["later"]
    await plan(store, reminder(state, "earlier", "match:1", T0 - minutes(10)))
    assert await _claim(store) == []  # never two to one recipient at once
    async with store.transaction() as uow:
        await uow.reminders.sent((await rows(store))["later"].id, T0)
    assert await _claim(store) == ["earlier"]


async def test_expired_claims_are_claimed_again_and_fenced(store: SqlStore) -> None:
    state = await program(store)
    await plan(store, reminder(state, "k", "match:1", T0), reminder(state, "k2", "match:1", T0))
    assert await _claim(store) == ["k"]
    assert await _claim(store, at=T0 + LEASE) == []  # still leased
    later = T0 + LEASE + timedelta(seconds=1)
    async with store.transaction() as uow:
        (again,) = await uow.reminders.claim(later, 10, LEASE)
    assert (again.idempotency_key, again.attempts, again.claimed_at) == ("k", 2, later)
    async with store.transaction() as uow:
        # The first, presumed dead dispatcher reports back late: its outcome is fenced off...
        await uow.reminders.retry(again.key, later + minutes(5), "late", attempt=1)
        await uow.reminders.failed(again.key, "late", attempt=1)
    stored = (await rows(store))["k"]
    assert (stored.status, stored.attempts, stored.claimed_at) == ("claimed", 2, later)
    async with store.transaction() as uow:
        # ... except a send, which did happen.
        await uow.reminders.sent(again.key, later)
    stored = (await rows(store))["k"]
    assert (stored.status, stored.sent_at) == ("sent", later)
    async with store.transaction() as uow:
        await uow.reminders.retry(again.key, later, "too late", attempt=2)  # not claimed: no-op
    assert (await rows(store))["k"].status == "sent"
    assert await _claim(store, at=later) == ["k2"]


async def test_retry_and_failed(store: SqlStore) -> None:
    state = await program(store)
    await plan(store, reminder(state, "a", "r:1", T0), reminder(state, "b", "r:2", T0))
    await _claim(store)
    stored = await rows(store)
    async with store.transaction() as uow:
        await uow.reminders.retry(stored["a"].id, T0 + minutes(2), "429", attempt=1)
        await uow.reminders.failed(stored["b"].id, "gone", attempt=1)
    stored = await rows(store)
    assert (stored["a"].status, stored["a"].attempt_at, stored["a"].last_error) == (
        "pending",
        T0 + minutes(2),
        "429",
    )
    assert stored["a"].claimed_at is None
    assert (stored["b"].status, stored["b"].last_error) == ("failed", "gone")
    assert await _claim(store, at=T0 + minutes(2)) == ["a"]
    assert (await rows(store))["a"].attempts == 2


async def test_failed_reminder_no_longer_blocks_its_recipient(store: SqlStore) -> None:
    state = await program(store)
    await plan(store, reminder(state, "a", "r:1", T0), reminder(state, "b", "r:1", T0 + minutes(1)))
    await _claim(store, at=T0 + minutes(1))
    async with store.transaction() as uow:
        await uow.reminders.failed((await rows(store))["a"].id, "gave up")
    assert await _claim(store, at=T0 + minutes(1)) == ["b"]


async def test_cancel_and_next_due(store: SqlStore) -> None:
    state = await program(store)
    ana = await participant(store, state, "ana")
    ben = await participant(store, state, "ben")
    await plan(
        store,
        reminder(state, "a1", "participant:a", T0, participant_id=ana),
        reminder(state, "a2", "participant:a", T0 + minutes(60), participant_id=ana),
        reminder(state, "a3", "participant:a", T0 + minutes(90), participant_id=ana, kind="nudge"),
        reminder(state, "a0", "participant:a", T0 - minutes(60), participant_id=ana),
        reminder(state, "b1", "participant:b", T0 + minutes(30), participant_id=ben),
    )
    async with store.transaction() as uow:
        await uow.reminders.sent((await rows(store))["a0"].id, T0)
        assert await uow.reminders.next_due(participant_id=ana, kind="checkin") == T0
        assert await uow.reminders.next_due(participant_id=ana, kind="nudge") == T0 + minutes(90)
        assert await uow.reminders.next_due(participant_id=ana, kind="goal") is None
        assert await uow.reminders.next_due(match_id=99, kind="checkin") is None
        assert await uow.reminders.cancel(participant_id=ana, kinds=["nudge"]) == 1
        assert await uow.reminders.cancel(participant_id=ana) == 2  # not the sent one
        assert await uow.reminders.cancel(participant_id=ana) == 0
        with pytest.raises(ValueError, match="match_id or a participant_id"):
            await uow.reminders.cancel()
    assert sorted(await rows(store)) == ["a0", "b1"]
    # Cancelled keys can be planned again (a participant who resumes).
    await plan(store, reminder(state, "a1", "participant:a", T0 + minutes(5), participant_id=ana))
    async with store.transaction() as uow:
        assert await uow.reminders.next_due(participant_id=ana, kind="checkin") == T0 + minutes(5)


@pytest.mark.postgres
@pytest.mark.parametrize("database_backend", ["postgres"], indirect=True)
async def test_concurrent_claims_on_postgres_are_disjoint(store: SqlStore) -> None:
    state = await program(store)
    await plan(store, *(reminder(state, f"k{n}", f"r:{n % 40}", T0) for n in range(200)))

    async def claimer() -> list[str]:
        taken: list[str] = []
        while True:
            async with store.transaction() as uow:
                batch = await uow.reminders.claim(T0, 7, LEASE)
                await asyncio.sleep(0.01)  # hold the row locks a while
                for r in batch:
                    await uow.reminders.sent(r.key, T0)
            if not batch and len(await _pending(store)) == 0:
                return taken
            taken += [r.idempotency_key for r in batch]

    first, second = await asyncio.gather(claimer(), claimer())
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"k{n}" for n in range(200))
    assert first
    assert second


async def _pending(store: SqlStore) -> list[str]:
    return [k for k, row in (await rows(store)).items() if row.status != "sent"]

"""A dispatcher claims only reminders of the platforms its process serves, and fails a message
to someone unreachable at once (both engines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reminders_support import T0, minutes, plan, program, reminder, rows

from core.clock import ManualClock
from core.identity import PlatformUser
from core.ports import Unreachable
from core.reminders.dispatcher import Dispatcher
from core.reminders.outbox import Reminder
from storage.store import SqlStore

LEASE = timedelta(hours=1)


async def test_a_reminder_for_an_absent_platform_is_left_untouched(store: SqlStore) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "on-discord", "participant:1", T0 - minutes(5), platform="discord"),
        reminder(state, "on-slack", "participant:2", T0 - minutes(5), platform="slack"),
        reminder(state, "on-shell", "participant:3", T0 - minutes(1), platform="shell"),
    )
    delivered: list[str] = []

    async def deliver(found: Reminder) -> None:
        delivered.append(found.idempotency_key)

    async def give_up(found: Reminder, error: str) -> None:
        raise AssertionError("nothing fails here")

    dispatcher = Dispatcher(
        store, deliver, ManualClock(T0), give_up=give_up, platforms=("shell", "slack")
    )
    stats = await dispatcher.run_until_idle()
    assert sorted(delivered) == ["on-shell", "on-slack"]
    assert stats.claimed == 2
    left = (await rows(store))["on-discord"]
    assert (left.status, left.attempts, left.claimed_at) == ("pending", 0, None)
    assert left.attempt_at == T0 - minutes(5)  # its retries and its place in line are intact


async def test_stale_claims_of_other_platforms_are_not_taken_over(store: SqlStore) -> None:
    state = await program(store)
    await plan(store, reminder(state, "discord-busy", "participant:1", T0, platform="discord"))
    async with store.transaction() as uow:
        (claimed,) = await uow.reminders.claim(T0, 10, LEASE, platforms=["discord"])
    later = T0 + LEASE * 2  # the discord instance died; only a discord dispatcher takes over
    async with store.transaction() as uow:
        assert await uow.reminders.claim(later, 10, LEASE, platforms=["shell", "slack"]) == []
    assert (await rows(store))["discord-busy"].status == "claimed"
    async with store.transaction() as uow:
        (again,) = await uow.reminders.claim(later, 10, LEASE, platforms=["discord"])
    assert again.attempts == claimed.attempts + 1


async def test_planning_fills_in_the_platform_of_the_programs_workspace(store: SqlStore) -> None:
    state = await program(store)  # a workspace on the "fake" platform
    await plan(store, reminder(state, "plain", "participant:1", T0))
    assert (await rows(store))["plain"].platform == "fake"
    async with store.transaction() as uow:
        assert await uow.reminders.claim(T0, 10, LEASE, platforms=["slack"]) == []
        (found,) = await uow.reminders.claim(T0, 10, LEASE, platforms=["fake"])
    assert found.platform == "fake"


async def test_claiming_by_key_takes_only_those_rows(store: SqlStore) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "mine", "participant:1", T0),
        reminder(state, "other", "participant:2", T0 - minutes(10)),
    )
    async with store.transaction() as uow:
        claimed = await uow.reminders.claim(T0, 10, LEASE, keys=["mine"])
        assert [r.idempotency_key for r in claimed] == ["mine"]
        assert await uow.reminders.claim(T0, 10, LEASE, keys=[]) == []


async def test_someone_unreachable_fails_at_once_without_retries_or_give_up(
    store: SqlStore,
) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "to-ana", "participant:1", T0),
        reminder(state, "to-ana-later", "participant:1", T0 + minutes(1)),
    )
    tried: list[str] = []
    gave_up: list[str] = []

    async def deliver(found: Reminder) -> None:
        tried.append(found.idempotency_key)
        if found.idempotency_key == "to-ana":
            raise Unreachable(PlatformUser("fake", "ws", "ana"), "DMs closed")

    async def give_up(found: Reminder, error: str) -> None:
        gave_up.append(found.idempotency_key)

    clock = ManualClock(T0 + minutes(1))
    stats = await Dispatcher(store, deliver, clock, give_up=give_up).run_until_idle()
    assert (stats.failed, stats.retried, stats.sent) == (1, 0, 1)
    assert tried == ["to-ana", "to-ana-later"]  # the next message is not held up
    assert gave_up == []  # coordinators hear about the person, not about each message
    stored = (await rows(store))["to-ana"]
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert "DMs closed" in (stored.last_error or "")


async def test_a_reminder_of_an_unknown_kind_cannot_be_planned(store: SqlStore) -> None:
    state = await program(store)
    async with store.transaction() as uow:
        with pytest.raises(ValueError, match="unknown kind 'chekin'"):
            await uow.reminders.plan(reminder(state, "typo", "participant:1", T0, kind="chekin"))

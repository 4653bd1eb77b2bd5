"""The audit log and the reads behind coordinator tools, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.domain import (
    AuditEntry,
    Cycle,
    MatchMember,
    MatchRecord,
    Participant,
    ParticipantStatus,
)
from core.identity import PlatformUser
from core.programs.program import Role
from core.reminders.outbox import Reminder
from storage.store import SqlStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CORA = PlatformUser("slack", "T1", "U0CORA")


async def _state(store: SqlStore) -> int:
    async with store.transaction() as uow:
        return (await uow.programs.ensure(await uow.workspaces.ensure("slack", "T1"), "p")).id


async def test_audit_entries_newest_first_in_pages(store: SqlStore) -> None:
    state = await _state(store)
    async with store.transaction() as uow:
        for n in range(5):
            entry = AuditEntry(state, CORA, "Cora 🌱", "open", T0 + timedelta(hours=n), f"#{n}")
            await uow.audit.record(entry)
        await uow.audit.record(AuditEntry(state, CORA, "Cora", "close", T0, "same time, later"))
    async with store.transaction() as uow:
        assert await uow.audit.count(state) == 6
        first = await uow.audit.page(state, 0, 2)
        rest = await uow.audit.page(state, 2, 10)
    assert [e.detail for e in first] == ["#4", "#3"]
    assert [e.detail for e in rest] == ["#2", "#1", "same time, later", "#0"]
    assert first[0].actor == CORA
    assert first[0].actor_name == "Cora 🌱"
    assert first[0].at == T0 + timedelta(hours=4)


async def test_cycles_active_days_and_message_outcomes(store: SqlStore) -> None:
    state = await _state(store)
    async with store.transaction() as uow:
        for number in (1, 2):
            start = T0 + timedelta(days=30 * (number - 1))
            await uow.cycles.add(Cycle(0, state, number, start, start + timedelta(days=90)))
        cycles = await uow.cycles.all(state)
        assert [c.number for c in cycles] == [1, 2]
        rows = [Reminder("message", state, f"r{n}", T0, f"key-{n}", payload={}) for n in range(4)]
        await uow.reminders.plan_many(rows)
    async with store.transaction() as uow:
        claimed = {
            r.idempotency_key: r for r in await uow.reminders.claim(T0, 10, timedelta(minutes=5))
        }
        await uow.reminders.sent(claimed["key-0"].key, T0)
        await uow.reminders.failed(claimed["key-1"].key, "Unreachable: slack:T1:U9 cannot be DMed")
        await uow.reminders.failed(claimed["key-2"].key, "RuntimeError: HTTP 500")
    async with store.transaction() as uow:
        done = await uow.reminders.outcomes(["key-0", "key-1", "key-2", "key-3", "other"])
    assert (done.delivered, done.unreachable, done.failed, done.waiting) == (1, 1, 1, 1)
    assert await _active_days(store, state) == [date(2026, 3, 2), date(2026, 3, 4)]


async def _active_days(store: SqlStore, state: int) -> list[date]:
    async with store.transaction() as uow:
        (cycle, *_) = await uow.cycles.all(state)
        people = []
        for user_id, role in (("U1", Role.MENTEE), ("U2", Role.MENTOR)):
            person = Participant(
                state, PlatformUser("slack", "T1", user_id), user_id, T0,
                frozenset({role}), ParticipantStatus.ACTIVE,
            )  # fmt: skip
            people.append(await uow.participants.add(person))
        members = tuple(
            MatchMember(p.key, r) for p, r in zip(people, (Role.MENTEE, Role.MENTOR), strict=True)
        )
        match = await uow.matches.add(MatchRecord(state, cycle.id, members, 1.0, [], T0, "m1"))
        for day, who in ((date(2026, 3, 4), 0), (date(2026, 3, 2), 1), (date(2026, 3, 4), 1)):
            await uow.engagement.record_activity(match.key, people[who].key, day)
    async with store.transaction() as uow:
        return (await uow.engagement.engagement_in(state)).active_days[match.key]

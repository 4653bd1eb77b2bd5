"""Helpers shared by the reminder tests: seeding a program, making reminders, reading rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.domain import Participant
from core.identity import PlatformUser
from core.reminders.outbox import Reminder
from storage.store import SqlStore
from storage.tables import ReminderRow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def program(store: SqlStore) -> int:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws")
        return (await uow.programs.ensure(workspace, "mentoring")).id


async def participant(store: SqlStore, state: int, name: str) -> int:
    async with store.transaction() as uow:
        person = await uow.participants.add(
            Participant(state, PlatformUser("fake", "ws", name), name, T0)
        )
        return person.key


def reminder(
    state: int,
    key: str,
    recipient: str,
    due: datetime,
    *,
    kind: str = "checkin",
    attempt_at: datetime | None = None,
    **fields: Any,
) -> Reminder:
    return Reminder(
        kind=kind,
        program_state_id=state,
        recipient=recipient,
        due_at=due,
        idempotency_key=key,
        attempt_at=attempt_at,
        **fields,
    )


async def plan(store: SqlStore, *reminders: Reminder) -> None:
    async with store.transaction() as uow:
        await uow.reminders.plan_many(list(reminders))


async def rows(store: SqlStore) -> dict[str, ReminderRow]:
    """Every reminder row by idempotency key."""
    async with store.transaction() as uow:
        found = await uow.session.scalars(select(ReminderRow))  # type: ignore[attr-defined]
        return {row.idempotency_key: row for row in found}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)

"""Reminders: the outbox rows core plans and the dispatcher delivers.

Core plans a reminder when something happens (a match starts, a request is sent, someone
pauses); the dispatcher (`core.reminders.dispatcher`) claims due rows, hands each to a `Deliver`
callback that decides what to send, and records the outcome. Planning is idempotent: the
`idempotency_key` is unique, so planning the same thing twice keeps one row.

`recipient` scopes ordering: reminders to one recipient ("participant:12", "match:7") go out
in `due_at` order, even when an earlier one is being retried.

`platform` is the platform whose port delivers the reminder. A dispatcher claims only the
platforms its process serves, so a reminder for a platform no instance runs waits, with its
retries intact, until one does. Left empty, storage fills it in from the program's workspace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


@dataclass(slots=True)
class Reminder:
    kind: str
    program_state_id: int
    recipient: str
    due_at: datetime
    idempotency_key: str
    participant_id: int | None = None
    match_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    status: ReminderStatus = ReminderStatus.PENDING
    attempts: int = 0
    attempt_at: datetime | None = None  # next try; None means `due_at`
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    platform: str = ""
    id: int | None = None

    @property
    def key(self) -> int:
        if self.id is None:
            raise ValueError("reminder has not been saved")
        return self.id


def participant_recipient(participant_id: int) -> str:
    return f"participant:{participant_id}"


def match_recipient(match_id: int) -> str:
    return f"match:{match_id}"


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """How a program's messages fared: the outbox rows' outcomes, for coordinators."""

    delivered: int = 0
    failed: int = 0
    unreachable: int = 0  # people who could not be reached by DM (each counted once)
    waiting: int = 0  # not delivered yet: due, or waiting for a retry (`outcomes` only)


class ReminderRepository(Protocol):
    async def plan(self, reminder: Reminder) -> bool:
        """Insert unless the idempotency key exists; True when a row was added."""
        ...

    async def plan_many(self, reminders: Sequence[Reminder]) -> int:
        """`plan` for many reminders in a few statements; how many rows were added."""
        ...

    async def get(self, reminder_id: int) -> Reminder | None: ...

    async def claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        *,
        platforms: Collection[str] | None = None,
        keys: Collection[str] | None = None,
    ) -> list[Reminder]:
        """Atomically claim up to `limit` due reminders (attempt time ≤ now), oldest first.

        Only a recipient's earliest unfinished reminder is claimable, so order per recipient
        holds. Claims older than `lease` (a dispatcher that died) are claimable again.
        Safe across processes: PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite a single writer.
        `platforms` (None: all) limits the claim to reminders those ports deliver; `keys`
        (None: any) to reminders with those idempotency keys.
        """
        ...

    async def counts(self, program_state_id: int, message_kinds: Collection[str]) -> DeliveryCounts:
        """Delivered and failed reminders of `message_kinds`, and people unreachable by DM."""
        ...

    async def outcomes(self, keys: Collection[str]) -> DeliveryCounts:
        """How the rows with these idempotency keys fared: sent, failed, failed because the
        person cannot be DMed (`Unreachable`), or still waiting."""
        ...

    async def sent(self, reminder_id: int, at: datetime) -> None:
        """Mark delivered (also when the claim expired meanwhile: it was delivered)."""
        ...

    async def sent_many(self, reminder_ids: Sequence[int], at: datetime) -> None:
        """`sent` for several reminders at once."""
        ...

    async def retry(
        self, reminder_id: int, at: datetime, error: str, *, attempt: int | None = None
    ) -> None:
        """Back to pending, to be tried again at `at`.

        `attempt` (the claimed reminder's `attempts`) fences the update: when given, nothing
        changes unless the row is still claimed under that attempt (not taken over after its
        lease expired).
        """
        ...

    async def failed(self, reminder_id: int, error: str, *, attempt: int | None = None) -> None:
        """Give up for good (`attempt` fences as in `retry`)."""
        ...

    async def cancel(
        self,
        *,
        match_id: int | None = None,
        participant_id: int | None = None,
        kinds: Sequence[str] = (),
        program_state_id: int | None = None,
    ) -> int:
        """Drop unfinished reminders of a match, participant or program state (optionally of
        some kinds; a program state's own, such as a scheduled round, need a kind).

        Rows are deleted, so their idempotency keys can be planned again (e.g. after a resume).
        """
        ...

    async def next_due(
        self,
        *,
        match_id: int | None = None,
        participant_id: int | None = None,
        kind: str,
        program_state_id: int | None = None,
    ) -> datetime | None:
        """When the next unfinished reminder of this kind is due (e.g. `status`'s next check-in)."""
        ...


class TransientDeliveryError(Exception):
    """A send failed in a way worth retrying (rate limit, 5xx, timeout)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


Deliver = Callable[[Reminder], Awaitable[None]]
GiveUp = Callable[[Reminder, str], Awaitable[None]]

"""The reminder outbox on SQL: planning, claiming and recording outcomes.

Claiming is one `UPDATE … WHERE id IN (SELECT … ORDER BY attempt_at, id LIMIT n FOR UPDATE SKIP
LOCKED) RETURNING …` on both engines. On PostgreSQL the row locks with SKIP LOCKED make two
dispatchers in two processes take disjoint batches without waiting for each other; a row another
transaction changed after our snapshot is re-checked against the WHERE clause once locked, so a
row just claimed elsewhere is dropped. SQLite ignores `FOR UPDATE`: every transaction starts with
`BEGIN IMMEDIATE` (see `storage.engine`), so the claim runs under the single writer lock.

A row is claimable when it is `pending` with `attempt_at ≤ now` and its recipient has neither an
earlier pending row (by `due_at, id`) nor a row currently claimed — so reminders to one person go
out one at a time and in order, even while an earlier one waits for a retry. Claims older than the
lease (a dispatcher that died or hung) are first put back to `pending` in the same transaction, and
claimed again like any other row; claiming bumps `attempts` and sets `claimed_at`.

The candidate scan walks `ix_reminder_status_attempt_at` in order and stops after `n` hits; the
per-recipient check is one probe of `ix_reminder_recipient_status_due_at` per candidate; on
PostgreSQL the UPDATE then finds the chosen rows by primary key. `claim_statement` builds the
statement on its own so benchmarks can EXPLAIN it.

`attempts` doubles as a fencing token: `retry` and `failed` accept the attempt number of the claim
they answer, and change nothing when the row has since been reclaimed by someone else.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    and_,
    any_,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from core.ports import Unreachable
from core.reminders.kinds import ReminderKind
from core.reminders.outbox import DeliveryCounts, Reminder, ReminderStatus
from storage.repositories import json_copy
from storage.tables import ProgramStateRow, ReminderRow, WorkspaceRow

PENDING = ReminderStatus.PENDING.value
CLAIMED = ReminderStatus.CLAIMED.value
SENT = ReminderStatus.SENT.value
FAILED = ReminderStatus.FAILED.value
UNFINISHED = (PENDING, CLAIMED)

KNOWN_KINDS = frozenset(kind.value for kind in ReminderKind)
EXPIRED_CLAIM = "claim expired before an outcome was recorded (dispatcher stopped?)"


def _table() -> Table:
    return ReminderRow.__table__  # type: ignore[return-value]


def claim_statement(
    now: datetime,
    limit: int,
    dialect: str,
    *,
    platforms: Collection[str] | None = None,
    keys: Collection[str] | None = None,
) -> Update:
    """The claim: mark up to `limit` claimable rows claimed at `now`, returning them.

    `platforms` keeps it to reminders those platforms deliver (the rest stay pending, their
    attempts untouched); `keys` to reminders with those idempotency keys.
    """
    table = _table()
    candidate = table.alias("candidate")
    other = table.alias("other")
    # One NOT EXISTS, probed through (recipient, status, due_at) for each candidate: blocked by
    # an earlier pending row or by any claimed row of the same recipient. (Two separate checks
    # let PostgreSQL join against a scan of all claimed rows, which grows with them.)
    blocked = exists().where(
        other.c.recipient == candidate.c.recipient,
        other.c.status.in_(UNFINISHED),
        or_(
            other.c.status == CLAIMED,
            other.c.due_at < candidate.c.due_at,
            and_(other.c.due_at == candidate.c.due_at, other.c.id < candidate.c.id),
        ),
    )
    # Ordered by attempt_at alone: the index (status, attempt_at) yields that order directly, so
    # the scan stops after `limit` hits. Adding `id` would make PostgreSQL sort every due row
    # with the same attempt_at (many share one: waking times fall on the hour) — and evaluate
    # both NOT EXISTS for each — before the LIMIT. Ties go in index order (SQLite: rowid; PG
    # btree: heap order), and per-recipient order does not depend on it.
    only = []
    if platforms is not None:
        only.append(candidate.c.platform.in_(list(platforms)))
    if keys is not None:
        only.append(candidate.c.idempotency_key.in_(list(keys)))
    ids = (
        select(candidate.c.id)
        .where(
            candidate.c.status == PENDING,
            candidate.c.attempt_at <= now,
            *only,
            ~blocked,
        )
        .order_by(candidate.c.attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if dialect == "postgresql":
        # `id = ANY(ARRAY[…])` from an InitPlan: the UPDATE then finds its rows by primary key.
        # With `id IN (subquery)` the planner may hash-join against a scan of the whole table.
        picked = ids.subquery("picked")
        ids_array = select(func.array_agg(picked.c.id)).scalar_subquery()
        # The CAST keeps it an array expression: bare `ANY (SELECT …)` would mean IN again.
        chosen = table.c.id == any_(cast(ids_array, postgresql.ARRAY(Integer)))
    else:
        chosen = table.c.id.in_(ids)
    return (
        update(table)
        .where(chosen)
        .values(status=CLAIMED, claimed_at=now, attempts=table.c.attempts + 1)
        .returning(*table.c)
    )


def expire_claims_statement(
    stale_before: datetime, platforms: Collection[str] | None = None
) -> Update:
    """Put claims older than `stale_before` back to pending (their dispatcher is gone)."""
    table = _table()
    stale = table.alias("stale")
    only = [] if platforms is None else [stale.c.platform.in_(list(platforms))]
    ids = (
        select(stale.c.id)
        .where(stale.c.status == CLAIMED, stale.c.claimed_at < stale_before, *only)
        .with_for_update(skip_locked=True)
    )
    return (
        update(table)
        .where(table.c.id.in_(ids))
        .values(status=PENDING, claimed_at=None, last_error=EXPIRED_CLAIM)
    )


def _reminder(row: Row[Any]) -> Reminder:
    return Reminder(
        id=row.id,
        kind=row.kind,
        program_state_id=row.program_state_id,
        recipient=row.recipient,
        due_at=row.due_at,
        idempotency_key=row.idempotency_key,
        participant_id=row.participant_id,
        match_id=row.match_id,
        payload=json_copy(row.payload, "payload") if row.payload is not None else {},
        status=ReminderStatus(row.status),
        attempts=row.attempts,
        attempt_at=row.attempt_at,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        platform=row.platform,
    )


def _values(reminder: Reminder) -> dict[str, Any]:
    if not reminder.recipient:
        raise ValueError(f"reminder {reminder.idempotency_key!r} has no recipient")
    if reminder.kind not in KNOWN_KINDS:  # every kind has a handler (checked at start-up)
        raise ValueError(
            f"reminder {reminder.idempotency_key!r} has unknown kind {reminder.kind!r}; "
            "add it to core.reminders.kinds.ReminderKind and give it a handler"
        )
    return {
        "kind": reminder.kind,
        "program_state_id": reminder.program_state_id,
        "participant_id": reminder.participant_id,
        "match_id": reminder.match_id,
        "recipient": reminder.recipient,
        "due_at": reminder.due_at,
        "attempt_at": reminder.attempt_at or reminder.due_at,
        "status": ReminderStatus(reminder.status).value,
        "attempts": reminder.attempts,
        "idempotency_key": reminder.idempotency_key,
        "payload": json_copy(reminder.payload, "payload"),
        "claimed_at": reminder.claimed_at,
        "sent_at": reminder.sent_at,
        "last_error": reminder.last_error,
        "platform": reminder.platform,
    }


class SqlReminderRepository:
    """Core's `ReminderRepository` on one session (one transaction)."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def plan(self, reminder: Reminder) -> bool:
        """Insert unless the idempotency key exists; True when a row was added."""
        return await self.plan_many([reminder]) == 1

    async def plan_many(self, reminders: Sequence[Reminder]) -> int:
        """Insert many at once, skipping existing keys; how many rows were added.

        One executemany of a cached INSERT … ON CONFLICT DO NOTHING RETURNING id, which
        SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues"), so it costs a few round
        trips per thousand rows rather than one per row.
        """
        if not reminders:
            return 0
        values = [_values(r) for r in reminders]
        unknown = {v["program_state_id"] for v in values if not v["platform"]}
        if unknown:
            platforms = await self._platforms_of(unknown)
            for value in values:
                value["platform"] = value["platform"] or platforms.get(
                    value["program_state_id"], ""
                )
        result = await self._session.execute(self._insert(), values)
        return len(result.all())

    async def _platforms_of(self, state_ids: Collection[int]) -> dict[int, str]:
        """The platform of each program state's workspace: who delivers its reminders."""
        rows = await self._session.execute(
            select(ProgramStateRow.id, WorkspaceRow.platform)  # type: ignore[call-overload]
            .join(WorkspaceRow, WorkspaceRow.id == ProgramStateRow.workspace_id)
            .where(ProgramStateRow.id.in_(list(state_ids)))  # type: ignore[union-attr]
        )
        return {state_id: platform for state_id, platform in rows}

    def _insert(self) -> Any:
        table = _table()
        if self._dialect == "postgresql":
            statement: Any = postgresql.insert(table)
        elif self._dialect == "sqlite":
            statement = sqlite.insert(table)
        else:  # pragma: no cover - the engine rejects other databases
            raise ValueError(f"unsupported dialect {self._dialect!r}")
        return statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(
            table.c.id
        )

    async def claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        *,
        platforms: Collection[str] | None = None,
        keys: Collection[str] | None = None,
    ) -> list[Reminder]:
        """Claim up to `limit` due reminders, oldest attempt time first (see the module doc).

        Only reminders of `platforms` (None: all) and, given `keys`, with those idempotency
        keys; stale claims are expired only for those platforms, and not when claiming by key
        (an event's fresh messages: the next round does it).
        """
        if (
            limit <= 0
            or (keys is not None and not keys)
            or (platforms is not None and not platforms)
        ):
            return []
        if keys is None:  # a round (not an event's own messages) takes over dead claims
            await self._session.execute(expire_claims_statement(now - lease, platforms))
        result = await self._session.execute(
            claim_statement(now, limit, self._dialect, platforms=platforms, keys=keys)
        )
        claimed = [_reminder(row) for row in result]
        # RETURNING gives no order; hand them back in claim order.
        claimed.sort(key=lambda r: (r.attempt_at or r.due_at, r.key))
        return claimed

    async def sent(self, reminder_id: int, at: datetime) -> None:
        """Mark delivered. Applies even when the claim expired meanwhile: it *was* delivered."""
        await self.sent_many([reminder_id], at)

    async def sent_many(self, reminder_ids: Sequence[int], at: datetime) -> None:
        """`sent` for several reminders in one statement."""
        if not reminder_ids:
            return
        table = _table()
        await self._session.execute(
            update(table)
            .where(table.c.id.in_(list(reminder_ids)), table.c.status.in_(UNFINISHED))
            .values(status=SENT, sent_at=at, claimed_at=None)
        )

    async def retry(
        self, reminder_id: int, at: datetime, error: str, *, attempt: int | None = None
    ) -> None:
        """Back to pending, to be tried again at `at`.

        With `attempt` (the claimed reminder's `attempts`), only if the row is still under that
        claim; a claim that expired and was taken over is left to its new owner.
        """
        table = _table()
        await self._session.execute(
            update(table)
            .where(*self._under_claim(reminder_id, attempt))
            .values(status=PENDING, attempt_at=at, claimed_at=None, last_error=error)
        )

    async def failed(self, reminder_id: int, error: str, *, attempt: int | None = None) -> None:
        """Give up on the reminder (`attempt` fences like in `retry`)."""
        table = _table()
        await self._session.execute(
            update(table)
            .where(*self._under_claim(reminder_id, attempt))
            .values(status=FAILED, claimed_at=None, last_error=error)
        )

    def _under_claim(self, reminder_id: int, attempt: int | None) -> list[Any]:
        table = _table()
        conditions = [table.c.id == reminder_id, table.c.status == CLAIMED]
        if attempt is not None:
            conditions.append(table.c.attempts == attempt)
        return conditions

    async def cancel(
        self,
        *,
        match_id: int | None = None,
        participant_id: int | None = None,
        kinds: Sequence[str] = (),
        program_state_id: int | None = None,
    ) -> int:
        """Delete the unfinished (pending or claimed) reminders of a match and/or participant.

        Deleting frees their idempotency keys, so planning them again later (a resumed
        participant) works. A claimed one may be in flight; its outcome then updates nothing.
        """
        table = _table()
        conditions = self._owner(match_id, participant_id, kinds, program_state_id)
        result = await self._session.execute(
            delete(table).where(*conditions, table.c.status.in_(UNFINISHED))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def next_due(
        self,
        *,
        match_id: int | None = None,
        participant_id: int | None = None,
        kind: str,
        program_state_id: int | None = None,
    ) -> datetime | None:
        """The due time of the earliest unfinished reminder of `kind` of a match/participant."""
        table = _table()
        conditions = self._owner(match_id, participant_id, [kind], program_state_id)
        return await self._session.scalar(
            select(func.min(table.c.due_at)).where(*conditions, table.c.status.in_(UNFINISHED))
        )

    def _owner(
        self,
        match_id: int | None,
        participant_id: int | None,
        kinds: Sequence[str],
        program_state_id: int | None = None,
    ) -> list[Any]:
        if match_id is None and participant_id is None and (program_state_id is None or not kinds):
            raise ValueError(
                "name a match_id or a participant_id (or a program_state_id and kinds)"
            )
        table = _table()
        conditions: list[Any] = []
        if program_state_id is not None:
            conditions.append(table.c.program_state_id == program_state_id)
        if match_id is not None:
            conditions.append(table.c.match_id == match_id)
        if participant_id is not None:
            conditions.append(table.c.participant_id == participant_id)
        if kinds:
            conditions.append(table.c.kind.in_(list(kinds)))
        return conditions

    async def counts(self, program_state_id: int, message_kinds: Collection[str]) -> DeliveryCounts:
        """Sent and failed rows of `message_kinds`; unreachable people are their notices."""
        table = _table()
        rows = await self._session.execute(
            select(table.c.kind, table.c.status, func.count())
            .where(table.c.program_state_id == program_state_id)
            .group_by(table.c.kind, table.c.status)
        )
        delivered = failed = unreachable = 0
        for kind, status, count in rows:
            if kind == ReminderKind.UNREACHABLE:
                unreachable += count
            elif kind in message_kinds and status == SENT:
                delivered += count
            elif kind in message_kinds and status == FAILED:
                failed += count
        return DeliveryCounts(delivered, failed, unreachable)

    async def outcomes(self, keys: Collection[str]) -> DeliveryCounts:
        table, wanted = _table(), list(dict.fromkeys(keys))
        delivered = failed = unreachable = waiting = 0
        for start in range(0, len(wanted), 500):  # bounded IN lists
            rows = await self._session.execute(
                select(table.c.status, table.c.last_error).where(
                    table.c.idempotency_key.in_(wanted[start : start + 500])
                )
            )
            for status, error in rows:
                if status == SENT:
                    delivered += 1
                elif status == FAILED and (error or "").startswith(Unreachable.__name__):
                    unreachable += 1
                elif status == FAILED:
                    failed += 1
                else:
                    waiting += 1
        return DeliveryCounts(delivered, failed, unreachable, waiting)

    async def get(self, reminder_id: int) -> Reminder | None:
        """One reminder by id (tests, coordinator views)."""
        table = _table()
        row = (await self._session.execute(select(table).where(table.c.id == reminder_id))).first()
        return None if row is None else _reminder(row)


__all__ = ["SqlReminderRepository", "claim_statement", "expire_claims_statement"]

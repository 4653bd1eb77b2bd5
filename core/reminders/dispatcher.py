"""The reminder dispatcher: claim due reminders, deliver them, record what happened.

One round (`run_once`):

1. claim a batch in one short transaction (`ReminderRepository.claim`);
2. deliver each claimed reminder outside any transaction — concurrently, bounded by a semaphore;
   the claim never hands out two reminders of one recipient at once, so per-person order holds;
3. record each outcome in a short transaction as soon as it is known: `sent`; or, when `deliver`
   raised, `retry` with exponential backoff and jitter (at least
   `TransientDeliveryError.retry_after`); or, after `max_attempts` tries, `failed` — and
   `give_up(reminder, error)` is awaited first. Outcomes that become known while a record
   transaction is running share the next one (group commit, at most `record_group`; 1 gives
   every outcome a transaction of its own) — see `_record`.

Delivery guarantee: at least once. A process that dies after claiming leaves the row `claimed`;
once the lease runs out any dispatcher claims it again and sends it again under the same
`idempotency_key`, which platforms with idempotent sends (Matrix transaction ids, Discord
nonces, the shell and test fakes) turn into one message. Elsewhere a duplicate is possible only
when the crash falls between the platform accepting the message and the `sent` commit.

`give_up` is called before the row is marked failed, so a crash in between calls it again after
the lease (at least once, like deliveries): make it idempotent, e.g. plan the coordinator alert as
a reminder keyed on the failed reminder's idempotency key. If `give_up` raises, the reminder is
kept for a later round (retried with backoff) rather than failed with nobody told.

A port's `Unreachable` (a person who cannot be DMed) is not a transient failure: the reminder
is recorded `failed` at once, without retries and without `give_up` (the coordinators are told
about the person, once, by whoever raised it — see `core.reminders.courier`).

A dispatcher serves the platforms its process has ports for (`platforms`; None: all): it claims
only their reminders, so those for a platform another instance runs are left alone, retries
intact. `deliver_now(keys)` delivers particular rows at once — the messages an event just
committed — through the same claim, outcome and retry path as a round.

The lease must outlast the slowest batch — every send is cut off after `send_timeout`, and a batch
delivers in ⌈batch / concurrency⌉ waves — or a live claim could be taken over: the constructor
lowers `batch` until it does (and refuses a lease not longer than `send_timeout`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Collection, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from core.clock import Clock
from core.ports import Store, Unreachable
from core.reminders.outbox import Deliver, GiveUp, Reminder, TransientDeliveryError

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 500

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DispatchStats:
    """What a round (or several) did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unrecorded: int = 0  # delivered or not, the outcome could not be written (lease recovers)
    rounds: int = 0

    def __add__(self, other: DispatchStats) -> DispatchStats:
        return DispatchStats(
            self.claimed + other.claimed,
            self.sent + other.sent,
            self.retried + other.retried,
            self.failed + other.failed,
            self.unrecorded + other.unrecorded,
            self.rounds + other.rounds,
        )


@dataclass(slots=True)
class _Outcome:
    """One delivery's result, waiting to be recorded."""

    reminder: Reminder
    kind: str  # "sent" | "retried" | "failed"; becomes "unrecorded" when recording fails
    error: str = ""
    delay: timedelta = timedelta(0)


async def _uninterrupted(transaction: Coroutine[Any, Any, T]) -> T:
    """Await a short database transaction; if we are cancelled meanwhile, let it finish first.

    The cancellation is re-raised once the transaction has committed or rolled back: cancelling
    SQLAlchemy's asyncio session half-way can leave an aiosqlite connection unusable (an
    in-memory engine then hangs on dispose), and a claim that committed is better recorded.
    """
    task = asyncio.ensure_future(transaction)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        try:
            await task
        except Exception:
            log.exception("transaction failed while the dispatcher was being cancelled")
        raise


def describe(error: BaseException) -> str:
    """A short, single-line description of a delivery error for `last_error` and give_up."""
    text = str(error).strip().replace("\n", " ")
    name = type(error).__name__
    described = f"{name}: {text}" if text else name
    return described[:MAX_ERROR_LENGTH]


class Dispatcher:
    """Delivers due reminders from the outbox. One per process; several processes may share a
    PostgreSQL database (claims never overlap).

    `deliver` decides what to send and sends it (through a ChatPort, with the reminder's
    idempotency key); any exception it raises counts as a failed attempt. `rng` makes the jitter
    reproducible in tests.
    """

    def __init__(
        self,
        store: Store,
        deliver: Deliver,
        clock: Clock,
        *,
        give_up: GiveUp,
        batch: int = 50,
        concurrency: int = 10,
        max_attempts: int = 5,
        base_delay: timedelta = timedelta(seconds=30),
        max_delay: timedelta = timedelta(hours=1),
        lease: timedelta = timedelta(minutes=10),
        send_timeout: timedelta = timedelta(seconds=30),
        record_group: int = 100,
        rng: random.Random | None = None,
        platforms: Collection[str] | None = None,
    ) -> None:
        if min(batch, concurrency, max_attempts, record_group) < 1:
            raise ValueError("batch, concurrency, max_attempts and record_group must be ≥ 1")
        if base_delay <= timedelta(0) or max_delay < base_delay:
            raise ValueError("need 0 < base_delay ≤ max_delay")
        # A batch delivers in ⌈batch / concurrency⌉ waves of at most send_timeout each, and all
        # of it must be done before the lease runs out: fewer claims per round if need be.
        waves = math.ceil(lease / send_timeout) - 1
        if waves < 1:
            raise ValueError(
                f"lease {lease} must be longer than send_timeout {send_timeout}, or a reminder "
                "still being sent could be claimed again"
            )
        batch = min(batch, waves * concurrency)
        self._store = store
        self._deliver = deliver
        self._clock = clock
        self._give_up = give_up
        self._batch = batch
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._lease = lease
        self._send_timeout = send_timeout
        self._record_group = record_group
        self._rng = rng or random.Random()
        self._platforms = None if platforms is None else tuple(sorted(platforms))
        self._queue: list[tuple[_Outcome, asyncio.Future[_Outcome]]] = []
        self._recording = asyncio.Lock()

    @property
    def batch(self) -> int:
        """Reminders claimed per round (possibly lowered to fit the lease)."""
        return self._batch

    @property
    def platforms(self) -> tuple[str, ...] | None:
        """The platforms whose reminders this dispatcher claims (None: every platform)."""
        return self._platforms

    async def run_once(self) -> DispatchStats:
        """One round: claim a batch, deliver it, record the outcomes."""
        return await self._run(await _uninterrupted(self._claim()))

    async def deliver_now(self, keys: Collection[str]) -> DispatchStats:
        """Deliver the reminders with these idempotency keys now, if due and claimable.

        One that is not claimable (an earlier message to the same person is waiting for a
        retry, or another dispatcher has it) is left to a later round.
        """
        total, remaining = DispatchStats(), list(dict.fromkeys(keys))
        while remaining:
            chunk, remaining = remaining[: self._batch], remaining[self._batch :]
            total += await self._run(await _uninterrupted(self._claim(chunk)))
        return total

    async def _run(self, claimed: list[Reminder]) -> DispatchStats:
        if not claimed:
            return DispatchStats(rounds=1)
        slots = asyncio.Semaphore(self._concurrency)

        async def one(reminder: Reminder) -> _Outcome:
            async with slots:
                return await self._dispatch(reminder)

        outcomes = await asyncio.gather(*(one(reminder) for reminder in claimed))
        kinds = [outcome.kind for outcome in outcomes]
        return DispatchStats(
            claimed=len(claimed),
            sent=kinds.count("sent"),
            retried=kinds.count("retried"),
            failed=kinds.count("failed"),
            unrecorded=kinds.count("unrecorded"),
            rounds=1,
        )

    async def _claim(self, keys: Collection[str] | None = None) -> list[Reminder]:
        async with self._store.transaction() as uow:
            return await uow.reminders.claim(
                self._clock.now(), self._batch, self._lease, platforms=self._platforms, keys=keys
            )

    async def run_until_idle(self, max_rounds: int = 100) -> DispatchStats:
        """Rounds until one claims nothing (or `max_rounds`): drains what is due now.

        Retries land in the future, so a failing platform does not keep this looping.
        """
        total = DispatchStats()
        for _ in range(max_rounds):
            stats = await self.run_once()
            total += stats
            if stats.claimed == 0:
                break
        return total

    async def _dispatch(self, reminder: Reminder) -> _Outcome:
        try:
            async with asyncio.timeout(self._send_timeout.total_seconds()):
                await self._deliver(reminder)
        except asyncio.CancelledError:
            raise  # shutting down: the claim's lease brings the reminder back
        except Unreachable as error:  # permanent: no retries; the coordinators were told
            log.info("reminder %s (%s): %s", reminder.id, reminder.kind, error)
            return await self._record(_Outcome(reminder, "failed", describe(error)))
        except Exception as error:  # any failure of deliver is a failed attempt
            return await self._failed_attempt(reminder, error)
        return await self._record(_Outcome(reminder, "sent"))

    async def _failed_attempt(self, reminder: Reminder, error: Exception) -> _Outcome:
        text = describe(error)
        if reminder.attempts >= self._max_attempts:
            log.warning(
                "reminder %s (%s) failed after %d attempts: %s",
                reminder.id,
                reminder.kind,
                reminder.attempts,
                text,
            )
            try:
                await self._give_up(reminder, text)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Nobody was told: keep the reminder alive, so a later round tries again.
                log.exception("give_up for reminder %s raised; will retry", reminder.id)
                delay = self.backoff(reminder.attempts)
                return await self._record(_Outcome(reminder, "retried", text, delay))
            return await self._record(_Outcome(reminder, "failed", text))
        retry_after = error.retry_after if isinstance(error, TransientDeliveryError) else None
        delay = self.backoff(reminder.attempts, retry_after)
        log.info(
            "reminder %s (%s) attempt %d failed, retrying in %.0fs: %s",
            reminder.id,
            reminder.kind,
            reminder.attempts,
            delay.total_seconds(),
            text,
        )
        return await self._record(_Outcome(reminder, "retried", text, delay))

    def backoff(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """The wait before the next try after `attempts` tries: "equal jitter" exponential.

        The exponential step base × 2^(attempts−1), capped at `max_delay`, of which the first
        half is fixed and the second half random — never an immediate retry, and retries from
        many reminders spread out. A platform's Retry-After is a lower bound.
        """
        step = min(self._max_delay, self._base_delay * 2 ** max(0, attempts - 1))
        delay = step / 2 + step / 2 * self._rng.random()
        if retry_after is not None and retry_after > 0:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def _record(self, outcome: _Outcome) -> _Outcome:
        """Record one outcome as soon as possible.

        Group commit: the first outcome to arrive opens a short transaction at once; outcomes
        that arrive while it runs wait for it and then share the next one (at most
        `record_group` each). With deliveries that take network time each outcome gets a
        transaction of its own; when many finish together (a fast platform, a big batch) they
        are recorded in a few transactions instead of hundreds — SQLite has one writer, and
        a transaction costs a millisecond or so of round trips either way.
        """
        done = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, done))
        while not done.done():
            async with self._recording:
                if done.done():
                    break
                group = self._queue[: self._record_group]
                del self._queue[: self._record_group]
                await self._write(group)
        return await done

    async def _write(self, group: list[tuple[_Outcome, asyncio.Future[_Outcome]]]) -> None:
        outcomes = [outcome for outcome, _ in group]
        try:
            await _uninterrupted(self._write_transaction(outcomes))
        except asyncio.CancelledError:
            for _, done in group:
                done.cancel()
            raise
        except Exception:
            if len(outcomes) > 1:  # find the culprit: the others deserve their own chance
                for outcome in outcomes:
                    await self._write_alone(outcome)
            else:
                self._unrecorded(outcomes[0])
        for outcome, done in group:
            done.set_result(outcome)

    async def _write_alone(self, outcome: _Outcome) -> None:
        try:
            await _uninterrupted(self._write_transaction([outcome]))
        except asyncio.CancelledError:
            raise
        except Exception:
            self._unrecorded(outcome)

    def _unrecorded(self, outcome: _Outcome) -> None:
        """A database error while recording: logged; the row stays claimed and its lease brings
        it back (the idempotency key dedupes the resend)."""
        log.exception("could not record %s for reminder %s", outcome.kind, outcome.reminder.id)
        outcome.kind = "unrecorded"

    async def _write_transaction(self, outcomes: list[_Outcome]) -> None:
        async with self._store.transaction() as uow:
            now = self._clock.now()
            sent = [o.reminder.key for o in outcomes if o.kind == "sent"]
            await uow.reminders.sent_many(sent, now)
            for outcome in outcomes:
                reminder = outcome.reminder
                if outcome.kind == "retried":
                    await uow.reminders.retry(
                        reminder.key, now + outcome.delay, outcome.error, attempt=reminder.attempts
                    )
                elif outcome.kind == "failed":
                    await uow.reminders.failed(
                        reminder.key, outcome.error, attempt=reminder.attempts
                    )


__all__ = ["DispatchStats", "Dispatcher", "describe"]

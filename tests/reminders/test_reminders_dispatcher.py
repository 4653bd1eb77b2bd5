"""The dispatcher in-process, sending over HTTP to the loopback fake platform.

Platform errors (429 with Retry-After, 5xx, a timeout after the platform took the message) are
retried later with backoff, nothing is lost, and a later reminder to the same person waits for
the earlier one. After `max_attempts`, `give_up` is called once and the reminder is failed.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from reminders_platform import FakePlatform, PlatformClient
from reminders_support import T0, minutes, plan, program, reminder, rows

from core.clock import ManualClock
from core.reminders.dispatcher import Dispatcher, DispatchStats
from core.reminders.outbox import Reminder
from storage.store import SqlStore


@pytest_asyncio.fixture
async def client(platform: FakePlatform) -> AsyncIterator[PlatformClient]:
    sender = PlatformClient(platform.url, timeout=0.3)
    yield sender
    await sender.close()


class GiveUps:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, reminder: Reminder, error: str) -> None:
        self.calls.append((reminder.idempotency_key, error))


def _dispatcher(
    store: SqlStore, client: PlatformClient, clock: ManualClock, give_up: GiveUps, **options: int
) -> Dispatcher:
    return Dispatcher(
        store,
        client.deliver,
        clock,
        give_up=give_up,
        base_delay=timedelta(seconds=10),
        max_delay=timedelta(minutes=10),
        send_timeout=timedelta(seconds=5),
        lease=timedelta(minutes=10),
        rng=random.Random(7),
        **options,
    )


async def test_platform_errors_are_retried_in_order_and_nothing_is_lost(
    store: SqlStore, platform: FakePlatform, client: PlatformClient
) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "x1", "participant:x", T0),
        reminder(state, "x2", "participant:x", T0 + minutes(1)),
        reminder(state, "y1", "participant:y", T0),
    )
    # x1: rate limited for 2 minutes, then a 500, then the platform takes it but answers too
    # late (the client times out), then the retry is deduplicated by its transaction id.
    platform.script("x1", "429:120", "500", "slow:1.0")
    clock, give_up = ManualClock(T0 + minutes(2)), GiveUps()
    dispatcher = _dispatcher(store, client, clock, give_up)

    stats = await dispatcher.run_until_idle()
    assert (stats.sent, stats.retried) == (1, 1)
    assert platform.by_recipient() == {"participant:y": ["y1"]}
    stored = await rows(store)
    assert stored["x1"].status == "pending"
    assert stored["x1"].attempt_at >= clock.now() + timedelta(seconds=120)  # Retry-After
    assert "rate limited" in (stored["x1"].last_error or "")
    assert (stored["x2"].status, stored["x2"].attempts) == ("pending", 0)  # waits behind x1

    clock.advance(timedelta(seconds=119))
    assert (await dispatcher.run_until_idle()).claimed == 0  # x1 not yet; x2 blocked
    clock.advance(timedelta(seconds=1))
    assert (await dispatcher.run_once()).retried == 1  # the 500
    clock.advance(timedelta(minutes=1))
    assert (await dispatcher.run_once()).retried == 1  # the timeout (platform recorded it)
    assert platform.recorded_keys() == ["y1", "x1"]
    clock.advance(timedelta(minutes=1))
    stats = await dispatcher.run_until_idle()
    assert (stats.sent, stats.retried, stats.failed) == (2, 0, 0)  # x1 (deduplicated), x2

    assert platform.by_recipient() == {"participant:y": ["y1"], "participant:x": ["x1", "x2"]}
    assert platform.attempts == {"x1": 4, "x2": 1, "y1": 1}
    stored = await rows(store)
    assert {key: row.status for key, row in stored.items()} == dict.fromkeys(stored, "sent")
    assert stored["x1"].attempts == 4
    assert give_up.calls == []


async def test_backoff_grows_between_retries(
    store: SqlStore, platform: FakePlatform, client: PlatformClient
) -> None:
    state = await program(store)
    await plan(store, reminder(state, "k", "match:1", T0))
    platform.script("k", "503", "503", "503", "503")
    clock = ManualClock(T0)
    dispatcher = _dispatcher(store, client, clock, GiveUps(), max_attempts=10)
    waits = []
    for _ in range(4):
        assert (await dispatcher.run_once()).retried == 1
        wait = (await rows(store))["k"].attempt_at - clock.now()
        waits.append(wait.total_seconds())
        clock.advance(wait)
    assert (await dispatcher.run_once()).sent == 1
    for n, wait in enumerate(waits):  # equal jitter: between half the step and the step
        step = 10 * 2**n
        assert step / 2 <= wait <= step


async def test_give_up_after_max_attempts(
    store: SqlStore, platform: FakePlatform, client: PlatformClient
) -> None:
    state = await program(store)
    await plan(
        store,
        reminder(state, "doomed", "participant:z", T0),
        reminder(state, "next", "participant:z", T0 + minutes(1)),
    )
    platform.script("doomed", *["500"] * 10)
    clock, give_up = ManualClock(T0 + minutes(1)), GiveUps()
    dispatcher = _dispatcher(store, client, clock, give_up, max_attempts=3)
    total = DispatchStats()
    for _ in range(3):
        total += await dispatcher.run_once()
        clock.advance(timedelta(minutes=10))  # past any backoff
    assert (total.retried, total.failed, total.sent) == (2, 1, 0)
    assert give_up.calls == [("doomed", "TransientDeliveryError: platform error 500")]
    stored = await rows(store)
    assert (stored["doomed"].status, stored["doomed"].attempts) == ("failed", 3)
    # The failed one no longer holds up the next reminder to the same person; and nobody is
    # told twice.
    assert (await dispatcher.run_until_idle()).sent == 1
    assert platform.recorded_keys() == ["next"]
    clock.advance(timedelta(hours=1))
    assert (await dispatcher.run_until_idle()).claimed == 0
    assert len(give_up.calls) == 1


async def test_a_give_up_that_raises_keeps_the_reminder(
    store: SqlStore, platform: FakePlatform, client: PlatformClient
) -> None:
    state = await program(store)
    await plan(store, reminder(state, "k", "participant:z", T0))
    platform.script("k", "500", "500")
    calls = []

    async def flaky_give_up(reminder: Reminder, error: str) -> None:
        calls.append(reminder.attempts)
        if len(calls) == 1:
            raise RuntimeError("coordinator channel unavailable")

    clock = ManualClock(T0)
    dispatcher = Dispatcher(
        store, client.deliver, clock, give_up=flaky_give_up, max_attempts=1, rng=random.Random(1)
    )
    assert (await dispatcher.run_once()).retried == 1  # give_up failed: not marked failed
    clock.advance(timedelta(hours=2))
    assert (await dispatcher.run_once()).failed == 1
    assert calls == [1, 2]
    assert (await rows(store))["k"].status == "failed"


async def test_deliveries_run_concurrently_but_never_two_per_recipient(
    store: SqlStore, platform: FakePlatform, client: PlatformClient
) -> None:
    state = await program(store)
    await plan(
        store,
        *(
            reminder(state, f"r{r}-{n}", f"match:{r}", T0 + minutes(n))
            for r in range(5)
            for n in range(4)
        ),
    )
    platform.latency = 0.05
    clock = ManualClock(T0 + minutes(10))
    dispatcher = _dispatcher(store, client, clock, GiveUps(), batch=20, concurrency=20)
    stats = await dispatcher.run_until_idle()
    assert (stats.sent, stats.rounds) == (20, 5)  # 5 recipients in parallel, 4 rounds + idle
    assert platform.by_recipient() == {
        f"match:{r}": [f"r{r}-{n}" for n in range(4)] for r in range(5)
    }


def test_backoff_bounds_and_retry_after() -> None:
    dispatcher = Dispatcher(
        None,  # type: ignore[arg-type]  # backoff needs no store
        client_never_called,
        ManualClock(T0),
        give_up=GiveUps(),
        base_delay=timedelta(seconds=30),
        max_delay=timedelta(minutes=5),
        rng=random.Random(3),
    )
    for attempts in range(1, 12):
        step = min(300, 30 * 2 ** (attempts - 1))
        wait = dispatcher.backoff(attempts).total_seconds()
        assert step / 2 <= wait <= step
    assert dispatcher.backoff(1, retry_after=600) == timedelta(seconds=600)
    assert dispatcher.backoff(9, retry_after=1).total_seconds() >= 150


def test_batch_is_lowered_so_a_live_claim_cannot_expire() -> None:
    def make(**options: object) -> Dispatcher:
        return Dispatcher(
            None,  # type: ignore[arg-type]  # nothing runs
            client_never_called,
            ManualClock(T0),
            give_up=GiveUps(),
            **options,  # type: ignore[arg-type]
        )

    slow = {"send_timeout": timedelta(seconds=30), "lease": timedelta(minutes=5)}
    assert make(batch=100, concurrency=10, **slow).batch == 90  # 9 waves × 30 s < 5 min
    assert make(batch=20, concurrency=10, **slow).batch == 20
    assert make(batch=50, concurrency=1, **slow).batch == 9
    with pytest.raises(ValueError, match="lease"):
        make(send_timeout=timedelta(seconds=30), lease=timedelta(seconds=30))
    with pytest.raises(ValueError, match="must be ≥ 1"):
        make(batch=0)


async def client_never_called(reminder: Reminder) -> None:  # pragma: no cover
    raise AssertionError("deliver was not expected")

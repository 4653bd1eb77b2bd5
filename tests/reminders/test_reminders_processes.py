"""Real processes: dispatcher workers killed with SIGKILL mid-send, and two workers at once.

The workers (`worker.py`) deliver over HTTP to the fake platform running in this test process,
which deduplicates on the transaction id like Matrix does. The fake holds a chosen request so
the test can kill the worker at an exact point:

* `hold-before` — the worker has claimed the reminder and sent it, the platform has not recorded
  it (the message is lost with the connection);
* `hold-after` — the platform has recorded it, the worker never learns, so never marks it sent.

A restarted worker (short lease) claims the reminder again and sends it with the same
idempotency key: every due reminder arrives, none twice, each person's in order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reminders_platform import FakePlatform
from reminders_support import plan, program, reminder, rows

from storage.store import SqlStore

WORKER = Path(__file__).resolve().parent / "worker.py"
FAST = ["--lease", "1.5", "--send-timeout", "1.0", "--http-timeout", "0.9"]


class Worker:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process, self.log = process, log

    async def wait_ready(self) -> None:
        assert self.process.stdout is not None
        async with asyncio.timeout(30):
            line = await self.process.stdout.readline()
        assert line.strip() == b"ready", self.diagnostics(line)

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")

    async def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def finish(self) -> str:
        """Wait (45 s at most) for the worker to exit by itself when idle; its stdout."""
        assert self.process.stdout is not None
        async with asyncio.timeout(45):
            out = await self.process.stdout.read()
            code = await self.process.wait()
        assert code == 0, self.diagnostics(out)
        return out.decode()

    def diagnostics(self, out: bytes) -> str:
        return f"stdout: {out!r}\nstderr: {self.log.read_text()[-3000:]}"


@asynccontextmanager
async def worker(
    tmp_path: Path, database: str, platform: FakePlatform, name: str, *args: str
) -> AsyncIterator[Worker]:
    log = tmp_path / f"{name}.stderr"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            database,
            platform.url,
            "--name",
            name,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        yield Worker(process, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _due(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=60 - n)


@pytest.mark.parametrize("hold", ["hold-before", "hold-after"])
async def test_killed_mid_send_then_restarted_delivers_everything_once(
    store: SqlStore, database_url: str, platform: FakePlatform, tmp_path: Path, hold: str
) -> None:
    state = await program(store)
    people = {"match:a": ["a1", "a2", "a3"], "match:b": ["b1", "b2"], "match:c": ["c1"]}
    await plan(
        store,
        *(
            reminder(state, key, recipient, _due(n))
            for recipient, keys in people.items()
            for n, key in enumerate(keys)
        ),
    )
    platform.script("a1", hold)

    async with worker(tmp_path, database_url, platform, "first", *FAST) as first:
        await first.wait_ready()
        async with asyncio.timeout(30):
            assert await platform.next_arrival() == ("a1", hold)
        await first.kill()  # between claiming and recording the send

    stored = await rows(store)
    assert (stored["a1"].status, stored["a1"].attempts) == ("claimed", 1)  # in flight, orphaned
    assert stored["a2"].status == "pending"
    assert ("a1" in platform.recorded_keys()) == (hold == "hold-after")

    async with worker(
        tmp_path, database_url, platform, "second", *FAST, "--exit-when-idle", "2.5"
    ) as second:
        await second.wait_ready()
        out = await second.finish()
    assert "gave-up" not in out

    assert platform.by_recipient() == people  # everything, once, in order per person
    assert platform.attempts["a1"] == 2  # resent under the same transaction id
    stored = await rows(store)
    assert {k: r.status for k, r in stored.items()} == dict.fromkeys(stored, "sent")
    assert stored["a1"].attempts == 2


@pytest.mark.postgres
@pytest.mark.parametrize("database_backend", ["postgres"], indirect=True)
async def test_two_worker_processes_deliver_each_reminder_exactly_once(
    store: SqlStore, database_url: str, platform: FakePlatform, tmp_path: Path
) -> None:
    state = await program(store)
    recipients = [f"participant:{n}" for n in range(250)]
    expected = {r: [f"{r}/{n}" for n in range(4)] for r in recipients}
    await plan(
        store,
        *(
            reminder(state, key, recipient, _due(n))
            for recipient, keys in expected.items()
            for n, key in enumerate(keys)
        ),
    )
    platform.latency = 0.002
    options: Sequence[str] = [
        *("--lease", "60", "--batch", "25", "--concurrency", "10"),
        *("--wait-go", "--exit-when-idle", "1.5"),
    ]
    async with (
        worker(tmp_path, database_url, platform, "one", *options) as one,
        worker(tmp_path, database_url, platform, "two", *options) as two,
    ):
        await asyncio.gather(one.wait_ready(), two.wait_ready())
        one.go()
        two.go()
        outputs = await asyncio.gather(one.finish(), two.finish())
    assert all("gave-up" not in out for out in outputs)

    assert len(platform.attempts) == 1_000
    assert set(platform.attempts.values()) == {1}  # every key sent exactly once, no retries
    assert platform.by_recipient() == expected
    senders = {m.worker for m in platform.messages}
    assert senders == {"one", "two"}  # both took part
    stored = await rows(store)
    assert {(r.status, r.attempts) for r in stored.values()} == {("sent", 1)}

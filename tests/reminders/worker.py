"""A dispatcher process for the reminder tests: `python tests/reminders/worker.py DB_URL PLATFORM`.

Runs a real `Dispatcher` (system clock) on the database, delivering over HTTP to the fake
platform, round after round until killed — or, with `--exit-when-idle S`, until no round has
claimed anything for S seconds. Prints `ready` once connected; with `--wait-go` it then waits
for a line on stdin before the first round, so several workers can start together. Prints
`gave-up KEY` when a reminder is given up.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta

# Run as a script, so this folder is on sys.path (reminders_platform) and the installed
# project provides core and storage.
from reminders_platform import PlatformClient

from core.clock import SystemClock
from core.reminders.dispatcher import Dispatcher
from core.reminders.outbox import Reminder
from storage.engine import create_engine
from storage.store import SqlStore


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("platform")
    parser.add_argument("--name", default="worker")
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--send-timeout", type=float, default=5.0)
    parser.add_argument("--http-timeout", type=float, default=4.0)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--exit-when-idle", type=float, default=None)
    parser.add_argument("--wait-go", action="store_true")
    return parser.parse_args()


async def _main(args: argparse.Namespace) -> None:
    engine = create_engine(args.database)
    client = PlatformClient(args.platform, worker=args.name, timeout=args.http_timeout)

    async def give_up(reminder: Reminder, error: str) -> None:
        print(f"gave-up {reminder.idempotency_key}", flush=True)

    dispatcher = Dispatcher(
        SqlStore(engine),
        client.deliver,
        SystemClock(),
        give_up=give_up,
        batch=args.batch,
        concurrency=args.concurrency,
        lease=timedelta(seconds=args.lease),
        send_timeout=timedelta(seconds=args.send_timeout),
        base_delay=timedelta(seconds=0.2),
        max_delay=timedelta(seconds=1),
    )
    try:
        async with engine.connect():  # connected before we say ready
            pass
        print("ready", flush=True)
        if args.wait_go:
            await asyncio.to_thread(sys.stdin.readline)
        idle_since = time.monotonic()
        while True:
            stats = await dispatcher.run_once()
            if stats.claimed:
                idle_since = time.monotonic()
                continue
            idle = time.monotonic() - idle_since
            if args.exit_when_idle is not None and idle >= args.exit_when_idle:
                break
            await asyncio.sleep(args.interval)
    finally:
        await client.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_main(_arguments()))

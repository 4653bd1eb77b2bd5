"""Reminder outbox: dispatch throughput and planning cost, on SQLite and on PostgreSQL.

Per engine, in a database of its own (a temporary SQLite file; on PostgreSQL a fresh database on
the server named by `MENTORBOT_BENCH_POSTGRES_URL` or else `MENTORBOT_TEST_POSTGRES_URL`, dropped
afterwards):

* **dispatch** — 100,000 pending reminders (20,000 matches × 5), of which 10,000 (the first of
  10,000 matches) are due at once; a `Dispatcher` (batch 500, concurrency 50) with a no-op
  deliver drains them (`run_until_idle`): claims + deliveries + recorded outcomes. Rate = 10,000
  / wall time; median of `repeats` runs, the due rows reset to pending between runs. Twice:
  with the default group commit of outcomes (`record_group=100`) and with one transaction per
  outcome (`record_group=1`).
* **planning** — 10,000 new matches × 5 reminders: `plan` one by one in one transaction per
  match (what an event handler does), and `plan_many` in batches of 1,000 matches.
* **claim plan** — `EXPLAIN QUERY PLAN` / `EXPLAIN` of the claim statement on the loaded table.

Target: ≥ 1,000 deliveries/s on both engines.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from core.reminders.dispatcher import Dispatcher
from core.reminders.outbox import Reminder, match_recipient
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.reminder_repository import claim_statement
from storage.store import SqlStore
from storage.tables import ReminderRow

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
MATCHES = 20_000
PER_MATCH = 5
DUE_MATCHES = 10_000
PLAN_MATCHES = 10_000
PLAN_BATCH = 1_000
TARGET_PER_SECOND = 1_000
POSTGRES_VARIABLES = ("MENTORBOT_BENCH_POSTGRES_URL", "MENTORBOT_TEST_POSTGRES_URL")
MODES = {"default": 100, "strict": 1}
"""Dispatcher `record_group`: group commit of outcomes (default) vs one transaction each."""

Log = Callable[[str], None]


def _reminders(program_id: int, first: int, count: int, prefix: str) -> list[Reminder]:
    """`count` matches × 5 reminders; matches below DUE_MATCHES have their first one due now."""
    out = []
    for match in range(first, first + count):
        for n in range(PER_MATCH):
            due_now = n == 0 and match < DUE_MATCHES
            due = NOW - timedelta(minutes=1) if due_now else NOW + timedelta(days=14 * n + 1)
            out.append(
                Reminder(
                    kind="checkin",
                    program_state_id=program_id,
                    recipient=match_recipient(match),
                    due_at=due,
                    idempotency_key=f"{prefix}:{match}:{n}",
                    payload={"number": n},
                )
            )
    return out


async def _program(store: SqlStore) -> int:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("bench", "W1")
        return (await uow.programs.ensure(workspace, "default")).id


async def _seed(store: SqlStore, program_id: int) -> None:
    rows = _reminders(program_id, 0, MATCHES, "seed")
    for start in range(0, len(rows), 10_000):
        async with store.transaction() as uow:
            await uow.reminders.plan_many(rows[start : start + 10_000])


async def _analyze(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        # VACUUM cannot run inside a transaction.
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.execute(text("VACUUM ANALYZE reminder"))
        return
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def _reset(engine: AsyncEngine) -> None:
    table = ReminderRow.__table__
    async with engine.begin() as connection:
        await connection.execute(
            update(table)
            .where(table.c.status != "pending")  # type: ignore[attr-defined]
            .values(status="pending", attempts=0, claimed_at=None, sent_at=None)
        )
    await _analyze(engine)


async def _noop(_: Reminder) -> None:
    return None


async def _give_up(reminder: Reminder, error: str) -> None:  # pragma: no cover - never fails
    raise AssertionError(f"no-op deliver failed for {reminder.id}: {error}")


async def _dispatch_once(store: SqlStore, record_group: int, log: Log) -> dict[str, Any]:
    dispatcher = Dispatcher(
        store,
        _noop,
        ManualClock(NOW),
        give_up=_give_up,
        batch=500,
        concurrency=50,
        lease=timedelta(minutes=10),
        record_group=record_group,
    )
    started = time.perf_counter()
    stats = await dispatcher.run_until_idle(max_rounds=1_000)
    seconds = time.perf_counter() - started
    if stats.sent != DUE_MATCHES:
        raise AssertionError(f"expected {DUE_MATCHES} sent, got {stats}")
    log(f"  dispatched {stats.sent} in {seconds:.2f}s ({stats.rounds} rounds)")
    return {"seconds": seconds, "sent": stats.sent, "rounds": stats.rounds}


async def _dispatch_runs(
    engine: AsyncEngine, store: SqlStore, name: str, mode: str, repeats: int, log: Log
) -> dict[str, Any]:
    runs = []
    for n in range(repeats):
        log(f"{name}: dispatch ({mode}) run {n + 1}/{repeats} …")
        runs.append(await _dispatch_once(store, MODES[mode], log))
        await _reset(engine)
    seconds = statistics.median(r["seconds"] for r in runs)
    return {
        "record_group": MODES[mode],
        "seconds": [round(r["seconds"], 3) for r in runs],
        "seconds_median": round(seconds, 3),
        "deliveries_per_second_median": round(DUE_MATCHES / seconds),
        "meets_target": DUE_MATCHES / seconds >= TARGET_PER_SECOND,
    }


async def _plan_one_by_one(store: SqlStore, program_id: int) -> float:
    reminders = _reminders(program_id, MATCHES, PLAN_MATCHES, "plan")
    started = time.perf_counter()
    for start in range(0, len(reminders), PER_MATCH):
        async with store.transaction() as uow:
            for reminder in reminders[start : start + PER_MATCH]:
                await uow.reminders.plan(reminder)
    return time.perf_counter() - started


async def _plan_batched(store: SqlStore, program_id: int) -> float:
    reminders = _reminders(program_id, MATCHES + PLAN_MATCHES, PLAN_MATCHES, "batch")
    size = PLAN_BATCH * PER_MATCH
    started = time.perf_counter()
    for start in range(0, len(reminders), size):
        async with store.transaction() as uow:
            await uow.reminders.plan_many(reminders[start : start + size])
    return time.perf_counter() - started


async def explain_claim(engine: AsyncEngine) -> list[str]:
    """The engine's plan for the claim statement (EXPLAIN; nothing is changed)."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "

    def add_explain(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        return prefix + statement, params

    async with engine.connect() as connection:
        sync = connection.sync_connection
        assert sync is not None
        event.listen(sync, "before_cursor_execute", add_explain, retval=True)
        try:
            result = await connection.execute(claim_statement(NOW, 500, engine.dialect.name))
            rows = result.all()
        finally:
            event.remove(sync, "before_cursor_execute", add_explain)
            await connection.rollback()
    if engine.dialect.name == "sqlite":
        return [f"{row[0]}|{row[1]}| {row[3]}" for row in rows]
    return [str(row[0]) for row in rows]


async def _engine_run(name: str, url: str, repeats: int, log: Log) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        store = SqlStore(engine)
        program_id = await _program(store)
        log(f"{name}: seeding {MATCHES * PER_MATCH:,} reminders …")
        started = time.perf_counter()
        await _seed(store, program_id)
        seed_seconds = time.perf_counter() - started
        await _analyze(engine)
        plan = await explain_claim(engine)
        modes = {
            mode: await _dispatch_runs(engine, store, name, mode, repeats, log) for mode in MODES
        }
        log(f"{name}: planning {PLAN_MATCHES:,} matches × {PER_MATCH} …")
        one_by_one = await _plan_one_by_one(store, program_id)
        batched = await _plan_batched(store, program_id)
    finally:
        await engine.dispose()
    return {
        "engine": name,
        "due": DUE_MATCHES,
        "pending": MATCHES * PER_MATCH,
        "dispatch": modes,
        "deliveries_per_second_median": modes["default"]["deliveries_per_second_median"],
        "meets_target": modes["default"]["meets_target"],
        "seed_100k_plan_many_seconds": round(seed_seconds, 2),
        "plan_10k_matches_one_by_one_seconds": round(one_by_one, 2),
        "plan_10k_matches_plan_many_seconds": round(batched, 2),
        "claim_plan": plan,
    }


def _postgres_url() -> str | None:
    for variable in POSTGRES_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _with_postgres(server: str, repeats: int, log: Log) -> dict[str, Any]:
    name = f"mentorbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        return await _engine_run("postgresql", url, repeats, log)
    finally:
        admin = await asyncpg.connect(_dsn(server))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _run(repeats: int, log: Log) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'reminders.db'}"
        results.append(await _engine_run("sqlite", url, repeats, log))
    server = _postgres_url()
    if server is None:
        log("postgresql: skipped (set MENTORBOT_BENCH_POSTGRES_URL or MENTORBOT_TEST_POSTGRES_URL)")
        results.append({"engine": "postgresql", "skipped": "no PostgreSQL URL"})
    else:
        results.append(await _with_postgres(server, repeats, log))
    return results


def run(large: bool, repeats: int | None, log: Log) -> list[dict[str, Any]]:
    return asyncio.run(_run(repeats or 3, log))


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"Reminder outbox: {MATCHES * PER_MATCH:,} pending, {DUE_MATCHES:,} due at once, "
        f"no-op deliver (target ≥ {TARGET_PER_SECOND:,}/s); planning {PLAN_MATCHES:,} matches "
        f"× {PER_MATCH}",
        f"{'engine':<11}{'records':<9}{'deliveries/s':>13}{'median s':>10}{'runs s':>20}"
        f"{'plan 1×1 s':>12}{'plan_many s':>12}",
    ]
    for row in results:
        if "skipped" in row:
            lines.append(f"{row['engine']:<11} skipped: {row['skipped']}")
            continue
        for mode, result in row["dispatch"].items():
            label = "grouped" if mode == "default" else "1 per tx"
            runs = ", ".join(f"{s:.2f}" for s in result["seconds"])
            planning = (
                f"{row['plan_10k_matches_one_by_one_seconds']:>12.2f}"
                f"{row['plan_10k_matches_plan_many_seconds']:>12.2f}"
                if mode == "default"
                else ""
            )
            lines.append(
                f"{row['engine']:<11}{label:<9}{result['deliveries_per_second_median']:>13,}"
                f"{result['seconds_median']:>10.2f}{runs:>20}{planning}"
            )
    for row in results:
        if "claim_plan" in row:
            lines.append(f"claim plan, {row['engine']}:")
            lines.extend(f"    {line}" for line in row["claim_plan"])
    return "\n".join(lines)

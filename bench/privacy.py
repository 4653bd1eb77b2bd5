"""Retention at program scale: the scheduler's `expire_answers` on 12,000 people who left.

The generated 12,000-person roster of `bench.roster_import` (about 100,000 answers) is imported
into an empty database (SQLite file; PostgreSQL as in `bench.roster_import`), everyone is marked
as having left 100 days ago (not timed), then one retention run with 30 days is timed: it
deletes every answer and draft and empties delivered messages about them. A second run (nothing
left to delete) shows the cost of the check the scheduler repeats every six hours. Medians of
`repeats` runs, a fresh database each.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from bench.roster_import import (
    IMPORT_SPEC,
    NOW,
    PROGRAM,
    Log,
    _database,
    _postgres_url,
    _roster_json,
)
from core.matching import parse_roster
from core.onboarding.roster_import import import_roster
from core.participants.retention import expire_answers
from core.programs.program import load_program
from storage.tables import AnswerRow, ParticipantRow


async def _runs(engine_name: str, repeats: int, log: Log) -> dict[str, Any]:
    program = load_program(PROGRAM)
    raw = _roster_json(IMPORT_SPEC, 0)
    for row in raw["participants"]:  # within the bundled program's capacity bounds
        if row.get("capacity"):
            row["capacity"] = min(row["capacity"], program.capacity.maximum)
    roster = parse_roster(raw, program)
    first, again, deleted = [], [], 0
    for n in range(repeats):
        log(f"retention, {engine_name}: run {n + 1}/{repeats} …")
        async with _database(engine_name) as store:
            await import_roster(
                store, program, roster, platform="shell", workspace="local", now=NOW
            )
            async with store.transaction() as uow:
                await uow.session.execute(  # type: ignore[attr-defined]
                    update(ParticipantRow).values(status="left", left_at=NOW - timedelta(days=100))
                )
                deleted = await uow.session.scalar(select(func.count()).select_from(AnswerRow))  # type: ignore[attr-defined]
            started = time.perf_counter()
            people = await expire_answers(store, NOW, 30)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert await expire_answers(store, NOW, 30) == 0
            again.append(time.perf_counter() - started)
    return {
        "engine": engine_name,
        "people": people,
        "answers": deleted,
        "seconds": first,
        "seconds_median": statistics.median(first),
        "again_seconds_median": statistics.median(again),
    }


async def _all(repeats: int, log: Log) -> list[dict[str, Any]]:
    rows = [await _runs("sqlite", repeats, log)]
    if _postgres_url() is None:
        rows.append({"engine": "postgresql", "skipped": "no PostgreSQL URL"})
    else:
        rows.append(await _runs("postgresql", repeats, log))
    return rows


def run(large: bool, repeats: int | None, log: Log) -> dict[str, Any]:
    return {"retention": asyncio.run(_all(repeats or 3, log))}


def table(results: dict[str, Any]) -> str:
    lines = [
        "Retention: answers of 12,000 people who left, deleted in one scheduler run",
        f"{'engine':<11}{'people':>8}{'answers':>9}{'run s':>8}{'again s':>9}  runs",
    ]
    for row in results["retention"]:
        if "skipped" in row:
            lines.append(f"{row['engine']:<11} skipped: {row['skipped']}")
            continue
        lines.append(
            f"{row['engine']:<11}{row['people']:>8,}{row['answers']:>9,}"
            f"{row['seconds_median']:>8.2f}{row['again_seconds_median']:>9.3f}  "
            + ", ".join(f"{s:.2f}" for s in row["seconds"])
        )
    return "\n".join(lines)

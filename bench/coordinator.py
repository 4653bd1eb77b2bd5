"""Coordinator tools at program scale: `admin stats` (figures and chart) and `admin export`.

The program: the 12,000-person roster of `bench.roster_import` (10,000 mentees, 2,000 mentors)
with its 2,000 history pairs as ended matches, imported into an empty database (SQLite file;
PostgreSQL as in `bench.roster_import`). Timed, each in one transaction as the verb runs it:
`cycle_stats` + `health_chart` (the PNG), and `build_export` (the zip). Medians of `repeats`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from bench.roster_import import (
    HISTORY,
    IMPORT_SPEC,
    NOW,
    PROGRAM,
    _database,
    _postgres_url,
    _roster_json,
)
from core.coordinator.chart import health_chart
from core.coordinator.export import build_export
from core.coordinator.stats import cycle_stats
from core.matching import parse_roster
from core.onboarding.roster_import import import_roster
from core.programs.program import Program, load_program
from storage.store import SqlStore


async def _timed(store: SqlStore, program: Program, repeats: int) -> dict[str, float]:
    stats, export = [], []
    size = 0
    for _ in range(repeats):
        async with store.transaction() as uow:
            state = (await uow.programs.all())[0]
            started = time.perf_counter()
            figures = await cycle_stats(uow, program, state.id, NOW)
            health_chart(program.name, figures[0])
            stats.append(time.perf_counter() - started)
            started = time.perf_counter()
            size = len((await build_export(uow, program, state.id)).data)
            export.append(time.perf_counter() - started)
    return {
        "stats_seconds_median": round(statistics.median(stats), 3),
        "export_seconds_median": round(statistics.median(export), 3),
        "export_bytes": size,
    }


async def _measure(engine: str, repeats: int, log: Any) -> dict[str, Any]:
    program = load_program(PROGRAM)
    roster = parse_roster(_roster_json(IMPORT_SPEC, HISTORY), program)
    async with _database(engine) as store:
        await import_roster(store, program, roster, platform="shell", workspace="local", now=NOW)
        result = await _timed(store, program, repeats)
    log(f"coordinator tools, {engine}: {result}")
    return {"engine": engine, "people": len(roster.candidates), "matches": HISTORY, **result}


def run(large: bool, repeats: int | None, log: Any) -> list[dict[str, Any]]:
    rounds = repeats or 3
    rows = [asyncio.run(_measure("sqlite", rounds, log))]
    if _postgres_url() is None:
        rows.append({"engine": "postgresql", "skipped": "no PostgreSQL URL"})
    else:
        rows.append(asyncio.run(_measure("postgresql", rounds, log)))
    return rows


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "Coordinator tools (12,000 people, 2,000 matches): medians in seconds",
        f"{'engine':<12}{'admin stats + chart':>21}{'admin export':>14}{'zip bytes':>12}",
    ]
    for row in results:
        if "skipped" in row:
            lines.append(f"{row['engine']:<12}skipped: {row['skipped']}")
            continue
        lines.append(
            f"{row['engine']:<12}{row['stats_seconds_median']:>21}"
            f"{row['export_seconds_median']:>14}{row['export_bytes']:>12}"
        )
    return "\n".join(lines)

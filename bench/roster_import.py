"""Roster import at program scale.

* **import** — 12,000 people (10,000 mentees, 2,000 mentors, the generated roster of
  `bench.roster_gen`) with 2,000 history pairs, into an empty database (a temporary SQLite file;
  on PostgreSQL a fresh database on the server named by `MENTORBOT_BENCH_POSTGRES_URL` or else
  `MENTORBOT_TEST_POSTGRES_URL`, dropped afterwards), through `import_roster` (bulk writes);
  then the same roster again ("re-import": everyone found, nothing changed). Parsing the roster
  is not timed. The old path (one `find` + `add`/`save` per person, one `matches.add` per pair,
  as `import_roster` did before) runs on the first `OLD_PEOPLE` people only and is extrapolated
  linearly to 12,000 (it grows linearly: one round trip per row); the table says so.

Medians of `repeats` runs (a fresh database each run). Target: import ≤ 5 s on both engines.
(`mentorbot match` end to end is the `match_cli` suite.)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.roster_gen import RosterSpec, generate
from core.domain import Cycle, MatchMember, MatchRecord, MatchStatus, Participant, ParticipantStatus
from core.identity import PlatformUser
from core.matching import Roster, parse_roster
from core.onboarding.roster_import import import_roster
from core.programs.program import Program, Role, load_program
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "programs" / "default.yaml"
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
IMPORT_SPEC = RosterSpec(10_000, 2_000, 5, seed=7)
HISTORY = 2_000
OLD_PEOPLE = 1_000
BUNDLED_MAXIMUM = 4
IMPORT_TARGET_S = 5.0
POSTGRES_VARIABLES = ("MENTORBOT_BENCH_POSTGRES_URL", "MENTORBOT_TEST_POSTGRES_URL")

Log = Callable[[str], None]


def _rows(spec: RosterSpec) -> list[dict[str, Any]]:
    """The generated rows, valid for the bundled program: its `mentee_capacity` question and its
    `capacity.maximum` allow at most 4, so the generated capacity is capped there (a roster
    above the program's maximum is refused)."""
    rows = generate(spec)
    for row in rows:
        if "capacity" in row:
            row["capacity"] = min(BUNDLED_MAXIMUM, row["capacity"])
        if "mentee_capacity" in row["answers"]:
            answers = row["answers"]
            answers["mentee_capacity"] = min(BUNDLED_MAXIMUM, answers["mentee_capacity"])
    return rows


def _roster_json(spec: RosterSpec, history: int) -> dict[str, Any]:
    rows = _rows(spec)
    mentees = [r["id"] for r in rows if r["role"] == "mentee"]
    mentors = [r["id"] for r in rows if r["role"] == "mentor"]
    pairs = [[mentees[n], mentors[(n * 7) % len(mentors)]] for n in range(history)]
    return {"participants": rows, "history": pairs}


def _prefix(raw: dict[str, Any], people: int) -> dict[str, Any]:
    """The first `people` rows, with the history pairs among them."""
    rows = raw["participants"][:people]
    ids = {r["id"] for r in rows}
    history = [p for p in raw["history"] if p[0] in ids and p[1] in ids]
    return {"participants": rows, "history": history}


async def _one_by_one(store: SqlStore, program: Program, roster: Roster) -> None:
    """The import as it was before the bulk path: one round trip per person and per pair."""
    async with store.transaction() as uow:
        workspace_id = await uow.workspaces.ensure("shell", "local")
        state = await uow.programs.ensure(workspace_id, program.id)
        ids: dict[str, int] = {}
        for candidate in roster.candidates:
            user = PlatformUser("shell", "local", candidate.id)
            person = await uow.participants.find(state.id, user)
            fields = {
                "roles": candidate.roles,
                "answers": dict(candidate.answers),
                "capacity": candidate.capacity if Role.MENTOR in candidate.roles else 0,
                "status": ParticipantStatus.ACTIVE,
                "paused_until": None,
            }
            if person is None:
                person = await uow.participants.add(
                    Participant(state.id, user, candidate.id, joined_at=NOW, **fields)
                )
            else:
                for name, value in fields.items():
                    setattr(person, name, value)
                await uow.participants.save(person)
            ids[candidate.id] = person.key
        cycle = await uow.cycles.current(state.id) or await uow.cycles.add(
            Cycle(0, state.id, 0, NOW, NOW)
        )
        for mentee, mentor in sorted(roster.history):
            await uow.matches.add(
                MatchRecord(
                    state.id,
                    cycle.id,
                    (MatchMember(ids[mentor], Role.MENTOR), MatchMember(ids[mentee], Role.MENTEE)),
                    0.0,
                    ["imported history"],
                    NOW,
                    f"history:{state.id}:{ids[mentee]}:{ids[mentor]}",
                    MatchStatus.ENDED,
                    introduced_at=NOW,
                    ended_at=NOW,
                )
            )


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@asynccontextmanager
async def _database(engine_name: str) -> AsyncIterator[SqlStore]:
    """A migrated store on an empty database of its own, removed afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as folder:
            async with _store(f"sqlite:///{Path(folder) / 'roster.db'}") as store:
                yield store
        return
    server = _postgres_url()
    assert server is not None
    name = f"mentorbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        async with _store(make_url(server).set(database=name).render_as_string(False)) as store:
            yield store
    finally:
        admin = await asyncpg.connect(_dsn(server))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def _store(url: str) -> AsyncIterator[SqlStore]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        yield SqlStore(engine)
    finally:
        await engine.dispose()


def _postgres_url() -> str | None:
    for variable in POSTGRES_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


async def _import_runs(
    engine_name: str, program: Program, full: Roster, small: Roster, repeats: int, log: Log
) -> dict[str, Any]:
    bulk, again, old = [], [], []
    for n in range(repeats):
        log(f"roster import, {engine_name}: run {n + 1}/{repeats} …")
        async with _database(engine_name) as store:
            started = time.perf_counter()
            await import_roster(store, program, full, platform="shell", workspace="local", now=NOW)
            bulk.append(time.perf_counter() - started)
            started = time.perf_counter()
            await import_roster(store, program, full, platform="shell", workspace="local", now=NOW)
            again.append(time.perf_counter() - started)
        async with _database(engine_name) as store:
            started = time.perf_counter()
            await _one_by_one(store, program, small)
            old.append(time.perf_counter() - started)
    people, small_people = len(full.candidates), len(small.candidates)
    old_median = statistics.median(old)
    return {
        "engine": engine_name,
        "people": people,
        "history": len(full.history),
        "bulk_seconds": [round(s, 3) for s in bulk],
        "bulk_seconds_median": round(statistics.median(bulk), 3),
        "reimport_seconds_median": round(statistics.median(again), 3),
        "old_people": small_people,
        "old_seconds_median": round(old_median, 3),
        "old_extrapolated_seconds": round(old_median * people / small_people, 2),
        "meets_target": statistics.median(bulk) <= IMPORT_TARGET_S,
    }


async def _imports(repeats: int, log: Log) -> list[dict[str, Any]]:
    program = load_program(PROGRAM)
    raw = _roster_json(IMPORT_SPEC, HISTORY)
    full = parse_roster(raw, program)
    small = parse_roster(_prefix(raw, OLD_PEOPLE), program)
    rows = [await _import_runs("sqlite", program, full, small, repeats, log)]
    if _postgres_url() is None:
        log("roster import, postgresql: skipped (set MENTORBOT_BENCH_POSTGRES_URL)")
        rows.append({"engine": "postgresql", "skipped": "no PostgreSQL URL"})
    else:
        rows.append(await _import_runs("postgresql", program, full, small, repeats, log))
    return rows


def run(large: bool, repeats: int | None, log: Log) -> dict[str, Any]:
    count = repeats or 3
    return {"import": asyncio.run(_imports(count, log))}


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Roster import: 12,000 people + {HISTORY:,} history pairs (target ≤ "
        f"{IMPORT_TARGET_S:.0f} s); old = one statement per row, measured on {OLD_PEOPLE:,} "
        "people and extrapolated ×12",
        f"{'engine':<11}{'bulk s':>8}{'re-import s':>13}{'old s (1,000)':>15}"
        f"{'old s → 12,000':>16}{'speed-up':>10}  runs (bulk)",
    ]
    for row in results["import"]:
        if "skipped" in row:
            lines.append(f"{row['engine']:<11} skipped: {row['skipped']}")
            continue
        speedup = row["old_extrapolated_seconds"] / row["bulk_seconds_median"]
        lines.append(
            f"{row['engine']:<11}{row['bulk_seconds_median']:>8.2f}"
            f"{row['reimport_seconds_median']:>13.2f}{row['old_seconds_median']:>15.2f}"
            f"{row['old_extrapolated_seconds']:>16.1f}{speedup:>9.1f}×  "
            + ", ".join(f"{s:.2f}" for s in row["bulk_seconds"])
        )
    return "\n".join(lines)

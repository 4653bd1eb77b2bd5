"""The Matrix adapter against a local Synapse (installed on first use, see tests/kit/matrix).

* **commit** — 20 mentees and 20 mentors (each with an encrypting device, keys uploaded) are
  enrolled; the coordinator previews the round (as coordinators do; it also starts the matching
  worker process), then types `!mentor admin match commit` in her encrypted DM; timed until
  the bot has handled it: 20 encrypted rooms created, both members invited, every introduction
  sent (encrypted to the members' devices). Target ≤ 10 s.
* **status round trip** — a mentee types `!mentor status` in her encrypted DM, 100 times one
  after another; timed from her send until her client has decrypted the bot's reply.
  Target p99 ≤ 500 ms.

Medians of `repeats` commits (a fresh bot, people and database each run).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nio import AsyncClient

from core.clock import SystemClock
from core.matching.roster import parse_roster
from core.onboarding.roster_import import import_roster
from tests.kit.matrix.person import Person
from tests.kit.matrix.synapse import Synapse, ensure_installed
from tests.kit.matrix.world import World

PAIRS = 20
COMMANDS = 100
Log = Callable[[str], None]
MENTEE = {
    "topics_wanted": ["career", "leadership"],
    "goals": "Grow.",
    "languages": ["en"],
    "timezone": "Europe/Madrid",
    "years_experience": 2,
    "communication": ["chat", "video"],
    "availability": "regular",
    "bio": "Benchmark mentee.",
}
MENTOR = {
    "topics_offered": ["career", "leadership"],
    "mentee_capacity": 1,
    "languages": ["en"],
    "timezone": "Europe/Berlin",
    "years_experience": 12,
    "communication": ["chat", "video"],
    "availability": "regular",
    "bio": "Benchmark mentor.",
}


async def _device(synapse: Synapse, user_id: str, password: str, store: Path) -> None:
    """A person's phone: logs in once and uploads its keys, so the bot encrypts to it."""
    await asyncio.to_thread(store.mkdir, parents=True, exist_ok=True)
    client = AsyncClient(synapse.base_url, user_id, store_path=str(store))
    try:
        await client.login(password, device_name="phone")
        await client.keys_upload()
    finally:
        await client.close()


async def _people(synapse: Synapse, directory: Path) -> tuple[list[str], list[str]]:
    mentees = [synapse.register(f"mentee{n}") for n in range(PAIRS)]
    mentors = [synapse.register(f"mentor{n}") for n in range(PAIRS)]
    slots = asyncio.Semaphore(8)

    async def one(n: int, account: Any) -> None:
        async with slots:
            await _device(synapse, account.user_id, account.password, directory / f"d{n}")

    await asyncio.gather(*(one(n, a) for n, a in enumerate(mentees[1:] + mentors)))
    return [a.user_id for a in mentees], [a.user_id for a in mentors]


async def _measure(log: Log) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mentorbot-matrix-bench-") as folder:
        directory = Path(folder)
        with Synapse(directory / "synapse", ensure_installed()) as synapse:
            world = await World.create(synapse, directory, names={"cora": "Cora"})
            try:
                return await _run(world, synapse, directory, log)
            finally:
                await world.close()


async def _run(world: World, synapse: Synapse, directory: Path, log: Log) -> dict[str, Any]:
    await world.open_program_room("cora")
    mentees, mentors = await _people(synapse, directory)
    first = synapse.register("mentee-first", displayname="Mia")
    mentees[0] = first.user_id
    mia = await Person(synapse, first, directory / "mia", "mia").start()
    mia.accept_from.add(world.bot.user_id)
    world.people["mia"] = mia
    app = await world.start_bot(f"sqlite:///{directory / 'bot.db'}", SystemClock())
    program = app.programs[0]
    rows = [{"id": m, "role": "mentee", "answers": MENTEE} for m in mentees] + [
        {"id": r, "role": "mentor", "capacity": 1, "answers": MENTOR} for r in mentors
    ]
    roster = parse_roster({"participants": rows, "history": []}, program)
    now = datetime.now(UTC)
    await import_roster(
        app.store, program, roster, platform="matrix", workspace="localhost", now=now
    )

    cora = world.people["cora"]
    dm = await cora.open_dm(world.bot.user_id)
    await world.settle(await cora.say(dm, "!mentor admin match preview"), 300)
    started = time.perf_counter()
    sent = await cora.say(dm, "!mentor admin match commit")
    assert world.adapter is not None
    await world.adapter.synced.until(lambda: sent in world.adapter.handled, 300)  # type: ignore[union-attr]
    commit_s = time.perf_counter() - started
    rooms = len(world.adapter.port.book.matches)
    intros = sum(
        1 for room, _ in world.adapter.port.sent if room in world.adapter.port.book.matches
    )
    log(
        f"matrix: commit of {PAIRS} matches: {rooms} rooms, {intros} introductions, "
        f"{commit_s:.2f} s"
    )

    mia_dm = await mia.open_dm(world.bot.user_id)
    await world.settle()
    bot = world.bot.user_id
    latencies: list[float] = []
    for _ in range(COMMANDS):
        count = sum(1 for s in mia.rooms.get(mia_dm, []) if s.sender == bot)
        started = time.perf_counter()
        await mia.say(mia_dm, "!mentor status")
        await mia.until(mia_dm, lambda shown, n=count: sum(s.sender == bot for s in shown) > n)
        latencies.append(time.perf_counter() - started)
    assert not mia.undecryptable
    assert not world.adapter.undecryptable
    ordered = sorted(latencies)
    return {
        "commit_s": round(commit_s, 2),
        "rooms": rooms,
        "introductions": intros,
        "status_p50_ms": round(statistics.median(ordered) * 1000, 1),
        "status_p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
        "status_max_ms": round(ordered[-1] * 1000, 1),
        "commands": len(ordered),
    }


def run(large: bool, repeats: int | None, log: Log) -> dict[str, Any]:
    runs = [asyncio.run(_measure(log)) for _ in range(repeats or 1)]
    return {
        "pairs": PAIRS,
        "runs": runs,
        "commit_s_median": statistics.median(r["commit_s"] for r in runs),
        "status_p50_ms_median": statistics.median(r["status_p50_ms"] for r in runs),
        "status_p99_ms_median": statistics.median(r["status_p99_ms"] for r in runs),
        "target_commit_s": 10,
        "target_status_p99_ms": 500,
    }


def table(results: dict[str, Any]) -> str:
    return "\n".join(
        [
            "Matrix on a local Synapse (end-to-end encrypted)",
            f"{'case':<44}{'median':>10}{'target':>10}",
            f"{'commit of 20 matches → rooms + intros (s)':<44}"
            f"{results['commit_s_median']:>10}{results['target_commit_s']:>10}",
            f"{'!mentor status round trip p50 (ms)':<44}{results['status_p50_ms_median']:>10}",
            f"{'!mentor status round trip p99 (ms)':<44}"
            f"{results['status_p99_ms_median']:>10}{results['target_status_p99_ms']:>10}",
        ]
    )

"""Discord interaction ack latency through the loopback fake gateway, idle and while B1 rounds
run; and the time to open 30 match threads under the fake's rate limits.

50 concurrent `/mentor status` interactions, repeated, arrive as INTERACTION_CREATE on the fake's
gateway; discord.py's real client parses them and the adapter acknowledges (a deferral) through
discord.py's real HTTP code. Latency is measured by the fake: from sending the event to receiving
the acknowledgement (Discord's deadline is 3 s). The matching load is the one `bench.slack_ack`
uses: B1 rounds (10,000 mentees × 2,000 mentors) through `core.rounds.run_engine` and the bot's
matching worker process, back to back. Target: p99 ≤ 250 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.slack_ack import _rounds_as_the_bot_runs_them

CONCURRENCY = 50
THREADS = 30
THREADS_PER_SECOND = 5
PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "default.yaml"


async def _bot(folder: str, fake: Any, programs: Path = PROGRAM) -> tuple[Any, Any]:
    from adapters.discord.app import DiscordAdapter
    from bot.app import build, settle_heap
    from bot.settings import Settings
    from tests.kit.discord import GUILD, TOKEN

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=f"sqlite:///{folder}/bench.db",
        MENTORBOT_PROGRAMS=str(programs),
        MENTORBOT_ADAPTERS="discord",
        DISCORD_TOKEN=TOKEN,
        DISCORD_GUILD_IDS=GUILD,
        DISCORD_API_BASE_URL=fake.base_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    app = await build(settings)
    adapter = app.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    await adapter.start(app.services(adapter))
    settle_heap()  # as the bot's runtime does once everything is up
    return app, adapter


async def _acked(fake: Any, interactions: list[Any], limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while any(i.acked_at is None for i in interactions):
        if time.monotonic() > deadline:
            raise RuntimeError("an interaction was never acknowledged")
        await asyncio.sleep(0.005)


async def _measure(rounds: int, load: bool, log: Any) -> dict[str, Any]:
    from tests.kit.discord import SPACE_CHANNEL, FakeDiscord
    from tests.kit.drivers.discord import command_data

    fake = await FakeDiscord().start()
    folder = tempfile.TemporaryDirectory()
    app, adapter = await _bot(folder.name, fake)
    stop, rounds_done = threading.Event(), []
    task: asyncio.Task[None] | None = None
    latencies: list[float] = []
    data = command_data("status")
    try:

        async def batch(first: int) -> None:
            people = [str(730000000000000000 + first + i) for i in range(CONCURRENCY)]
            made = await asyncio.gather(
                *(fake.interact(p, 2, data, channel=SPACE_CHANNEL) for p in people)
            )
            await _acked(fake, made)
            latencies.extend(i.acked_at - i.created for i in made)

        await batch(0)  # warm up: the first command syncs nothing but fills caches
        await adapter.idle()
        latencies.clear()
        if load:
            running = asyncio.Event()
            task = asyncio.ensure_future(_rounds_as_the_bot_runs_them(stop, rounds_done, running))
            await running.wait()
        for r in range(rounds):
            await batch((r + 1) * CONCURRENCY)
            await asyncio.sleep(0.05)
        await adapter.idle()
        refused = [code for code, _ in fake.errors if code in (10062, 40060)]
    finally:
        stop.set()
        if task is not None:
            await task
        await adapter.close()
        await app.close()
        await fake.close()
        folder.cleanup()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    name = "ack, B1 rounds in the worker" if load else "ack, idle"
    log(f"discord_ack: {name}: {len(ordered)} interactions, B1 rounds during: {len(rounds_done)}")
    return {
        "case": name,
        "requests": len(ordered),
        "concurrency": CONCURRENCY,
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "matching_rounds_during": len(rounds_done),
        "refused_acks": len(refused),
        "target_p99_ms": 250,
    }


async def _threads(log: Any) -> dict[str, Any]:
    """`admin match commit` of 30 matches in a program bound to a channel: 30 private threads,
    members added, introductions posted, under 5 thread creations per second."""
    from core.matching import parse_roster
    from core.onboarding.roster_import import import_roster
    from tests.kit.discord import ADMINS, GUILD, SPACE_CHANNEL, FakeDiscord
    from tests.kit.drivers.discord import command_data

    fake = await FakeDiscord(thread_limit=THREADS_PER_SECOND, thread_window=1.0).start()
    folder = tempfile.TemporaryDirectory()
    bound = Path(folder.name) / "bound.yaml"
    bound.write_text(
        PROGRAM.read_text(encoding="utf-8")
        + f'\nplatforms:\n  discord:\n    guild: "{GUILD}"\n    space_channel: "{SPACE_CHANNEL}"\n',
        encoding="utf-8",
    )
    app, adapter = await _bot(folder.name, fake, bound)
    try:
        program = app.programs[0]
        common = {"languages": ["en"], "timezone": "Europe/Berlin", "communication": ["chat"],
                  "availability": "regular", "bio": "Bench."}  # fmt: skip
        mentee = {**common, "topics_wanted": ["career"], "goals": "Grow.", "years_experience": 2}
        mentor = {
            **common,
            "topics_offered": ["career"],
            "mentee_capacity": 1,
            "years_experience": 9,
        }
        rows: list[dict[str, Any]] = []
        for n in range(THREADS):
            rows.append({"id": str(740000000000000000 + n), "role": "mentee", "answers": mentee})
            rows.append(
                {
                    "id": str(750000000000000000 + n),
                    "role": "mentor",
                    "capacity": 1,
                    "answers": mentor,
                }
            )
        roster = parse_roster({"participants": rows}, program)
        await import_roster(
            app.store, program, roster, platform="discord", workspace=GUILD, now=app.clock.now()
        )
        (coordinator,) = ADMINS
        started = time.perf_counter()
        await fake.interact(
            coordinator, 2, command_data("admin match commit"), channel=SPACE_CHANNEL
        )
        while True:
            threads = [c for c in fake.channels.values() if c.type == 12]
            introduced = [t for t in threads if fake.seen_in(t.id)]
            if len(introduced) >= THREADS:
                break
            if time.perf_counter() - started > 120:
                raise RuntimeError(f"only {len(introduced)} of {THREADS} threads after 120 s")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        await adapter.idle()
        made = len([c for c in fake.channels.values() if c.type == 12])
    finally:
        await adapter.close()
        await app.close()
        await fake.close()
        folder.cleanup()
    log(f"discord_ack: {THREADS} threads in {elapsed:.2f} s, {fake.rate_limited} 429s")
    return {
        "case": f"open {THREADS} threads",
        "threads": made,
        "seconds": round(elapsed, 2),
        "rate_limit": f"{THREADS_PER_SECOND}/s",
        "429s": fake.rate_limited,
    }


def run(large: bool, repeats: int | None, log: Any) -> list[dict[str, Any]]:
    rounds = repeats or 10
    return [
        asyncio.run(_measure(rounds, False, log)),
        asyncio.run(_measure(rounds, True, log)),
        asyncio.run(_threads(log)),
    ]


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "Discord ack latency (fake gateway, loopback, 50 concurrent /mentor status)",
        f"{'case':<30}{'acks':>7}{'median ms':>11}{'p99 ms':>9}{'max ms':>9}{'B1 rounds':>11}",
    ]
    for row in results:
        if "threads" in row:
            lines.append(
                f"{row['case']:<30}{row['threads']:>7} threads in {row['seconds']} s "
                f"(limit {row['rate_limit']}, {row['429s']} × 429)"
            )
            continue
        lines.append(
            f"{row['case']:<30}{row['requests']:>7}{row['median_ms']:>11}{row['p99_ms']:>9}"
            f"{row['max_ms']:>9}{row['matching_rounds_during']:>11}"
        )
    return "\n".join(lines)

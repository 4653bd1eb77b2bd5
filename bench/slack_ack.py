"""Slack ack latency in HTTP mode over loopback, while a B1-sized matching round runs.

50 concurrent signed `/mentor status` requests, repeated, against the real adapter (Bolt's
verification and routing) and the real `MentorBot` on SQLite; the Web API is a tiny loopback
stub. The matching round (`core.matching.match` on B1: 10,000 mentees × 2,000 mentors) runs in a
worker thread, as `admin match commit` runs it (`asyncio.to_thread`), back to back until the
measurement ends. Target: p99 ack ≤ 100 ms (Slack allows 3 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench.roster_gen import RosterSpec, candidates

SECRET = "bench-signing-secret-not-real"
TOKEN = "xoxb-bench-not-a-token"
CONCURRENCY = 50
PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "default.yaml"


async def _stub_api() -> tuple[web.AppRunner, str]:
    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": "T0B", "user_id": "U0BOT"})
        if method == "users.info":
            return web.json_response({"ok": True, "user": {"id": "U", "name": "u"}})
        return web.json_response({"ok": True, "channel": "D0", "ts": "1.1"})

    async def response(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.add_routes([web.route("*", "/api/{method}", api), web.post("/r/{k}", response)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def _signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def _b1() -> Any:
    from core.matching import MatchInput
    from core.programs.program import load_program

    return MatchInput(
        program=load_program(PROGRAM),
        candidates=candidates(RosterSpec(10_000, 2_000, 5, seed=1)),
        at=datetime(2025, 3, 1, tzinfo=UTC),
    )


def _rounds_in_thread(stop: threading.Event, done: list[float]) -> None:
    """For comparison: B1 rounds in a thread of this process (OR-Tools holds the GIL)."""
    from core.matching import match

    data = _b1()
    while not stop.is_set():
        started = time.perf_counter()
        match(data)
        done.append(time.perf_counter() - started)


async def _rounds_as_the_bot_runs_them(
    stop: threading.Event, done: list[float], running: asyncio.Event
) -> None:
    """B1 rounds through `core.rounds.run_engine` and the bot's matching worker process.

    The worker is started and warmed up first, as it is in a bot that has run a round before.
    """
    from bot.app import matching_executor
    from core.rounds.flow import Pool, run_engine

    pool = Pool(await asyncio.to_thread(_b1), {})
    worker = matching_executor()
    try:
        await asyncio.get_running_loop().run_in_executor(worker, _b1)  # spawn and import
        while not stop.is_set():
            started = time.perf_counter()
            round_ = asyncio.ensure_future(run_engine(pool, worker))
            await asyncio.sleep(0.3)  # the candidates are encoded and sent; the round runs
            running.set()
            await round_
            done.append(time.perf_counter() - started)
    finally:
        worker.shutdown()


async def _measure(rounds: int, load_in: str | None, log: Any) -> dict[str, Any]:
    from adapters.slack.app import SlackAdapter
    from bot.app import build, settle_heap
    from bot.settings import Settings

    stub, root = await _stub_api()
    folder = tempfile.TemporaryDirectory()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=f"sqlite:///{folder.name}/bench.db",
        MENTORBOT_PROGRAMS=str(PROGRAM),
        MENTORBOT_ADAPTERS="slack",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=f"{root}/api/",
        MENTORBOT_HTTP_PORT="0",
    )
    app = await build(settings)
    adapter = app.adapters["slack"]
    assert isinstance(adapter, SlackAdapter)
    await adapter.start(app.services(adapter))
    settle_heap()  # as the bot's runtime does once everything is up
    url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
    stop, rounds_done = threading.Event(), []
    thread = threading.Thread(target=_rounds_in_thread, args=(stop, rounds_done), daemon=True)
    task: asyncio.Task[None] | None = None
    latencies: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:

            async def one(n: int) -> None:
                body = urlencode(
                    {
                        "team_id": "T0B",
                        "channel_id": "C0",
                        "user_id": f"U{n:05d}",
                        "user_name": "bench",
                        "command": "/mentor",
                        "text": "status",
                        "response_url": f"{root}/r/{n}",
                        "trigger_id": f"{n}.1.t",
                    }
                )
                started = time.perf_counter()
                async with session.post(url, data=body, headers=_signed(body)) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"ack failed with HTTP {resp.status}")
                latencies.append(time.perf_counter() - started)

            await one(0)  # Bolt's first auth.test
            await adapter.idle()
            latencies.clear()
            if load_in == "thread":
                thread.start()
            elif load_in == "process":
                running = asyncio.Event()
                task = asyncio.ensure_future(
                    _rounds_as_the_bot_runs_them(stop, rounds_done, running)
                )
                await running.wait()
            if load_in == "thread":
                await asyncio.sleep(4.0)  # building the B1 roster; let the first round start
            for r in range(rounds):
                await asyncio.gather(*(one(r * CONCURRENCY + i) for i in range(CONCURRENCY)))
                await asyncio.sleep(0.05)
            await adapter.idle()
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        if task is not None:
            await task
        await adapter.close()
        await stub.cleanup()
        await app.close()
        folder.cleanup()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    name = f"ack, B1 rounds in a {load_in}" if load_in else "ack, idle"
    log(f"slack_ack: {name}: {len(ordered)} requests, B1 rounds during: {len(rounds_done)}")
    return {
        "case": name,
        "requests": len(ordered),
        "concurrency": CONCURRENCY,
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "matching_rounds_during": len(rounds_done),
        "matching_round_s": round(statistics.median(rounds_done), 2) if rounds_done else None,
        "target_p99_ms": 100,
    }


def run(large: bool, repeats: int | None, log: Any) -> list[dict[str, Any]]:
    rounds = repeats or 10
    return [
        asyncio.run(_measure(rounds, None, log)),
        asyncio.run(_measure(rounds, "process", log)),  # as the bot runs them
        asyncio.run(_measure(rounds, "thread", log)),
    ]


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "Slack ack latency (HTTP, loopback, 50 concurrent /mentor status)",
        f"{'case':<24}{'requests':>9}{'median ms':>11}{'p99 ms':>9}{'max ms':>9}{'B1 rounds':>11}",
    ]
    for row in results:
        lines.append(
            f"{row['case']:<24}{row['requests']:>9}{row['median_ms']:>11}{row['p99_ms']:>9}"
            f"{row['max_ms']:>9}{row['matching_rounds_during']:>11}"
        )
    return "\n".join(lines)

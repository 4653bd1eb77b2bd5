"""`MENTORBOT_ADAPTERS=shell,slack`: one `mentorbot run` process serves both, side by side."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
from conftest import ROOT

from tests.kit.slack import BOT_TOKEN, SECRET, FakeSlack, SlackClient


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _healthy(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):  # up to 60 s: the process imports, migrates, then serves
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


async def test_slack_and_the_shell_serve_from_one_process(fake: FakeSlack, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_ADAPTERS="shell,slack",
        MENTORBOT_LOG_LEVEL="INFO",
        MENTORBOT_HTTP_PORT=str(port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=fake.base_url,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None
    try:
        async with aiohttp.ClientSession() as session:
            await _healthy(session, f"http://127.0.0.1:{port}/healthz")
            client = SlackClient(f"http://127.0.0.1:{port}/slack/events", fake, session)
            sent = await client.command("U0ANA", "help")
            assert sent.status == 200
            for _ in range(100):
                if fake.responses:
                    break
                await asyncio.sleep(0.1)
            assert fake.responses, "Slack got no answer"
        process.stdin.write(b"/as ana\n/mentor help\n")
        await process.stdin.drain()
        process.stdin.close()  # end of input: the shell asks the process to stop
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "mentorbot → ana:" in out.decode()
    log = err.decode()
    assert "adapter shell: started" in log
    assert "adapter slack: started" in log
    assert "mentorbot running: adapters=shell,slack" in log

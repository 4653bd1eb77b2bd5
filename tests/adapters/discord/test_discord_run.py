"""`mentorbot run` with only DISCORD_TOKEN set (plus the fake's URLs): connects, syncs, answers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.kit.discord import SPACE_CHANNEL, TOKEN, FakeDiscord
from tests.kit.drivers.discord import IDS, command_data, text
from tests.kit.drivers.wiring import ROOT


async def test_mentorbot_run_with_a_discord_token_connects_and_syncs(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "SLACK_"))}
    env = {k: v for k, v in env.items() if not k.startswith(("DISCORD_", "MATRIX_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE_URL=fake.base_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        for _ in range(600):  # up to 60 s: imports, migrations, login, sync, gateway
            if fake.sessions and "global" in fake.commands:
                break
            await asyncio.sleep(0.1)
        assert fake.sessions == 1, "the bot identified on the gateway"
        (mentor,) = fake.commands["global"]  # no DISCORD_GUILD_IDS: one global command
        assert mentor["name"] == "mentor"
        await fake.interact(IDS["ana"], 2, command_data("help"), channel=SPACE_CHANNEL)
        for _ in range(100):
            if fake.seen_by(IDS["ana"]) and text(fake.seen_by(IDS["ana"])[0]).strip():
                break
            await asyncio.sleep(0.1)
        assert "/mentor join" in text(fake.seen_by(IDS["ana"])[0])
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.close()
    assert process.returncode == 0, err.decode()
    assert TOKEN not in err.decode(), "the token never appears in the logs"

"""Slack and Discord served by one bot in one process: each person answered where they asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from adapters.discord.app import DiscordAdapter, DiscordConfig
from adapters.slack.app import SlackAdapter, SlackConfig
from bot.app import build
from core.clock import ManualClock
from tests.kit.discord import GUILD, SPACE_CHANNEL, TOKEN, FakeDiscord
from tests.kit.drivers.discord import IDS, command_data, text
from tests.kit.drivers.wiring import COMMAND, settings_for
from tests.kit.harness import START
from tests.kit.slack import BOT_TOKEN, SECRET, USERS, FakeSlack, SlackClient


async def test_slack_and_discord_in_one_process(tmp_path: Path) -> None:
    slack_fake = await FakeSlack(dict(USERS)).start()
    discord_fake = await FakeDiscord().start()
    slack = SlackAdapter(
        SlackConfig(COMMAND, BOT_TOKEN, SECRET, api_base_url=slack_fake.base_url, port=0)
    )
    discord = DiscordAdapter(
        DiscordConfig(TOKEN, (int(GUILD),), discord_fake.base_url, discord_fake.gateway_url)
    )
    settings = settings_for(f"sqlite:///{tmp_path / 'bot.db'}")
    app = await build(settings, clock=ManualClock(START), adapters=[slack, discord])
    try:
        await slack.start(app.services(slack))
        await discord.start(app.services(discord))
        async with aiohttp.ClientSession() as session:
            client = SlackClient(
                f"http://127.0.0.1:{slack.bound_port}/slack/events", slack_fake, session
            )
            sent = await client.command("U0ANA", "join mentee")
            assert sent.status == 200
            await discord_fake.interact(
                IDS["ben"], 2, command_data("status"), channel=SPACE_CHANNEL
            )
            await asyncio.sleep(0.1)
            await slack.idle()
            await discord.idle()
        on_discord = [text(s) for s in discord_fake.seen_by(IDS["ben"])]
        assert any("not enrolled" in t or "join" in t for t in on_discord), on_discord
        assert slack_fake.views, "Ana's questionnaire opened as a Slack modal"
        assert not discord_fake.seen_by(IDS["ana"]), "nothing for Ana went to Discord"
        assert all("Ben" not in str(body) for _, body in slack_fake.responses)
        async with app.store.transaction() as uow:
            people = [
                p for s in await uow.programs.all() for p in await uow.participants.list(s.id)
            ]
        assert {(p.user.platform, p.user.user_id) for p in people} == {("slack", "U0ANA")}
    finally:
        await discord.close()
        await slack.close()
        await app.close()
        await discord_fake.close()
        await slack_fake.close()

"""Socket Mode against a loopback websocket, and the OAuth stores on both database engines."""

from __future__ import annotations

import asyncio
import time

from conftest import running, slack_of, slack_settings
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.oauth import InstallationStore, OAuthStateStore
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.slack_installations import SqlSlackInstallations, SqlSlackOAuthStates
from tests.kit.slack import BOT_TOKEN, TEAM, FakeSlack


async def test_socket_mode_acks_a_slash_command_and_answers(fake: FakeSlack) -> None:
    settings = slack_settings(fake, SLACK_APP_TOKEN="xapp-test-not-a-token")
    async with running(settings) as app:
        adapter = slack_of(app)
        assert adapter.singleton  # one websocket per app: one instance at a time
        assert fake.called("apps.connections.open")
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM,
                "channel_id": "C0GENERAL",
                "user_id": "U0ANA",
                "user_name": "ana",
                "command": "/mentor",
                "text": "help",
                "response_url": fake.response_url(),
                "trigger_id": fake.trigger(),
            },
        }
        started = time.monotonic()
        await fake.socket_send(envelope)
        while not any(m.get("envelope_id") == "env-1" for m in fake.socket_received):
            assert time.monotonic() - started < 3, "no ack over the websocket within 3 s"
            await asyncio.sleep(0.02)
        await adapter.idle()
        assert "help" in fake.responses[-1][1]["text"] or fake.responses[-1][1]["blocks"]


async def test_installation_and_state_stores(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        store = InstallationStore(SqlSlackInstallations(engine, client_id="111.222"))
        await store.async_save(
            Installation(
                app_id="A0TEST",
                team_id=TEAM,
                user_id="U0ANA",
                bot_token=BOT_TOKEN,
                bot_id="B0BOT",
                bot_user_id="U0BOT",
                bot_scopes=["commands", "chat:write"],
            )
        )
        await store.async_save(  # a re-install replaces the row
            Installation(
                app_id="A0TEST", team_id=TEAM, user_id="U0BEN", bot_token="xoxb-test-second"
            )
        )
        bot = await store.async_find_bot(enterprise_id=None, team_id=TEAM)
        assert bot is not None
        assert bot.bot_token == "xoxb-test-second"
        assert await store.async_find_bot(enterprise_id=None, team_id="T0OTHER") is None
        await store.async_delete_installation(enterprise_id=None, team_id=TEAM)
        assert await store.async_find_installation(enterprise_id=None, team_id=TEAM) is None
        states = OAuthStateStore(SqlSlackOAuthStates(engine))
        state = await states.async_issue()
        assert await states.async_consume(state)
        assert not await states.async_consume(state)  # one use only
        assert not await states.async_consume("forged")
    finally:
        await engine.dispose()

"""Two instances behind a load balancer share one database: a retried event that reaches the
other instance is still processed once."""

from __future__ import annotations

import aiohttp
from conftest import make_bot

from adapters.slack.app import SlackAdapter, SlackConfig
from core.ports import ChatPort
from core.programs.program import Program
from storage.event_log import EventLog
from storage.store import SqlStore
from tests.kit.slack import BOT_TOKEN, SECRET, FakeSlack, SlackClient


async def test_a_retry_to_the_other_instance_is_processed_once(
    fake: FakeSlack, store: SqlStore, programs: list[Program]
) -> None:
    log = EventLog(store.engine)
    instances = []
    for _ in range(2):
        ports: dict[str, ChatPort] = {}
        bot = make_bot(programs, store, ports)
        adapter = SlackAdapter(
            SlackConfig(
                bot_token=BOT_TOKEN, signing_secret=SECRET, api_base_url=fake.base_url, port=0
            )
        )
        ports[adapter.platform] = adapter.port
        adapter.handler, adapter.standing, adapter.event_log = (
            bot.handle,
            bot.standing,
            log.first_time,
        )
        await adapter.start()
        instances.append(adapter)
    event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
    try:
        async with aiohttp.ClientSession() as session:
            first, second = (
                SlackClient(f"http://127.0.0.1:{a.bound_port}/slack/events", fake, session)
                for a in instances
            )
            sent = await first.event(event, "Ev0777")
            again = await second.event(event, "Ev0777", retry=1)
            other = await second.event(event, "Ev0778")
            assert (sent.status, again.status, other.status) == (200, 200, 200)
            for adapter in instances:
                await adapter.idle()
        assert len(fake.called("views.publish")) == 2  # Ev0777 once, Ev0778 once
    finally:
        for adapter in instances:
            await adapter.close()

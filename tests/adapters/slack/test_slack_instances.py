"""Two instances behind a load balancer share one database: a retried event that reaches the
other instance is still processed once."""

from __future__ import annotations

from contextlib import AsyncExitStack

import aiohttp
from conftest import running, slack_of, slack_settings

from tests.kit.slack import FakeSlack, SlackClient


async def test_a_retry_to_the_other_instance_is_processed_once(
    fake: FakeSlack, database_url: str
) -> None:
    async with AsyncExitStack() as started:
        instances = [
            slack_of(await started.enter_async_context(running(slack_settings(fake, database_url))))
            for _ in range(2)
        ]
        assert not any(a.singleton for a in instances)  # HTTP mode: every instance serves
        event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
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

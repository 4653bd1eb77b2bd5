"""The fake Discord enforces what Discord enforces, so the adapter's tests mean something."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio

from tests.kit.discord import SPACE_CHANNEL, TOKEN, FakeDiscord
from tests.kit.discord.fake_discord import Interaction


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    found = await FakeDiscord(thread_limit=1, thread_window=5.0).start()
    try:
        yield found
    finally:
        await found.close()


def pending(fake: FakeDiscord, age: float = 0.0) -> Interaction:
    payload = {"id": "1", "type": 2, "channel_id": SPACE_CHANNEL}
    found = Interaction("1", f"tok{age}", "700000000000000001", time.monotonic() - age, payload)
    fake.interactions[found.token] = found
    return found


async def post(fake: FakeDiscord, path: str, body: dict[str, Any]) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"Bot {TOKEN}"}
    url = f"{fake.base_url}{path}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as answer,
    ):
        return answer.status, await answer.json(content_type=None), answer.headers


async def test_an_ack_after_three_seconds_is_an_unknown_interaction(fake: FakeDiscord) -> None:
    late = pending(fake, age=3.2)
    status, body, _ = await post(fake, f"/interactions/1/{late.token}/callback", {"type": 5})
    assert (status, body["code"]) == (404, 10062)


async def test_a_second_ack_is_refused(fake: FakeDiscord) -> None:
    found = pending(fake)
    path = f"/interactions/1/{found.token}/callback?with_response=1"
    status, body, headers = await post(fake, path, {"type": 5, "data": {"flags": 64}})
    assert status == 200
    assert headers["Content-Type"] == "application/json"  # discord.py compares it exactly
    assert body["interaction"]["response_message_loading"] is True
    status, body, _ = await post(fake, path, {"type": 5})
    assert (status, body["code"]) == (400, 40060)


async def test_modals_and_components_are_held_to_discords_limits(fake: FakeDiscord) -> None:
    def inputs(count: int, label: str = "Bio") -> list[dict[str, Any]]:
        item = {"type": 4, "custom_id": "bio", "label": label, "style": 1}
        return [{"type": 1, "components": [item]} for _ in range(count)]

    modal = {"type": 9, "data": {"custom_id": "m", "title": "Join", "components": inputs(6)}}
    status, body, _ = await post(fake, f"/interactions/1/{pending(fake).token}/callback", modal)
    assert (status, body["code"]) == (400, 50035)
    modal["data"]["components"] = inputs(1, label="x" * 46)
    status, _, _ = await post(fake, f"/interactions/1/{pending(fake, 0.1).token}/callback", modal)
    assert status == 400
    button = {"type": 2, "style": 1, "label": "Go", "custom_id": "c" * 101}
    message = {"content": "hi", "components": [{"type": 1, "components": [button]}]}
    status, body, _ = await post(fake, f"/channels/{SPACE_CHANNEL}/messages", message)
    assert (status, body["code"]) == (400, 50035)


async def test_a_rate_limited_request_says_when_to_retry(fake: FakeDiscord) -> None:
    thread = {"name": "a", "type": 12, "invitable": False}
    status, _, _ = await post(fake, f"/channels/{SPACE_CHANNEL}/threads", thread)
    assert status == 200
    status, body, headers = await post(fake, f"/channels/{SPACE_CHANNEL}/threads", thread)
    assert status == 429
    assert 0 < body["retry_after"] <= 5.0
    assert headers["Via"]  # without it discord.py takes a 429 for a Cloudflare ban

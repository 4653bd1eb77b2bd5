"""The fake Discord enforces what Discord enforces, so the adapter's tests mean something."""

from __future__ import annotations

import json
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


async def request(fake: FakeDiscord, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{fake.base_url}{path}", headers=headers, **kwargs) as answer,
    ):
        return answer.status, await answer.json(content_type=None)


async def test_an_archived_thread_takes_no_edit_but_being_unarchived(fake: FakeDiscord) -> None:
    status, thread, _ = await post(fake, f"/channels/{SPACE_CHANNEL}/threads", {"name": "a"})
    assert status == 200
    path = f"/channels/{thread['id']}"
    assert (await request(fake, "PATCH", path, json={"archived": True, "locked": True}))[0] == 200
    status, body = await request(fake, "PATCH", path, json={"name": "b"})
    assert (status, body["code"]) == (400, 50083)
    status, body = await request(fake, "PATCH", path, json={"archived": False, "name": "b"})
    assert (status, body["name"], body["thread_metadata"]["archived"]) == (200, "b", False)
    for name in ("", "x" * 101):
        status, body = await request(fake, "PATCH", path, json={"name": name})
        assert (status, body["code"]) == (400, 50035), name
    status, body = await request(fake, "PATCH", path, json={"topic": "threads have none"})
    assert (status, body["code"]) == (400, 50035)


async def test_a_file_is_an_attachment_with_its_size_url_and_type(fake: FakeDiscord) -> None:
    def upload(data: bytes, filename: str) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps({"content": "here"}))
        form.add_field("files[0]", data, filename=filename, content_type="application/octet-stream")
        return form

    path = f"/channels/{SPACE_CHANNEL}/messages"
    status, body = await request(fake, "POST", path, data=upload(b'{"a": 1}', "my-data.json"))
    assert status == 200
    (attachment,) = body["attachments"]
    assert attachment["filename"] == "my-data.json"
    assert attachment["size"] == 8
    assert attachment["content_type"] == "application/json"  # from the name, as Discord does
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as served:
        assert (served.status, await served.read()) == (200, b'{"a": 1}')
    too_big = upload(b"0" * (10 * 1024 * 1024 + 1), "big.zip")
    status, body = await request(fake, "POST", path, data=too_big)
    assert (status, body["code"]) == (413, 40005)

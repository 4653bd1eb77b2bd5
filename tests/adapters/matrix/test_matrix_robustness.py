"""A busy homeserver: rate limits are waited out as the server asks, failed syncs retried;
and the invitation policy: people from other homeservers cannot pull the bot into rooms."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from core.clock import ManualClock
from core.content import Text
from core.identity import Conversation, PlatformUser
from tests.kit.harness import START
from tests.kit.matrix.proxy import Proxy
from tests.kit.matrix.synapse import Synapse
from tests.kit.matrix.world import World


@pytest_asyncio.fixture
async def behind_a_proxy(synapse: Synapse, tmp_path: Path) -> AsyncIterator[tuple[World, Proxy]]:
    proxy = await Proxy(synapse.base_url).start()
    world = await World.create(synapse, tmp_path, names={"ana": "Ana"})
    world.homeserver = proxy.base_url
    try:
        await world.start_bot(f"sqlite:///{tmp_path / 'bot.db'}", ManualClock(START))
        yield world, proxy
    finally:
        await world.close()
        await proxy.close()


async def test_m_limit_exceeded_is_waited_out_and_the_message_sent_once(
    behind_a_proxy: tuple[World, Proxy],
) -> None:
    world, proxy = behind_a_proxy
    assert world.adapter is not None
    ana = world.people["ana"]
    to = Conversation.dm(PlatformUser("matrix", "localhost", ana.user_id))
    await world.adapter.port.send(to, Text("warming up"))  # the DM exists, keys are shared
    proxy.bad.limited_sends, proxy.bad.retry_after_ms = 2, 400
    started = time.monotonic()
    await world.adapter.port.send(to, Text("Your check-in is due"), idempotency_key="r:1")
    waited = time.monotonic() - started
    await world.settle()
    assert proxy.bad.refused == 2
    assert waited >= 0.8, f"sent after {waited:.2f} s: the server asked for 2 × 0.4 s"
    room = world.adapter.port.book.dms[ana.user_id]
    shown = [s.body for s in ana.rooms[room]]
    assert shown.count("Your check-in is due") == 1, shown


async def test_failed_syncs_are_retried_and_nothing_is_missed(
    behind_a_proxy: tuple[World, Proxy],
) -> None:
    world, proxy = behind_a_proxy
    assert world.adapter is not None
    ana = world.people["ana"]
    dm = await ana.open_dm(world.bot.user_id)
    await world.settle()
    proxy.bad.failed_syncs = 2
    sent = await ana.say(dm, "!mentor help")
    await world.settle(sent)
    assert proxy.bad.refused >= 2
    replies = [s.body for s in ana.rooms[dm] if s.sender == world.bot.user_id]
    assert any("!mentor join" in r for r in replies), replies


async def test_invitations_from_servers_not_allowed_are_declined(
    synapse: Synapse, tmp_path: Path
) -> None:
    world = await World.create(synapse, tmp_path, names={"ana": "Ana"})
    world.allowed_servers = frozenset({"partner.example.org"})  # not the test server
    try:
        await world.start_bot(f"sqlite:///{tmp_path / 'bot.db'}", ManualClock(START))
        assert world.adapter is not None
        ana = world.people["ana"]
        dm = await ana.open_dm(world.bot.user_id)
        for _ in range(3):
            await ana.caught_up()
        assert dm not in world.adapter.client.rooms
        assert dm in world.adapter.client.invited_rooms, "left pending, not joined"
    finally:
        await world.close()


async def test_with_verified_trust_only_verified_devices_can_read_the_bot(
    synapse: Synapse, tmp_path: Path
) -> None:
    world = await World.create(synapse, tmp_path, names={"ana": "Ana"})
    world.trust = "verified"
    try:
        await world.start_bot(f"sqlite:///{tmp_path / 'bot.db'}", ManualClock(START))
        assert world.adapter is not None
        port, ana = world.adapter.port, world.people["ana"]
        to = Conversation.dm(PlatformUser("matrix", "localhost", ana.user_id))
        await port.send(to, Text("for verified eyes only"))
        await world.settle()
        room = port.book.dms[ana.user_id]
        assert not any("verified eyes" in s.body for s in ana.rooms.get(room, []))
        assert ana.undecryptable, "her unverified device got no key"

        (device,) = world.adapter.client.device_store.active_user_devices(ana.user_id)
        world.adapter.client.unblacklist_device(device)
        world.adapter.client.verify_device(device)  # as an operator verifying her, by hand
        world.adapter.client.invalidate_outbound_session(room)
        await port.send(to, Text("now you can read this"))
        await world.settle()
        assert any("now you can read this" in s.body for s in ana.rooms[room])
    finally:
        await world.close()

"""The Discord port on its own (REST through discord.py) against the fake: threads, coordinators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.discord.app import DiscordAdapter, DiscordConfig
from bot.app import build
from core.adapter import AdapterConfigError
from core.content import File, Text
from core.identity import Conversation, PlatformUser
from core.ports import Unreachable
from core.programs.bindings import DiscordBinding
from tests.kit.discord import GUILD, SPACE_CHANNEL, FakeDiscord
from tests.kit.drivers.wiring import settings_for
from tests.kit.ports import PortUnderTest, discord_port

STAFF = "820000000000000001"  # the fake's role with Manage Server, held by Cora


FAKES: dict[int, FakeDiscord] = {}


@pytest_asyncio.fixture
async def chat() -> AsyncIterator[PortUnderTest]:
    fake = FakeDiscord()
    async with discord_port(fake) as case:
        FAKES[id(case)] = fake
        yield case
        del FAKES[id(case)]


def fake_of(chat: PortUnderTest) -> FakeDiscord:
    return FAKES[id(chat)]


async def test_an_archived_thread_is_unarchived_before_a_message_or_member(
    chat: PortUnderTest,
) -> None:
    ana, ben, cora = chat.people
    binding = DiscordBinding(guild=GUILD, space_channel=SPACE_CHANNEL)
    space = await chat.port.create_space(GUILD, "ana-ben", "Ana & Ben", [ana, ben], binding=binding)
    await chat.port.archive_space(space)
    assert chat.archived(space)
    await chat.port.send(space.conversation, Text("Welcome back, both of you"))
    assert not chat.archived(space)
    assert any("Welcome back" in shown for shown in chat.shown(space.conversation))
    await chat.port.archive_space(space)
    await chat.port.add_members(space, [cora])
    assert chat.members(space) == {ana.user_id, ben.user_id, cora.user_id}


async def test_a_space_with_a_binding_is_a_private_uninvitable_thread(chat: PortUnderTest) -> None:
    ana, ben, _ = chat.people
    binding = DiscordBinding(guild=GUILD, space_channel=SPACE_CHANNEL)
    space = await chat.port.create_space(
        GUILD, "Ana & Ben @everyone", "", [ana, ben], binding=binding
    )
    thread = fake_of(chat).channels[space.space_id]
    assert thread.type == 12
    assert thread.parent_id == SPACE_CHANNEL
    assert "@everyone" not in thread.name
    again = await chat.port.create_space(
        GUILD, "Ana & Ben @everyone", "", [ana, ben], binding=binding
    )
    assert again.space_id == space.space_id  # a retried commit makes no second thread


async def test_a_space_without_a_channel_is_a_channel_hidden_from_everyone(
    chat: PortUnderTest,
) -> None:
    ana, ben, _ = chat.people
    space = await chat.port.create_space(GUILD, "pair", "Ana & Ben", [ana, ben])
    channel = fake_of(chat).channels[space.space_id]
    everyone = channel.overwrites[GUILD]
    assert int(everyone["deny"]) & (1 << 10), "@everyone may not view it"
    assert chat.members(space) == {ana.user_id, ben.user_id}


async def test_coordinators_hold_manage_server_through_a_role(chat: PortUnderTest) -> None:
    ana, _, cora = chat.people
    boss = await chat.port.user_info(cora)
    assert boss.is_admin
    assert STAFF in boss.roles
    member = await chat.port.user_info(ana)
    assert not member.is_admin
    assert member.roles == frozenset()


async def test_closed_dms_raise_unreachable(chat: PortUnderTest) -> None:
    ana = chat.people[0]
    fake_of(chat).closed_dms.add(ana.user_id)
    with pytest.raises(Unreachable) as raised:
        await chat.port.send(Conversation.dm(ana), Text("hello"))
    assert raised.value.user == PlatformUser("discord", GUILD, ana.user_id)
    assert "50007" in raised.value.reason


async def test_a_refused_token_is_a_configuration_error(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    config = DiscordConfig("not-the-token", (int(GUILD),), fake.base_url, fake.gateway_url)
    adapter = DiscordAdapter(config)
    app = await build(settings_for(f"sqlite:///{tmp_path / 'bot.db'}"), adapters=[adapter])
    try:
        with pytest.raises(AdapterConfigError, match="DISCORD_TOKEN"):
            await adapter.start(app.services(adapter))
        assert fake.sessions == 0, "no gateway session without a valid token"
    finally:
        await adapter.close()
        await app.close()
        await fake.close()


async def test_renaming_an_archived_thread_reopens_it_for_the_rename_only(
    chat: PortUnderTest,
) -> None:
    ana, ben, _ = chat.people
    binding = DiscordBinding(guild=GUILD, space_channel=SPACE_CHANNEL)
    space = await chat.port.create_space(
        GUILD, "7-ben-ana", "Ben & Ana", [ana, ben], binding=binding
    )
    await chat.port.archive_space(space)
    renamed = await chat.port.rename_space(space, "7 Ben " + "x" * 200, "Ben & someone")
    assert renamed is not None
    thread = fake_of(chat).channels[space.space_id]
    assert thread.name == renamed.name == "7-ben-" + "x" * 94  # Discord's 100 characters
    assert thread.archived
    assert thread.locked
    patches = [r for r in fake_of(chat).requests if r == ("PATCH", f"channels/{space.space_id}")]
    assert len(patches) == 4  # archived; unarchived, renamed, archived again
    assert not fake_of(chat).errors
    await chat.port.rename_space(renamed, renamed.name, "Ben & someone")
    assert fake_of(chat).requests.count(("PATCH", f"channels/{space.space_id}")) == 4, "no change"
    again = await chat.port.create_space(GUILD, renamed.name, "t", [ben], binding=binding)
    assert again.space_id != space.space_id  # an archived thread is not reused for a new match


async def test_renaming_a_channel_sets_a_topic_that_pings_nobody(chat: PortUnderTest) -> None:
    ana, ben, _ = chat.people
    space = await chat.port.create_space(GUILD, "8-ben-ana", "Ben & Ana", [ana, ben])
    renamed = await chat.port.rename_space(space, "8-ben", "Circle: Ben & @everyone")
    assert renamed is not None
    assert renamed.name == "8-ben"
    channel = fake_of(chat).channels[space.space_id]
    assert channel.name == "8-ben"
    assert "@everyone" not in channel.topic
    assert "everyone" in channel.topic
    assert await chat.port.create_space(GUILD, "8-ben", "t", [ben]) == renamed  # found by name
    path = ("PATCH", f"channels/{space.space_id}")
    before = fake_of(chat).requests.count(path)
    await chat.port.rename_space(renamed, "8-ben", "Circle: Ben & @everyone")
    assert fake_of(chat).requests.count(path) == before, "the same name and topic: no request"
    await chat.port.rename_space(renamed, "8-ben", "Circle: Ben & someone")
    assert fake_of(chat).requests.count(path) == before + 1
    assert channel.topic == "Circle: Ben & someone"


async def test_a_file_sent_twice_with_its_key_is_one_attachment(chat: PortUnderTest) -> None:
    """A `File` is an attachment in a multipart request; its nonce still makes a retry land
    once (discord.py puts `enforce_nonce` into `payload_json`)."""
    dm = Conversation.dm(chat.people[2])
    export = File("mentoring-export.zip", "application/zip", b"PK\x05\x06" + b"\0" * 18)
    first = await chat.port.send(dm, export, idempotency_key="export:1")
    again = await chat.port.send(dm, export, idempotency_key="export:1")
    assert again == first
    fake = fake_of(chat)
    shown = [a for s in fake.seen_by(chat.people[2].user_id) for a in s.data["attachments"]]
    (attachment,) = shown
    assert fake.attachment(attachment) == ("mentoring-export.zip", export.data)
    assert attachment["size"] == len(export.data)


async def test_a_third_rename_within_discords_window_waits_for_it() -> None:
    """Discord changes a channel's name or topic twice per ten minutes; a third change is
    answered 429 and lands once discord.py has waited `retry_after` (here a short window)."""
    fake = FakeDiscord(rename_window=0.5)
    async with discord_port(fake) as chat:
        ana, ben, _ = chat.people
        space = await chat.port.create_space(GUILD, "9-ben-ana", "Ben & Ana", [ana, ben])
        for topic in ("one", "two", "three"):
            await chat.port.rename_space(space, "9-ben", topic)
        assert fake.rate_limited == 1
        assert fake.channels[space.space_id].topic == "three"

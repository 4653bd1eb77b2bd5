"""`forget-me` on Slack: the port renames a match's channel and takes the person out of it,
archived or not, through the SDK against the loopback fake Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.port import SlackPort
from core.identity import PlatformUser, SpaceRef
from tests.kit.slack import BOT_TOKEN, BOT_USER, TEAM, USERS, Channel, FakeSlack

ANA, BEN = PlatformUser("slack", TEAM, "U0ANA"), PlatformUser("slack", TEAM, "U0BEN")


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[tuple[SlackPort, FakeSlack]]:
    fake = await FakeSlack(dict(USERS)).start()

    async def token(team: str) -> str | None:
        return BOT_TOKEN if team == TEAM else None

    port = SlackPort(token, base_url=fake.base_url)
    try:
        yield port, fake
    finally:
        await port.close()
        await fake.close()


async def test_an_archived_channel_is_reopened_renamed_and_archived_again(
    slack: tuple[SlackPort, FakeSlack],
) -> None:
    port, fake = slack
    space = await port.create_space(TEAM, "mentoring-7-ben-ana", "Circle: Ben & Ana", [ANA, BEN])
    await port.archive_space(space)
    await port.remove_members(space, [ANA])
    renamed = await port.rename_space(space, "mentoring-7-ben", "Circle: Ben & <!channel>")
    channel = fake.channels[space.space_id]
    assert renamed == SpaceRef("slack", TEAM, space.space_id, "mentoring-7-ben")
    assert (channel.name, channel.members, channel.archived) == (
        "mentoring-7-ben",
        {BOT_USER, "U0BEN"},
        True,
    )
    assert "<!channel>" not in channel.topic  # defused like any text a person typed
    assert len(fake.called("conversations.unarchive")) == 2  # once to kick, once to rename


async def test_a_taken_name_gets_a_suffix(slack: tuple[SlackPort, FakeSlack]) -> None:
    port, fake = slack
    fake.channels["C0TAKEN"] = Channel("C0TAKEN", "mentoring-7-ben", True, BOT_USER, {BOT_USER})
    space = await port.create_space(TEAM, "mentoring-7-ben-ana", "t", [ANA, BEN])
    renamed = await port.rename_space(space, "mentoring-7-ben", "t")
    assert renamed is not None
    assert renamed.name == "mentoring-7-ben-2"


async def test_a_group_dm_cannot_be_renamed(slack: tuple[SlackPort, FakeSlack]) -> None:
    port, fake = slack
    members = {BOT_USER, "U0ANA", "U0BEN"}
    fake.channels["G0ANABEN"] = Channel("G0ANABEN", "mpdm-ana--ben", True, BOT_USER, members)
    space = SpaceRef("slack", TEAM, "G0ANABEN", "mentoring-8-ben-ana")
    assert await port.rename_space(space, "mentoring-8-ben", "t") is None
    assert fake.channels["G0ANABEN"].name == "mpdm-ana--ben"

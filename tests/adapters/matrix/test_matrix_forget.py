"""`forget-me` on Matrix, against a real Synapse: the bot kicks the person out of the match
rooms it made — an ended match's read-only room too, since the bot stays in it as moderator —
and the rooms' names and topics lose their name. The room state is read as a remaining member
reads it.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.identity import PlatformUser
from tests.kit.drivers.matrix import MatrixDriver
from tests.kit.scenario import MENTEE, MENTOR


def state(driver: MatrixDriver, who: str, room: str, kind: str, key: str = "") -> dict[str, Any]:
    """A state event's content, as `who` (a member) reads it from the server."""
    token = driver._person(who).account.access_token
    path = f"/_matrix/client/v3/rooms/{room}/state/{kind}/{key}"
    return driver.synapse.request("GET", path, token=token)


async def matched(driver: MatrixDriver) -> str:
    await driver.join("ana", "mentee", MENTEE)
    await driver.join("ben", "mentor", MENTOR)
    await driver.say("cora", "/mentor admin match commit")
    space = driver.space_of("ana", "ben")
    assert space is not None
    return space.id


def named(driver: MatrixDriver, room: str) -> str:
    name = state(driver, "ben", room, "m.room.name")["name"]
    topic = state(driver, "ben", room, "m.room.topic")["topic"]
    return f"{name}\n{topic}"


@pytest.mark.parametrize("ended_first", [False, True], ids=["active", "ended"])
async def test_forget_me_kicks_the_person_and_renames_the_room(
    driver: MatrixDriver, ended_first: bool
) -> None:
    room = await matched(driver)
    assert "ana" in named(driver, room).lower(), "the room was named after both"
    ana = driver._person("ana").user_id
    bot = driver._world.bot.user_id
    if ended_first:  # a past match: its room read-only, the bot still in it
        ended = await driver.say("cora", "/mentor admin end-match 1")
        assert "ended" in ended.lower(), ended
        levels = state(driver, "ben", room, "m.room.power_levels")
        assert levels["events_default"] == 100
        assert levels["events"]["m.reaction"] == 100
        assert state(driver, "ben", room, "m.room.member", bot)["membership"] == "join"
    await driver.say("ana", "/mentor forget-me")
    gone = await driver.click("ana", "Yes, delete everything")
    assert "deleted" in gone, gone
    assert "could not take you out" not in gone, gone
    member = state(driver, "ben", room, "m.room.member", ana)
    assert member["membership"] == "leave", member  # kicked by the bot
    shown = named(driver, room)
    assert "ana" not in shown.lower(), shown
    assert "ben" in shown.lower(), shown
    assert "someone who left" in shown, shown


async def test_a_rename_defuses_mass_mentions_and_is_refused_where_the_bot_left(
    driver: MatrixDriver,
) -> None:
    room = await matched(driver)
    world = driver._world
    assert world.adapter is not None
    port = world.adapter.port
    assert world.app is not None
    (space,) = await world.app.bot.spaces("matrix", "localhost")
    assert space.space.space_id == room
    renamed = await port.rename_space(space.space, "a @room name", "Circle: Ben & @room")
    assert renamed is not None
    assert renamed.space_id == room
    shown = named(driver, room)
    assert "@room" not in shown, shown  # pings nobody
    assert "@\u2060room" in shown, shown
    # A room an older version archived by leaving it: the bot can change nothing there.
    await port.client.room_leave(room)
    assert await port.rename_space(space.space, "x", "y") is None
    ana = PlatformUser("matrix", "localhost", driver._person("ana").user_id)
    with pytest.raises(OSError, match="removing"):
        await port.remove_members(space.space, [ana])  # core tells the person, not silence

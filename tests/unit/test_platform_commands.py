"""Each platform's people see the command as it is typed on their platform, in replies and in
messages sent to them later (reminders), even when two platforms share one bot."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.events import CommandInvoked, TextReceived
from core.identity import Conversation, PlatformUser
from core.ports import Store
from core.programs.program import Program
from core.service import MentorBot
from tests.kit import FakeChat, Harness, live, visible


@pytest.fixture
def two(memory_store: Store, program: Program, clock: ManualClock) -> Harness:
    slashy = FakeChat(admins={"coordinator"}, name="fake", command="/mentor")
    banged = FakeChat(admins={"coordinator"}, name="banged", command="!mentor")
    bot = MentorBot([program], memory_store, {"fake": slashy, "banged": banged}, clock)
    return Harness(bot, slashy, clock)


def person(platform: str, name: str) -> PlatformUser:
    return PlatformUser(platform, "ws1", name)


async def command(harness: Harness, user: PlatformUser, verb: str, *args: str) -> str:
    event = CommandInvoked(user, Conversation.dm(user), verb, args, display_name=user.user_id)
    reply = await harness.bot.handle(event)
    return "\n".join(visible(c) for c in reply.messages)


async def test_replies_use_the_command_of_the_platform_asked_on(two: Harness) -> None:
    on_slash = await command(two, person("fake", "ana"), "help")
    on_bang = await command(two, person("banged", "ana"), "help")
    assert "`/mentor join [mentor|mentee|both]`" in on_slash
    assert "`!mentor join [mentor|mentee|both]`" in on_bang
    assert "!mentor" not in on_slash
    assert "/mentor" not in on_bang
    typed = TextReceived(person("banged", "bo"), Conversation.dm(person("banged", "bo")), "hi")
    (answer,) = (await two.bot.handle(typed)).messages
    assert "Try `!mentor help`" in visible(answer)


async def test_reminders_use_the_command_of_the_recipients_platform(two: Harness) -> None:
    for platform in ("fake", "banged"):
        started = await command(two, person(platform, "ana"), "join", "mentee")
        assert "(1/9)" in started  # half-way through joining: a reminder comes after two days
    await live(two, 3)
    slashy, banged = two.bot.ports["fake"], two.bot.ports["banged"]
    assert isinstance(slashy, FakeChat)
    assert isinstance(banged, FakeChat)
    to_slash = [visible(c) for w, c in slashy.sent if w.id == "ana"]
    to_bang = [visible(c) for w, c in banged.sent if w.id == "ana"]
    assert any("Send `/mentor join` to pick up" in t for t in to_slash), to_slash
    assert any("Send `!mentor join` to pick up" in t for t in to_bang), to_bang
    assert not any("!mentor" in t for t in to_slash)
    assert not any("/mentor" in t for t in to_bang)

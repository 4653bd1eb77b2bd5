"""Private channels per match: names, retries, scopes, and a 50-match commit under rate limits."""

from __future__ import annotations

import time
from typing import Any

from conftest import Stack
from test_slack_http import MENTEE, MENTOR

from core.content import Text
from core.events import ChoiceSelected, CommandInvoked, FormSubmitted
from core.identity import Conversation, PlatformUser
from tests.kit.slack import BOT_USER, TEAM, Channel


def person(user_id: str) -> PlatformUser:
    return PlatformUser("slack", TEAM, user_id)


async def enrol_directly(stack: Stack, user_id: str, role: str, answers: dict[str, Any]) -> None:
    """Enrol through core's entry point (the HTTP path is covered in test_slack_http)."""
    user = person(user_id)
    where = Conversation.dm(user)
    await stack.bot.handle(CommandInvoked(user, where, "join", (role,), display_name=user_id))
    values = {k: v for k, v in answers.items() if k != "bio"} | {"bio": f"I am {user_id}."}
    reply = await stack.bot.handle(FormSubmitted(user, where, "mentoring:questionnaire", values))
    assert not reply.form_errors, reply.form_errors
    await stack.bot.handle(ChoiceSelected(user, where, "mentoring:policy", ("accept",)))


async def test_a_50_match_commit_with_429s_makes_50_channels_none_twice(stack: Stack) -> None:
    mentor = {**MENTOR, "mentee_capacity": "1"}
    for n in range(50):
        await enrol_directly(stack, f"U1{n:03d}", "mentee", MENTEE)
        await enrol_directly(stack, f"U2{n:03d}", "mentor", mentor)
    for method in ("conversations.create", "conversations.invite", "chat.postMessage"):
        stack.fake.rate_limited[method] = 2
    started = time.perf_counter()
    sent = await stack.client.command("U0CORA", "admin match commit")
    assert sent.status == 200
    assert sent.seconds < 1.0
    await stack.adapter.idle(limit=60)
    assert time.perf_counter() - started < 40
    channels = list(stack.fake.channels.values())
    assert len(channels) == 50
    assert len({c.name for c in channels}) == 50
    assert all(c.is_private and len(c.members - {BOT_USER}) == 2 for c in channels)
    throttled = [c for c in stack.fake.calls if c.method == "conversations.create"]
    assert len(throttled) == 52  # two answered 429 and were retried after Retry-After
    intros = {ch for (ch, _) in stack.fake.messages if ch in stack.fake.channels}
    assert intros == set(stack.fake.channels)
    progress = [m for (ch, _), m in stack.fake.messages.items() if ch == "D0CORA"]
    assert progress, "the coordinator sees the commit's progress in their DM"
    # Committing again never creates a second channel for a match.
    await stack.client.command("U0CORA", "admin match commit")
    await stack.adapter.idle(limit=60)
    assert len(stack.fake.channels) == 50


async def test_create_space_is_idempotent_per_name_and_suffixes_foreign_names(
    stack: Stack,
) -> None:
    port = stack.adapter.port
    members = [person("U0ANA"), person("U0BEN")]
    first = await port.create_space(TEAM, "Mentoring 7: Ana & Bén", "Ana and Ben", members)
    assert first.name == "mentoring-7-ana-ben"
    again = await port.create_space(TEAM, "Mentoring 7: Ana & Bén", "Ana and Ben", members)
    assert again.space_id == first.space_id  # a retried commit reuses the bot's own channel
    stack.fake.channels["C0FOREIGN"] = Channel("C0FOREIGN", "pair-x", True, "U0SOMEONE")
    other = await port.create_space(TEAM, "pair-x", "", members)
    assert other.name == "pair-x-2"
    long = await port.create_space(TEAM, "x" * 200, "", members)
    assert len(long.name) == 80
    assert stack.fake.channels[first.space_id].members == {BOT_USER, "U0ANA", "U0BEN"}


async def test_without_channel_scopes_a_group_dm_is_used(stack: Stack) -> None:
    stack.fake.missing_scopes.add("conversations.create")
    space = await stack.adapter.port.create_space(
        TEAM, "pair", "topic", [person("U0ANA"), person("U0BEN")]
    )
    assert space.space_id.startswith("G")
    assert stack.fake.called("conversations.open")[0].params["users"] == "U0ANA,U0BEN"
    await stack.adapter.port.send(space.conversation, MENTEE_TEXT)
    assert any(ch == space.space_id for ch, _ in stack.fake.messages)


MENTEE_TEXT = Text("Welcome!")


async def test_user_info_maps_admins_and_owners(stack: Stack) -> None:
    info = await stack.adapter.port.user_info(person("U0CORA"))
    assert info.is_admin
    assert info.display_name == "Cora"
    assert not (await stack.adapter.port.user_info(person("U0ANA"))).is_admin


async def test_a_send_retried_with_its_idempotency_key_posts_once(stack: Stack) -> None:
    where = Conversation.dm(person("U0ANA"))
    first = await stack.adapter.port.send(where, Text("Check-in"), idempotency_key="k1")
    again = await stack.adapter.port.send(where, Text("Check-in"), idempotency_key="k1")
    assert first == again
    assert len(stack.fake.called("chat.postMessage")) == 1

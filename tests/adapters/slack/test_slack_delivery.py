"""Delivery on Slack: DMs Slack refuses for good raise `Unreachable`, and through the real Bolt
app such a person's messages land in their match channel with one notice to the coordinator."""

from __future__ import annotations

import pytest
from conftest import Stack
from test_slack_channels import enrol_directly, person
from test_slack_http import MENTEE, MENTOR

from adapters.slack.port import SlackPortError
from core.content import Text
from core.identity import Conversation, ConversationKind
from core.ports import Unreachable


@pytest.mark.parametrize("code", ["cannot_dm_bot", "user_not_found", "user_disabled"])
async def test_a_dm_slack_refuses_for_good_raises_unreachable(stack: Stack, code: str) -> None:
    stack.fake.no_dm["U0ANA"] = code
    with pytest.raises(Unreachable) as raised:
        await stack.adapter.port.send(Conversation.dm(person("U0ANA")), Text("Hello"))
    assert raised.value.user == person("U0ANA")
    assert code in raised.value.reason


async def test_a_channel_slack_refuses_is_not_a_person_unreachable(stack: Stack) -> None:
    channel = Conversation("slack", "T0TEST", ConversationKind.SPACE, "C0NOPE")
    with pytest.raises(SlackPortError):
        await stack.adapter.port.send(channel, Text("Hello"))


async def test_messages_to_someone_slack_wont_dm_go_to_their_match_channel(stack: Stack) -> None:
    # Cora is a workspace admin: once she has used `admin`, coordinator alerts reach her too.
    await enrol_directly(stack, "U1ANA", "mentee", MENTEE)
    await enrol_directly(stack, "U2BEN", "mentor", MENTOR)
    await stack.client.command("U0CORA", "admin match commit")
    await stack.adapter.idle(limit=30)
    (channel,) = stack.fake.channels
    stack.fake.no_dm["U1ANA"] = "cannot_dm_bot"
    for text in ("First news", "Second news"):
        sent = await stack.client.command("U0CORA", f"admin broadcast {text}")
        assert sent.status == 200
        await stack.adapter.idle(limit=30)
    in_channel = [m["text"] or "" for (ch, _), m in stack.fake.messages.items() if ch == channel]
    fallbacks = [t for t in in_channel if "couldn't reach you by direct message" in t]
    assert len(fallbacks) == 2
    to_cora = [m["text"] or "" for (ch, _), m in stack.fake.messages.items() if ch == "D0CORA"]
    notices = [t for t in to_cora if "I can't DM" in t]
    assert len(notices) == 1
    assert "cannot_dm_bot" in notices[0]
    assert (
        sum(
            "Second news" in (m["text"] or "")
            for (ch, _), m in stack.fake.messages.items()
            if ch == "D2BEN"
        )
        == 1
    )

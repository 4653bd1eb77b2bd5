"""End to end over real HTTP on loopback: signed requests in, the fake Slack Web API out."""

from __future__ import annotations

import time
from typing import Any

from conftest import Stack
from slack_sdk.models.views import View

from core.content import Choice, Prompt
from core.identity import Conversation, ConversationKind, PlatformUser
from tests.kit import scenario
from tests.kit.slack import TEAM
from tests.kit.slack.payloads import click, find_button, submission

# The scenario's people, Ana's bio written to try a mass ping and a mention in her introduction.
MENTEE = {**scenario.MENTEE, "bio": "Hi <!channel> & <@U0BEN>, I'm Ana."}
MENTOR = scenario.MENTOR


def valid(view: dict[str, Any]) -> dict[str, Any]:
    View(**view).validate_json()  # slack-sdk's own checks of Slack's limits
    return view


def last_view(stack: Stack) -> dict[str, Any]:
    return stack.fake.called("views.open")[-1].params["view"]


async def enrol(stack: Stack, user: str, role: str, answers: dict[str, Any]) -> None:
    """`/mentor join <role>` → modal → submission → accept the policy in the modal."""
    sent = await stack.client.command(user, f"join {role}")
    assert sent.status == 200
    await stack.adapter.idle()
    opened = stack.fake.called("views.open")[-1]
    view = valid(opened.params["view"])
    assert opened.json
    sent = await stack.client.interaction(submission(user, view, answers))
    assert sent.status == 200, sent.text
    result = sent.json()
    assert result["response_action"] == "update", result
    policy = valid(result["view"])
    view_id = next(
        v for v, shown in stack.fake.views.items() if shown["callback_id"] == "mentor_form"
    )
    accept = find_button(policy["blocks"], "I accept")
    payload = click(
        user,
        accept,
        container={"type": "view", "view_id": view_id},
        trigger=stack.fake.trigger(),
        view={**policy, "id": view_id},
    )
    sent = await stack.client.interaction(payload)
    assert sent.status == 200
    await stack.adapter.idle()
    shown = stack.fake.views[view_id]
    assert "enrolled" in str(shown["blocks"])
    stack.fake.views.pop(view_id)


async def test_join_with_a_modal_invalid_field_first_then_fixed(stack: Stack) -> None:
    sent = await stack.client.command("U0ANA", "join mentee")
    assert sent.status == 200
    assert sent.seconds < 1.0
    await stack.adapter.idle()
    view = valid(last_view(stack))
    assert view["title"]["text"] == "Join Mentoring Circle"
    wrong = {**MENTEE, "timezone": "Mars/Olympus_Mons"}
    sent = await stack.client.interaction(submission("U0ANA", view, wrong))
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"timezone"}
    sent = await stack.client.interaction(submission("U0ANA", view, MENTEE))
    answer = sent.json()
    assert answer["response_action"] == "update"
    assert "policy" in str(answer["view"]["blocks"]).lower()


async def test_full_flow_to_a_private_channel_and_a_check_in_click(stack: Stack) -> None:
    await enrol(stack, "U0ANA", "mentee", MENTEE)
    await enrol(stack, "U0BEN", "mentor", MENTOR)
    sent = await stack.client.command("U0CORA", "admin match commit")
    assert sent.status == 200
    assert sent.seconds < 1.0
    await stack.adapter.idle()
    creates = stack.fake.called("conversations.create")
    assert len(creates) == 1
    assert creates[0].params["is_private"] == "1"
    (channel,) = stack.fake.channels.values()
    assert channel.is_private
    assert channel.topic == "Mentoring Circle: ben &amp; ana"  # plain text, no markup marks
    assert {"U0ANA", "U0BEN"} <= channel.members
    intro = [m for (ch, _), m in stack.fake.messages.items() if ch == channel.id]
    assert intro, "the introduction is posted in the match channel"
    text = str(intro[0]["blocks"])
    assert "<!channel>" not in text
    assert "<@U0BEN>" not in text
    assert "I'm Ana" in text
    assert "&amp;" in text
    assert stack.fake.responses[-1][1]["text"]  # the coordinator hears how it went
    # A check-in prompt in the channel, clicked once: recorded, and the buttons are gone.
    where = Conversation("slack", TEAM, ConversationKind.SPACE, channel.id)
    prompt = Prompt(
        "mentoring:checkin:1",
        "Did you meet?",
        (Choice("yes", "Yes, we met"), Choice("no", "Not yet")),
    )
    ref = await stack.adapter.port.send(where, prompt)
    channel_id, _, ts = ref.message_id.partition("/")
    message = stack.fake.messages[(channel_id, ts)]
    payload = click(
        "U0ANA",
        find_button(message["blocks"], "Yes, we met"),
        container={"type": "message", "channel_id": channel_id, "message_ts": ts},
        trigger=stack.fake.trigger(),
        response_url=stack.fake.response_url(),
        message=message,
    )
    before = len(stack.fake.responses)
    assert (await stack.client.interaction(payload)).status == 200
    await stack.adapter.idle()
    updated = stack.fake.messages[(channel_id, ts)]
    assert "✓ Yes, we met" in str(updated["blocks"])
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    assert len(stack.fake.responses) > before  # core's answer, ephemeral to the clicker


async def test_forged_or_old_signature_is_refused_and_changes_nothing(stack: Stack) -> None:
    body = stack.client.command_body("U0ANA", "join mentee")
    forged = await stack.client.post(body, "application/x-www-form-urlencoded", secret="wrong")
    old = await stack.client.post(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60
    )
    assert (forged.status, old.status) == (401, 401)
    await stack.adapter.idle()
    assert stack.fake.calls == []
    async with stack.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("slack", TEAM)
        state = await uow.programs.ensure(workspace, "mentoring")
        assert await uow.participants.list(state.id) == []


async def test_a_retried_event_is_processed_once(stack: Stack) -> None:
    event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
    first = await stack.client.event(event, "Ev0001")
    again = await stack.client.event(event, "Ev0001", retry=1)
    other = await stack.client.event(event, "Ev0002")
    assert (first.status, again.status, other.status) == (200, 200, 200)
    await stack.adapter.idle()
    assert len(stack.fake.called("views.publish")) == 2
    valid(stack.fake.homes["U0ANA"])


async def test_an_expired_trigger_offers_a_button_that_opens_the_form(stack: Stack) -> None:
    stack.fake.trigger_ttl = 0.0
    await stack.client.command("U0ANA", "join mentee")
    await stack.adapter.idle()
    assert stack.fake.called("views.open")  # tried, and Slack said expired_trigger_id
    _, response = stack.fake.responses[-1]
    button = find_button(response["blocks"], "Open the form")
    stack.fake.trigger_ttl = 3.0
    payload = click(
        "U0ANA",
        button,
        container={"type": "message", "is_ephemeral": True, "channel_id": "C0GENERAL"},
        trigger=stack.fake.trigger(),
        response_url=stack.fake.response_url(),
    )
    await stack.client.interaction(payload)
    await stack.adapter.idle()
    assert len(stack.fake.views) == 1
    valid(next(iter(stack.fake.views.values())))


async def test_app_home_for_a_coordinator_and_a_button_from_home(stack: Stack) -> None:
    await enrol(stack, "U0CORA", "mentor", MENTOR)
    await stack.client.event({"type": "app_home_opened", "user": "U0CORA", "tab": "home"}, "Ev1")
    await stack.adapter.idle()
    home = valid(stack.fake.homes["U0CORA"])
    text = str(home["blocks"])
    assert "Coordinator" in text
    assert "Commit round" in text
    assert "Edit profile" in text
    pause = find_button(home["blocks"], "Pause")
    payload = click(
        "U0CORA",
        pause,
        container={"type": "view", "view_id": "VHOME"},
        trigger=stack.fake.trigger(),
        view={**home, "id": "VHOME"},
    )
    await stack.client.interaction(payload)
    await stack.adapter.idle()
    dms = [m for (ch, _), m in stack.fake.messages.items() if ch == "D0CORA"]
    assert any("Paused" in str(m["blocks"]) for m in dms)
    assert len(stack.fake.called("views.publish")) == 2


async def test_a_questionnaire_longer_than_a_step_opens_step_by_step(stack: Stack) -> None:
    """`both` asks 11 questions: Slack's steps hold 10, so core sends two modal steps and
    keeps the first step's answers before the second opens (`response_action: update`)."""
    both = {**MENTEE, **MENTOR}
    sent = await stack.client.command("U0CY", "join both")
    assert sent.status == 200
    await stack.adapter.idle()
    first = valid(last_view(stack))
    assert first["title"]["text"].endswith(" 1/2")
    assert "Step 1 of 2" in str(first["blocks"])
    inputs = [b["block_id"] for b in first["blocks"] if b["type"] == "input"]
    assert len(inputs) == 10
    sent = await stack.client.interaction(submission("U0CY", first, both))
    answer = sent.json()
    assert answer["response_action"] == "update", answer
    second = valid(answer["view"])
    assert "Step 2 of 2" in str(second["blocks"])
    rest = [b["block_id"] for b in second["blocks"] if b["type"] == "input"]
    assert rest == ["bio"]
    async with stack.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("slack", TEAM)
        state = await uow.programs.ensure(workspace, "mentoring")
        cy = await uow.participants.find(state.id, PlatformUser("slack", TEAM, "U0CY"))
        assert cy is not None
        session = await uow.onboarding.get(cy.key)
    assert session is not None
    assert set(session.draft) == set(inputs)  # step 1 is saved before step 2 is answered
    sent = await stack.client.interaction(submission("U0CY", second, both))
    answer = sent.json()
    assert answer["response_action"] == "update"
    assert "policy" in str(answer["view"]["blocks"]).lower()

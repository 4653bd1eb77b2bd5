"""Coordinator tools through Slack's real path: signed slash commands into the Bolt app, files
uploaded to the loopback fake of the Web API, replies through `response_url`."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from conftest import Stack
from test_slack_channels import enrol_directly
from test_slack_http import MENTEE, MENTOR

from adapters.slack.parse import command_text
from core.domain import MatchStatus


async def matched(stack: Stack) -> str:
    await enrol_directly(stack, "U1ANA", "mentee", MENTEE)
    await enrol_directly(stack, "U2BEN", "mentor", MENTOR)
    assert (await stack.client.command("U0CORA", "admin match commit")).status == 200
    await stack.adapter.idle(limit=30)
    (channel,) = stack.fake.channels
    return channel


def said(stack: Stack, since: int = 0) -> str:
    """Everything shown to the coordinator since `since` responses (ephemeral replies)."""
    return "\n".join(json.dumps(body) for _, body in stack.fake.responses[since:])


def in_dm(stack: Stack, channel: str = "D0CORA") -> list[str]:
    return [m["text"] or "" for (ch, _), m in stack.fake.messages.items() if ch == channel]


async def test_export_and_stats_arrive_as_files_in_the_coordinators_dm(stack: Stack) -> None:
    await matched(stack)
    assert (await stack.client.command("U0CORA", "admin export")).status == 200
    await stack.adapter.idle()
    assert (await stack.client.command("U0CORA", "admin stats")).status == 200
    await stack.adapter.idle()
    assert (await stack.client.command("U0CORA", "admin export anonymised")).status == 200
    await stack.adapter.idle()
    full, chart, anonymous = stack.fake.files.values()
    assert full.channel == chart.channel == anonymous.channel == "D0CORA"
    assert full.filename.endswith(".zip")
    assert full.data is not None
    with zipfile.ZipFile(io.BytesIO(full.data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("participants.csv").decode())))
        audit = archive.read("audit.csv").decode()
    assert [(r["id"], r["role"]) for r in rows] == [("U1ANA", "mentee"), ("U2BEN", "mentor")]
    assert "slack:T0TEST:U0CORA" in audit or "U0CORA" in audit
    assert chart.filename == "mentoring-cycle-1-health.png"
    assert chart.data is not None
    assert chart.data.startswith(b"\x89PNG")
    assert "matches by health" in chart.alt_txt
    assert anonymous.data is not None
    with zipfile.ZipFile(io.BytesIO(anonymous.data)) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert "U1ANA" not in everything
    assert "U0CORA" not in everything
    assert "beside" not in said(stack)  # one cycle so far: nothing to compare with
    assert "mentees enrolled: 1" in said(stack)


async def test_rematch_by_mention_and_the_audit_log(stack: Stack) -> None:
    channel = await matched(stack)
    before = len(stack.fake.responses)
    sent = await stack.client.command("U0CORA", "admin rematch <@U1ANA|u1ana>")
    assert sent.status == 200
    await stack.adapter.idle(limit=30)
    assert "I ended 1 match of U1ANA (#1)" in said(stack, before)
    assert stack.fake.channels[channel].archived
    assert any(
        "has ended your match and put you back in the pool" in t for t in in_dm(stack, "D1ANA")
    )
    async with stack.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (found,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
    assert found.status is MatchStatus.ENDED
    before = len(stack.fake.responses)
    assert (await stack.client.command("U0CORA", "admin audit")).status == 200
    await stack.adapter.idle()
    audit = said(stack, before)
    assert "put a participant back in the pool" in audit
    assert "committed a matching round" in audit
    refused = len(stack.fake.responses)
    await stack.client.command("U0BEN", "admin rematch <@U1ANA|u1ana>")  # not an admin
    await stack.adapter.idle()
    assert "Only coordinators" in said(stack, refused)


async def test_broadcast_counts_people_slack_will_not_dm(stack: Stack) -> None:
    await enrol_directly(stack, "U1ANA", "mentee", MENTEE)
    await enrol_directly(stack, "U2BEN", "mentor", MENTOR)
    await enrol_directly(stack, "U3CY", "mentee", MENTEE)
    stack.fake.no_dm["U3CY"] = "cannot_dm_bot"
    stack.fake.rate_limited["chat.postMessage"] = 2  # Slack answers 429 twice: waited out
    before = len(stack.fake.responses)
    sent = await stack.client.command("U0CORA", "admin broadcast Mixer <!channel> on Friday")
    assert sent.status == 200
    await stack.adapter.idle(limit=30)
    final = said(stack, before) + "\n".join(in_dm(stack))
    assert (
        "Broadcast to 3 active participants: 2 delivered, 0 failed, 1 unreachable by DM." in final
    )
    assert any("Sending your broadcast" in t or "has gone out" in t for t in in_dm(stack))
    limited = [c for c in stack.fake.calls if c.method == "chat.postMessage"]
    assert len(limited) >= 2 + 3  # the two refused calls were made again
    (to_ana,) = [t for t in in_dm(stack, "D1ANA") if "Mixer" in t]
    assert "<!channel>" not in to_ana


def test_slack_user_references_in_commands_become_user_ids() -> None:
    assert command_text("admin rematch <@U0123ABC|ana>") == "admin rematch @U0123ABC"
    assert command_text("admin rematch <@W0123>") == "admin rematch @W0123"
    assert command_text("broadcast a &lt;b&gt; &amp; c") == "broadcast a <b> & c"

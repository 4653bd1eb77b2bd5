"""Private replies never reach a channel, and files arrive intact through Slack's upload."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from conftest import Stack
from test_slack_http import MENTEE, enrol

from adapters.slack.port import SlackPortError
from core.content import File
from core.identity import Conversation, ConversationKind, PlatformUser
from tests.kit.slack import BOT_USER, TEAM, Channel

GENERAL = "C0GENERAL"


def shared_channel(stack: Stack, channel_id: str = GENERAL, *, bot: bool = True) -> None:
    members = {"U0ANA", "U0BEN", "U0CORA"} | ({BOT_USER} if bot else set())
    stack.fake.channels[channel_id] = Channel(channel_id, "general", False, "U0CORA", members)


async def test_my_data_typed_in_a_shared_channel_is_shown_to_the_person_alone(
    stack: Stack,
) -> None:
    await enrol(stack, "U0ANA", "mentee", MENTEE)
    shared_channel(stack)
    before = len(stack.fake.responses)
    sent = await stack.client.command("U0ANA", "my-data", channel=GENERAL)
    assert sent.status == 200
    await stack.adapter.idle()
    answers = [body for _, body in stack.fake.responses[before:]]
    data = [body for body in answers if "Everything I store about you" in json.dumps(body)]
    assert len(data) == 1
    assert data[0]["response_type"] == "ephemeral"
    (uploaded,) = stack.fake.files.values()  # the file itself goes to the person's DM
    assert (uploaded.channel, uploaded.filename) == ("D0ANA", "mentorbot-my-data.json")
    assert uploaded.data is not None
    (mine,) = json.loads(uploaded.data)["programs"]
    assert mine["answers"]["goals"] == "Lead a team within a year."
    assert stack.fake.visible_in(GENERAL) == []


async def test_an_export_is_uploaded_to_the_coordinators_dm_not_the_channel(stack: Stack) -> None:
    await enrol(stack, "U0ANA", "mentee", MENTEE)
    shared_channel(stack)
    sent = await stack.client.command("U0CORA", "admin export", channel=GENERAL)
    assert sent.status == 200
    await stack.adapter.idle()
    (uploaded,) = stack.fake.files.values()
    assert uploaded.channel == "D0CORA"
    assert uploaded.filename.startswith("mentoring-export-")
    assert uploaded.title == uploaded.filename
    assert "export (a zip of CSV files)" in uploaded.alt_txt
    assert uploaded.data is not None
    with zipfile.ZipFile(io.BytesIO(uploaded.data)) as archive:
        text = archive.read("participants.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == ["U0ANA"]
    assert "Hi <!channel> & <@U0BEN>, I'm Ana." in rows[0]["bio"]  # a file is data, not markup
    assert stack.fake.visible_in(GENERAL) == []


async def test_a_binary_file_arrives_byte_for_byte(stack: Stack) -> None:
    shared_channel(stack)
    data = bytes(range(256)) * 64 + b"\x00\xff"
    file = File("chart.png", "image/png", data, alt_text="Check-ins met per month")
    where = Conversation("slack", TEAM, ConversationKind.CHANNEL, GENERAL)
    ref = await stack.adapter.port.send(where, file)
    (uploaded,) = stack.fake.files.values()
    assert ref.message_id == f"{GENERAL}/file:{uploaded.id}"
    assert uploaded.data == data
    assert (uploaded.filename, uploaded.title, uploaded.alt_txt) == (
        "chart.png",
        "chart.png",
        "Check-ins met per month",
    )
    assert uploaded.channel == GENERAL


async def test_a_file_to_a_channel_without_the_bot_says_what_to_do(stack: Stack) -> None:
    shared_channel(stack, bot=False)
    where = Conversation("slack", TEAM, ConversationKind.CHANNEL, GENERAL)
    with pytest.raises(SlackPortError, match="invite me to it"):
        await stack.adapter.port.send(where, File("a.txt", "text/plain", b"hello"))
    (pending,) = stack.fake.files.values()  # uploaded, but never shared anywhere
    assert pending.channel == ""


async def test_a_refused_upload_is_reported_and_retrying_works(stack: Stack) -> None:
    to = Conversation.dm(PlatformUser("slack", TEAM, "U0ANA"))
    stack.fake.refuse_uploads = 1
    with pytest.raises(SlackPortError, match=r"did not take the file 'notes\.txt'"):
        await stack.adapter.port.send(to, File("notes.txt", "text/plain", b"notes"))
    await stack.adapter.port.send(to, File("notes.txt", "text/plain", b"notes"))
    shared = [f for f in stack.fake.files.values() if f.channel]
    assert [(f.channel, f.data) for f in shared] == [("D0ANA", b"notes")]

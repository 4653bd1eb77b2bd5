"""Matrix events as core events, and what the port writes: pure, no server."""

from __future__ import annotations

import pytest

from adapters.matrix.parse import RoomKind, Seen, choice_of, event_of
from adapters.matrix.port import alias_of, encrypted_room_state, power_levels, reaction_hint, txn_id
from adapters.matrix.render import render
from core.content import Choice, Prompt, user_text
from core.events import ChoiceSelected, CommandInvoked, TextReceived
from core.identity import ConversationKind

ANA = "@ana:example.org"


def seen(body: str, room: RoomKind = RoomKind.DM, **more: str) -> Seen:
    return Seen("!room:example.org", room, ANA, body, **more)  # type: ignore[arg-type]


def test_a_command_in_a_dm_and_in_a_program_room() -> None:
    dm = event_of(seen("!mentor join mentee"), "example.org", "!mentor")
    assert isinstance(dm, CommandInvoked)
    assert (dm.verb, dm.args, dm.where.kind) == ("join", ("mentee",), ConversationKind.DM)
    assert dm.where.id == ANA
    room = event_of(seen("!MENTOR status", RoomKind.OTHER), "example.org", "!mentor")
    assert isinstance(room, CommandInvoked)
    assert room.where.kind is ConversationKind.CHANNEL
    assert room.where.id == "!room:example.org"


def test_text_answers_in_a_dm_counts_in_a_match_room_and_is_ignored_elsewhere() -> None:
    assert isinstance(event_of(seen("Europe/Madrid"), "example.org", "!mentor"), TextReceived)
    in_match = event_of(seen("hi Ben", RoomKind.MATCH), "example.org", "!mentor")
    assert isinstance(in_match, TextReceived)
    assert in_match.where.kind is ConversationKind.SPACE
    assert event_of(seen("lunch?", RoomKind.OTHER), "example.org", "!mentor") is None
    not_a_command = event_of(seen("!mentorship is great"), "example.org", "!mentor")
    assert isinstance(not_a_command, TextReceived)


@pytest.mark.parametrize(
    ("key", "choice"),
    [("👍", "1"), ("👍🏽", "1"), ("👎", "2"), ("1️⃣", "1"), ("3️⃣", "3"), ("🎉", None)],
)
def test_reactions_name_a_choice(key: str, choice: str | None) -> None:
    assert choice_of(key) == choice


def test_a_reaction_answers_the_prompt_its_message_carries() -> None:
    event = event_of(
        Seen("!m:example.org", RoomKind.MATCH, ANA, reacts_to="$prompt", key="👍"),
        "example.org",
        "!mentor",
    )
    assert isinstance(event, ChoiceSelected)
    assert event.prompt_id == ""  # core finds it in the prompt registry by the message
    assert event.choice_ids == ("1",)
    assert event.message is not None
    assert event.message.message_id == "$prompt"
    unknown = Seen("!m:example.org", RoomKind.MATCH, ANA, reacts_to="$p", key="🎉")
    assert event_of(unknown, "example.org", "!mentor") is None


def test_user_text_can_neither_ping_the_room_nor_inject_html() -> None:
    shown = render("Hello " + user_text('@room <a href="x">click</a> <b>bold</b>'))
    assert "@room" not in shown.body
    assert "@room" not in shown.formatted_body
    assert "<a " not in shown.formatted_body
    assert "<b>" not in shown.formatted_body
    assert "&lt;b&gt;" in shown.formatted_body


def test_rooms_are_encrypted_from_their_first_event_and_settings_stay_with_the_bot() -> None:
    state = {e["type"]: e["content"] for e in encrypted_room_state()}
    assert state["m.room.encryption"] == {"algorithm": "m.megolm.v1.aes-sha2"}
    assert state["m.room.history_visibility"] == {"history_visibility": "invited"}
    levels = power_levels()
    assert levels["users_default"] == 0
    assert levels["invite"] == levels["state_default"] == 50
    assert "users" not in levels  # the creator (the bot) ranks highest in every room version


def test_idempotency_keys_and_aliases_are_stable_and_private() -> None:
    assert txn_id("intro:7") == txn_id("intro:7") != txn_id("intro:8")
    alias = alias_of("@bot:example.org", "example.org", "mentoring-ana-ben")
    assert alias == alias_of("@bot:example.org", "example.org", "mentoring-ana-ben")
    assert "ana" not in alias
    assert alias != alias_of("@other:example.org", "example.org", "mentoring-ana-ben")


def test_yes_no_prompts_say_how_to_react() -> None:
    prompt = Prompt("p", "Did you meet?", (Choice("yes", "Yes"), Choice("no", "Not yet")))
    shown = render(reaction_hint(prompt)).body
    assert "👍 for “Yes”" in shown
    assert "👎 for “Not yet”" in shown
    many = Prompt("p", "Topics?", (Choice("a", "A"), Choice("b", "B")), multiple=True)
    assert reaction_hint(many) == ""

"""Pure parts of the Discord adapter on recorded payloads: payload → event, content → UI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from adapters.discord import commands, ids, parse, ui
from core.content import Choice, Form, FormField, Prompt, Text, user_text
from core.events import ChoiceSelected, MessageSeen, TextReceived
from core.forms import split_form
from core.identity import ConversationKind
from core.programs.program import QuestionKind
from core.prompt_ids import PromptId
from core.verbs import ADMIN, COORDINATOR_VERBS, PARTICIPANT_VERBS

PAYLOADS = Path(__file__).parent / "payloads"
GUILD = "800000000000000001"


def recorded(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


# --- commands ---------------------------------------------------------------------------------


def test_the_command_group_fits_discords_rules() -> None:
    made = commands.definition("/mentor", (*PARTICIPANT_VERBS, ADMIN), COORDINATOR_VERBS, "x")
    assert made["name"] == "mentor"
    subs = made["options"]
    assert len(subs) <= 25
    every = [*subs, *next(s for s in subs if s["name"] == "admin")["options"]]
    for sub in every:
        assert commands.NAME.match(sub["name"]), sub["name"]
        assert 1 <= len(sub["description"]) <= 100
        for option in sub.get("options", []):
            assert commands.NAME.match(option["name"])
            assert len(option["description"]) <= 100
            assert len(option.get("choices", [])) <= 25
    join = next(s for s in subs if s["name"] == "join")
    assert [c["value"] for c in join["options"][0]["choices"]] == ["mentor", "mentee", "both"]


def test_a_recorded_admin_command_reads_as_typed() -> None:
    event = parse.command_event(recorded("command_admin_match"), GUILD)
    assert (event.verb, event.args) == ("admin", ("match", "preview"))
    assert event.user.user_id == "700000000000000003"
    assert event.user.workspace_id == GUILD
    assert event.where.kind is ConversationKind.DM  # replies are ephemeral, never in #channel
    assert event.display_name == "Cora B."  # the server nickname first


def test_a_recorded_join_with_its_role_choice() -> None:
    event = parse.command_event(recorded("command_join"), GUILD)
    assert (event.verb, event.args) == ("join", ("mentee",))
    assert event.display_name == "Ana"


def test_free_text_options_split_into_words() -> None:
    data = {"options": [{"type": 1, "name": "goals", "options": [
        {"type": 3, "name": "details", "value": "add  Run a retro"}]}]}  # fmt: skip
    assert commands.read(data) == ("goals", ("add", "Run", "a", "retro"))
    assert commands.read({"name": "mentor"}) == ("help", ())


# --- components -----------------------------------------------------------------------------


def test_a_recorded_button_click_in_a_dm_names_prompt_and_choice() -> None:
    click = parse.click_event(recorded("click_button_dm"), GUILD)
    assert click is not None
    event = click.event
    assert isinstance(event, ChoiceSelected)
    assert event.prompt_id == "mentoring:goal:12"
    assert event.choice_ids == ("under_way",)
    assert event.where.kind is ConversationKind.DM
    assert event.message is not None
    assert event.message.message_id == "900000000000000050/900000000000000060"
    assert click.labels == ("Under way",)


def test_a_recorded_select_in_a_thread_is_a_space_answer() -> None:
    click = parse.click_event(recorded("click_select_thread"), GUILD)
    assert click is not None
    assert click.event.where.kind is ConversationKind.SPACE
    assert click.event.where.id == "900000000000000070"
    assert click.event.choice_ids == ("yes",)
    assert click.labels == ("Yes",)


def test_a_click_on_an_ephemeral_message_is_the_persons_own() -> None:
    payload = recorded("click_select_thread")
    payload["message"]["flags"] = 64
    click = parse.click_event(payload, GUILD)
    assert click is not None
    assert click.event.where.kind is ConversationKind.DM
    assert click.event.message is None  # ephemeral messages cannot be fetched or edited later


def test_custom_ids_round_trip_and_never_pass_100_characters() -> None:
    long_prompt = PromptId("p" * 30, "checkin", "x" * 60).encode()
    assert len(long_prompt) <= 100
    assert ids.button(long_prompt, "yes") is None  # would not fit: a select is used
    short = PromptId("mentoring", "checkin", "12:3").encode()
    custom = ids.button(short, "rain_check")
    assert custom is not None
    assert ids.parse(custom) == ids.Parsed(prompt_id=short, choice_id="rain_check")
    assert ids.parse(ids.select(short, 2)) == ids.Parsed(prompt_id=short)
    assert ids.parse(ids.form("k3y", "f:languages")).action == "f:languages"
    assert len(ids.form("k" * 90, "f:" + "q" * 64)) == 100


# --- messages -------------------------------------------------------------------------------


def rows(view: discord.ui.View) -> list[list[dict]]:
    return [row["components"] for row in view.to_components()]


def test_a_prompt_becomes_buttons() -> None:
    prompt = Prompt(
        "mentoring:checkin:1", "Did you meet?", (Choice("yes", "Yes"), Choice("no", "No"))
    )
    made = ui.message(prompt)
    assert made.view is not None
    (row,) = rows(made.view)
    assert [b["label"] for b in row] == ["Yes", "No"]
    assert [b["custom_id"] for b in row] == ["mentoring:checkin:1¦yes", "mentoring:checkin:1¦no"]


def test_many_choices_become_selects_of_25() -> None:
    choices = tuple(Choice(f"c{n}", f"Choice {n}") for n in range(30))
    made = ui.message(Prompt("mentoring:ask:1", "Pick a mentor", choices))
    assert made.view is not None
    selects = [row[0] for row in rows(made.view)]
    assert [len(s["options"]) for s in selects] == [25, 5]
    assert len({s["custom_id"] for s in selects}) == 2


def test_a_multi_choice_prompt_is_a_select_with_max_values() -> None:
    choices = tuple(Choice(f"c{n}", f"Topic {n}") for n in range(6))
    prompt = Prompt("mentoring:topics:1", "Topics?", choices, multiple=True, max_choices=3)
    (row,) = rows(ui.message(prompt).view or ui.view())
    assert row[0]["max_values"] == 3


def test_text_a_person_typed_cannot_ping_or_format() -> None:
    made = ui.message(Text(f"Goal: {user_text('@everyone <@&1> <@2> **bold**')}"))
    assert "@everyone" not in made.content.replace("@\u2060everyone", "")
    assert "<@&1>" not in made.content
    assert "<@2>" not in made.content
    assert made.mentions == ()
    allowed = made.allowed_mentions.to_dict()
    assert allowed["parse"] == []
    assert allowed.get("users", []) == []


def test_long_replies_are_split_to_2000_characters() -> None:
    made = ui.messages([Text("a" * 1500), Text("b" * 1500), Text("c" * 5000)])
    assert [len(m.content) <= 2000 for m in made] == [True, True, True]
    assert len(made) == 3


# --- forms ----------------------------------------------------------------------------------


def field(n: int, kind: QuestionKind = QuestionKind.TEXT, label: str | None = None) -> FormField:
    options = tuple(Choice(f"o{i}", f"Option {i}") for i in range(3)) if kind.has_options else ()
    return FormField(f"q{n}", label or f"Question {n}", kind, options=options)


def test_a_questionnaire_is_cut_into_steps_discord_can_show() -> None:
    long_label = "What would you most like to get out of this mentoring program, in a few words?"
    fields = (field(0, label=long_label), *(field(n) for n in range(1, 6)),
              *(field(n, QuestionKind.MULTI_CHOICE) for n in range(6, 11)))  # fmt: skip
    steps = split_form(
        Form("mentoring:form:join", "Join the Mentoring Circle program", fields), ui.FORM_LIMITS
    )
    assert len(steps) == 3
    for number, step in enumerate(steps):
        state = ui.FormState(step)
        made = ui.form_message(state, f"key{number}")
        assert made.view is not None
        assert len(made.view.to_components()) <= 5
        if state.inputs:
            modal = ui.form_modal(state, f"key{number}")
            data = modal.to_dict()
            assert len(data["title"]) <= 45
            labels = [row["components"][0]["label"] for row in data["components"]]
            assert all(len(label) <= 45 for label in labels)
    first = ui.form_modal(ui.FormState(steps[0]), "key0").to_dict()
    placeholder = first["components"][0]["components"][0]["placeholder"]
    assert placeholder.startswith("What would you most like")  # the whole question, as a hint


def test_discord_py_refuses_a_sixth_modal_input() -> None:
    form = Form("mentoring:form:x", "Six", tuple(field(n) for n in range(5)))
    modal = ui.form_modal(ui.FormState(form), "k")
    assert len(modal.children) == 5
    with pytest.raises(ValueError, match="maximum number of children exceeded"):
        modal.add_item(discord.ui.TextInput(label="sixth", custom_id="q6"))


def test_a_form_step_shows_what_was_picked_and_what_to_fix() -> None:
    item = field(0, QuestionKind.SINGLE_CHOICE)
    state = ui.FormState(Form("mentoring:form:join", "Join", (item,)), values={"q0": "o1"})
    state.errors = {"q0": "Pick one of the options."}
    made = ui.form_message(state, "k")
    assert "Pick one of the options." in made.content
    select = rows(made.view or ui.view())[0][0]
    assert [o.get("default", False) for o in select["options"]] == [False, True, False]


def test_modal_values_read_every_input() -> None:
    components = [
        {"type": 1, "components": [{"type": 4, "custom_id": "bio", "value": " Engineer "}]},
        {"type": 1, "components": [{"type": 4, "custom_id": "background", "value": ""}]},
    ]
    assert ui.modal_values(components) == {"bio": "Engineer", "background": None}


# --- messages in spaces ---------------------------------------------------------------------


def test_a_recorded_message_in_a_space_is_activity_only() -> None:
    payload = recorded("message_in_thread")
    seen = parse.message_event(
        payload, GUILD, "900000000000000001", frozenset({"900000000000000070"})
    )
    assert isinstance(seen, MessageSeen)
    assert seen.where.id == "900000000000000070"
    assert seen.at == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert not hasattr(seen, "text")
    elsewhere = parse.message_event(payload, GUILD, "900000000000000001", frozenset())
    assert elsewhere is None  # not a match space: nothing is recorded


def test_a_dm_is_typed_text_and_bots_are_ignored() -> None:
    payload = recorded("message_in_thread")
    del payload["guild_id"]
    payload["content"] = "2"
    typed = parse.message_event(payload, GUILD, "900000000000000001", frozenset())
    assert isinstance(typed, TextReceived)
    assert typed.text == "2"
    payload["author"]["bot"] = True
    assert parse.message_event(payload, GUILD, "900000000000000001", frozenset()) is None


def test_placeholders_become_typed_options() -> None:
    made = commands.definition("/mentor", (*PARTICIPANT_VERBS, ADMIN), COORDINATOR_VERBS, "x")
    admin = next(s for s in made["options"] if s["name"] == "admin")["options"]
    match, _ = next(s for s in admin if s["name"] == "end-match")["options"]
    assert (match["name"], match["type"], match["required"]) == ("match", commands.INTEGER, True)
    pause, _ = next(s for s in made["options"] if s["name"] == "pause")["options"]
    assert pause["name"] == "duration"
    (program,) = next(s for s in made["options"] if s["name"] == "status")["options"]
    assert program["name"] == "program"
    number = {"type": 4, "name": "match", "value": 7}
    end = {"type": 1, "name": "end-match", "options": [number]}
    data = {"options": [{"type": 2, "name": "admin", "options": [end]}]}
    assert commands.read(data) == ("admin", ("end-match", "7"))


def test_every_subcommand_ends_with_an_optional_program_read_first() -> None:
    """`/mentor admin match choice:commit program:second` reads as `admin match second commit`,
    the program right after the verb, where core looks for it."""
    made = commands.definition("/mentor", (*PARTICIPANT_VERBS, ADMIN), COORDINATOR_VERBS, "x")
    admin = next(s for s in made["options"] if s["name"] == "admin")["options"]
    subcommands = [s for s in made["options"] if s["name"] != "admin"] + admin
    for sub in subcommands:
        last = sub["options"][-1]
        assert (last["name"], last["required"]) == ("program", False), sub["name"]
        required = [o["required"] for o in sub["options"]]
        assert required == sorted(required, reverse=True), f"{sub['name']}: required first"
    choice = {"type": 3, "name": "choice", "value": "commit"}
    program = {"type": 3, "name": "program", "value": "second"}
    match = {"type": 1, "name": "match", "options": [choice, program]}
    data = {"options": [{"type": 2, "name": "admin", "options": [match]}]}
    assert commands.read(data) == ("admin", ("match", "second", "commit"))

"""Pure functions on recorded payloads: Slack → core events, core content → Block Kit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

from adapters.slack import parse, render
from adapters.slack.home import HomeData, home_view
from adapters.slack.text import channel_name, chunks, escape, mrkdwn
from core.content import Choice, Form, FormField, Prompt, Text
from core.events import MemberJoined, MessageSeen, TextReceived
from core.identity import ConversationKind
from core.programs.program import Program, QuestionKind, Role

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def valid(view: dict[str, Any]) -> dict[str, Any]:
    View(**view).validate_json()
    return view


def questionnaire(program: Program, roles: set[Role]) -> Form:
    fields = tuple(
        FormField(
            q.id,
            q.prompt,
            q.kind,
            q.required,
            tuple(Choice(o.value, o.label) for o in q.options),
            max_length=q.max_length,
            max_choices=q.max_choices,
            hint=q.help,
        )
        for q in program.questions_for(frozenset(roles))
    )
    return Form(f"{program.id}:questionnaire", f"Join {program.name}", fields, "Next")


def test_slash_command_becomes_a_command_for_the_persons_dm() -> None:
    event = parse.command_event(payload("slash_command.json"), "/mentor")
    assert (event.verb, event.args) == ("admin", ("broadcast", "Hi", "<team>", "&", "all"))
    assert event.user.user_id == "U0ANA"
    assert event.user.workspace_id == "T0TEST"
    assert event.where.kind is ConversationKind.DM
    assert event.interaction == "T0TEST|1234.5678.abcdef"
    assert parse.split_interaction(event.interaction) == ("T0TEST", "1234.5678.abcdef")


def test_button_click_becomes_a_choice_with_the_message_to_update() -> None:
    click = parse.click_event(payload("block_actions_button.json"))
    assert click is not None
    assert click.event.prompt_id == "mentoring:checkin:4"
    assert click.event.choice_ids == ("yes",)
    assert click.labels == ("Yes",)
    assert click.event.message is not None
    assert click.event.message.message_id == "D0ANA/1700000001.000100"
    blocks = payload("block_actions_button.json")["message"]["blocks"]
    done = render.answered(blocks, "mentoring:checkin:4", click.labels)
    assert [b["type"] for b in done] == ["section", "context"]


def test_done_on_checkboxes_reads_the_state_and_ephemeral_has_no_message_ref() -> None:
    click = parse.click_event(payload("block_actions_done.json"))
    assert click is not None
    assert click.event.choice_ids == ("leadership", "design")
    assert click.event.message is None


def test_view_submission_values_and_metadata() -> None:
    view = payload("view_submission.json")["view"]
    assert parse.view_values(view) == {
        "topics_wanted": ["career"],
        "goals": "Grow",
        "background": None,
        "years_experience": "3",
        "availability": "light",
        "languages": [],
    }
    meta = render.FormMeta.loads(view["private_metadata"])
    assert meta == render.FormMeta("mentoring:questionnaire", 0, 1, "C0GENERAL", "")
    assert render.FormMeta.loads("not json") is None


def test_message_events_count_activity_without_text() -> None:
    events = payload("message_events.json")
    seen = parse.message_event(events["channel_message"], "T0TEST", "U0BOT")
    assert isinstance(seen, MessageSeen)
    assert seen.where.id == "C0MATCH"
    assert seen.at.year == 2023
    assert not hasattr(seen, "text")
    typed = parse.message_event(events["dm_message"], "T0TEST", "U0BOT")
    assert isinstance(typed, TextReceived)
    assert parse.message_event(events["bot_message"], "T0TEST", "U0BOT") is None
    assert parse.message_event(events["join_message"], "T0TEST", "U0BOT") is None
    assert isinstance(parse.member_event(events["member_joined"], "T0TEST"), MemberJoined)


@pytest.mark.parametrize("roles", [{Role.MENTEE}, {Role.MENTOR}, {Role.MENTOR, Role.MENTEE}])
def test_the_questionnaire_is_a_valid_modal(programs: list[Program], roles: set[Role]) -> None:
    form = questionnaire(programs[0], roles)
    meta = render.FormMeta(form.id, 0, len(render.pages(form)))
    view = valid(render.form_view(form, meta, intro=["Welcome <!channel>!"]))
    assert view["blocks"][0]["text"]["text"] == "Welcome &lt;!channel&gt;!"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    if Role.MENTEE in roles:
        assert kinds["topics_wanted"] == "checkboxes"
        assert kinds["goals"] == "plain_text_input"
    assert kinds["timezone"] == "plain_text_input"
    assert kinds["years_experience"] == "number_input"
    assert kinds["availability"] == "radio_buttons"


def test_long_forms_are_paged_within_slacks_limits() -> None:
    many = tuple(Choice(f"o{i}", f"Option {i} " + "x" * 90) for i in range(100))
    fields = tuple(
        FormField(f"f{i}", f"Question {i} " * 200, QuestionKind.SINGLE_CHOICE, options=many)
        for i in range(23)
    )
    form = Form("p:questionnaire", "A very long program title indeed", fields)
    pages = render.pages(form)
    assert [len(p) for p in pages] == [10, 10, 3]
    for index in range(len(pages)):
        view = valid(render.form_view(form, render.FormMeta(form.id, index, len(pages), "C", "k")))
        assert len(view["title"]["text"]) <= 24
        assert view["title"]["text"].endswith(f"{index + 1}/3")
        element = view["blocks"][0]["element"]
        assert element["type"] == "static_select"
        assert all(len(o["text"]["text"]) <= 75 for o in element["options"])
    assert valid(render.form_view(form, render.FormMeta(form.id, 2, 3)))["submit"]["text"] == (
        "Submit"
    )


def test_initial_values_are_kept_in_the_modal() -> None:
    options = (Choice("a", "A"), Choice("b", "B"))
    form = Form(
        "p:profile",
        "Your profile",
        (
            FormField("t", "Text", QuestionKind.TEXT, initial="hi", max_length=500),
            FormField("m", "Multi", QuestionKind.MULTI_CHOICE, options=options, initial=["b"]),
            FormField("s", "Single", QuestionKind.SINGLE_CHOICE, options=options, initial="a"),
            FormField("n", "Number", QuestionKind.NUMBER, initial=4),
        ),
    )
    view = valid(render.form_view(form, render.FormMeta(form.id)))
    elements = [b["element"] for b in view["blocks"]]
    assert elements[0]["initial_value"] == "hi"
    assert elements[0]["multiline"] is True
    assert elements[1]["initial_options"][0]["value"] == "b"
    assert elements[2]["initial_option"]["value"] == "a"
    assert elements[3]["initial_value"] == "4"


def test_prompts_become_buttons_selects_or_checkboxes() -> None:
    few = Prompt("p:leave", "Leave?", (Choice("yes", "Yes"), Choice("no", "No")))
    blocks = render.prompt_blocks(few)
    assert [e["type"] for e in blocks[-1]["elements"]] == ["button", "button"]
    many = Prompt("p:q:x", "Pick", tuple(Choice(str(i), f"L{i}") for i in range(12)))
    assert render.prompt_blocks(many)[-1]["elements"][0]["type"] == "static_select"
    multi = Prompt("p:q:y", "Pick", few.choices, multiple=True, max_choices=2, hint="Up to 2")
    blocks = render.prompt_blocks(multi)
    assert [e["type"] for e in blocks[1]["elements"]] == ["checkboxes", "button"]
    assert blocks[-1]["block_id"] == "p:q:y#hint"
    message = render.message([Text("x" * 7000), few])
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")


def test_escaping_and_core_markdown() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    assert mrkdwn(r"*bold* and \*not\* <b>") == "*bold* and *not* &lt;b&gt;"
    assert chunks("a\nb\nc", 3) == ["a\nb", "c"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mentoring 7: Ana & Bén", "mentoring-7-ana-ben"),
        ("__--__", "mentoring"),
        ("UPPER_case--ok", "upper_case-ok"),
        ("日本", "mentoring"),
    ],
)
def test_channel_names_follow_slacks_rules(name: str, expected: str) -> None:
    assert channel_name(name) == expected
    assert len(channel_name("y" * 100, "-12")) == 80


def test_app_home_views_are_valid() -> None:
    plain = valid(home_view(HomeData([Text("You're not enrolled.")])))
    assert "Coordinator" not in str(plain)
    full = valid(home_view(HomeData([Text("Active")], [Text("Profile")], [Text("Stats")])))
    assert "admin match commit" in str(full)
    long = valid(home_view(HomeData([Text("line\n" * 2000)] * 60)))
    assert len(long["blocks"]) <= 100


def test_the_manifest_asks_for_the_scopes_the_adapter_uses() -> None:
    import yaml

    from adapters.slack.app import BOT_SCOPES

    manifest = yaml.safe_load((Path(render.__file__).parent / "manifest.yaml").read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert manifest["features"]["slash_commands"][0]["command"] == "/mentor"

"""Program bindings through the real Bolt app: a program bound to one Slack team is invisible
in another (commands, coordinator verbs, App Home), and a team with no program hears why."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT, Stack

from core.programs.program import Program, load_program, parse_program
from core.service import NO_PROGRAM_HERE
from tests.kit.slack import TEAM

OTHER_TEAM = "T0OTHER"
NO_PROGRAM_TEAM = "T0NONE"


def bound(program: Program, key: str, name: str, team: str) -> Program:
    raw = program.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw.update(
        id=key,
        name=name,
        coordinators=[str(c) for c in program.coordinators],
        platforms={"slack": {"team": team}},
    )
    return parse_program(raw, f"{key}.yaml")


@pytest.fixture
def programs() -> list[Program]:
    bundled = load_program(ROOT / "programs" / "default.yaml")
    return [
        bound(bundled, "there", "There Circle", OTHER_TEAM),
        bound(bundled, "here", "Here Circle", TEAM),
    ]


async def command_in(stack: Stack, team: str, user: str, text: str) -> str:
    """`/mentor <text>` typed in `team`; returns what the bot answered (via response_url)."""
    body = stack.client.command_body(user, text).replace(f"team_id={TEAM}", f"team_id={team}")
    before = len(stack.fake.responses)
    sent = await stack.client.post(body, "application/x-www-form-urlencoded")
    assert sent.status == 200
    await stack.adapter.idle()
    answers: list[Any] = [response for _, response in stack.fake.responses[before:]]
    return str(answers)


async def test_a_program_bound_to_another_team_is_invisible_here(stack: Stack) -> None:
    await stack.client.command("U0ANA", "join mentee")
    await stack.adapter.idle()
    assert stack.fake.called("views.open")[-1].params["view"]["title"]["text"] == (
        "Join Here Circle"
    )
    refused = await command_in(stack, TEAM, "U0ANA", "status there")
    assert "*There Circle* doesn" in refused
    # The workspace admin coordinates the program bound to their team, not the other one.
    assert "Here Circle" in await command_in(stack, TEAM, "U0CORA", "admin status")
    other = await command_in(stack, TEAM, "U0CORA", "admin status there")
    assert "*There Circle* doesn" in other
    assert "There Circle" in await command_in(stack, OTHER_TEAM, "U0BEN", "status")


async def test_app_home_shows_only_the_programs_of_the_team(stack: Stack) -> None:
    home_event = {"type": "app_home_opened", "user": "U0CORA", "tab": "home"}
    await stack.client.event(home_event, "EvHome1")
    await stack.adapter.idle()
    home = str(stack.fake.homes["U0CORA"]["blocks"])
    assert "Coordinator" in home
    assert "Here Circle" in home
    assert "There Circle" not in home


async def test_a_team_without_a_program_is_told_so_in_one_sentence(stack: Stack) -> None:
    for user, text in (("U0ANA", "join mentee"), ("U0CORA", "admin status"), ("U0ANA", "help")):
        answer = await command_in(stack, NO_PROGRAM_TEAM, user, text)
        assert NO_PROGRAM_HERE.split(" — ")[0] in answer
        assert "Circle" not in answer
    assert not stack.fake.called("views.open")

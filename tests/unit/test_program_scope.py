"""Programs apply where they are bound; coordinators are scoped to their platform, admins and
role holders coordinate only where the program is bound, and alerts reach all of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_engagement_flows import NUDGE_DAYS, matched

from adapters.shell.adapter import ShellAdapter
from core.clock import ManualClock
from core.content import as_text
from core.coordinator.access import coordinates, power_rooms
from core.events import CommandInvoked
from core.identity import Conversation, PlatformUser
from core.ports import Store
from core.programs.program import Program, parse_program
from core.service import NO_PROGRAM_HERE, MentorBot
from tests.kit import FakeChat, Harness, enrol, live


def variant(program: Program, **changes: Any) -> Program:
    """The bundled program with some keys of its file changed, validated like a file."""
    raw = program.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw["coordinators"] = [str(c) for c in program.coordinators]
    return parse_program({**raw, **changes}, "variant.yaml")


def harness_on(
    store: Store, clock: ManualClock, programs: list[Program], port: FakeChat, workspace: str
) -> Harness:
    bot = MentorBot(programs, store, {port.platform: port}, clock)
    return Harness(bot, port, clock, workspace=workspace)


async def test_no_program_in_a_workspace_is_one_clear_sentence(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    bound = variant(program, platforms={"discord": {"guild": "111"}})
    port = FakeChat(name="discord", admins={"boss"})
    elsewhere = harness_on(memory_store, clock, [bound], port, "222")
    for line in ("/mentor help", "/mentor join mentee", "/mentor admin status", "hello"):
        assert await elsewhere.say("boss", line) == NO_PROGRAM_HERE
    standing = await elsewhere.bot.standing(elsewhere.user("boss"))
    assert (standing.enrolled, standing.coordinator) == (False, False)
    home = harness_on(memory_store, clock, [bound], port, "111")
    assert "Welcome to *Mentoring Circle*" in await home.say("ana", "/mentor join mentee")
    assert "matches: 0 active" in await home.say("boss", "/mentor admin status")
    assert (await home.bot.standing(home.user("boss"))).coordinator


async def test_commands_route_to_the_programs_that_apply_here(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    here = variant(program, id="here", name="Here Circle", platforms={"discord": {"guild": "111"}})
    there = variant(program, id="there", name="There Circle", platforms={"discord": {"guild": "2"}})
    port = FakeChat(name="discord")
    harness = harness_on(memory_store, clock, [there, here], port, "111")
    assert "Welcome to *Here Circle*" in await harness.say("ana", "/mentor join mentee")
    assert "*There Circle* doesn't run in this workspace" in await harness.say(
        "ana", "/mentor status there"
    )
    # A click on a prompt of a program bound elsewhere finds no program here.
    gone = await harness.click("ana", "yes", prompt_id="there:leave")
    assert "no longer runs here" in gone


async def test_admins_coordinate_only_where_the_program_is_bound(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    bound = variant(program, id="bound", platforms={"discord": {"guild": "111"}})
    port = FakeChat(name="discord", admins={"boss"})
    unbound_admin = PlatformUser("discord", "222", "boss")
    bound_admin = PlatformUser("discord", "111", "boss")
    assert not await coordinates(port, unbound_admin, [bound])
    assert await coordinates(port, bound_admin, [bound])
    assert await coordinates(port, unbound_admin, [program])  # unbound: admins everywhere
    # Through the bot: in guild 222 only the unbound program runs; the bound one is refused.
    harness = harness_on(memory_store, clock, [program, bound], port, "222")
    assert "doesn't run in this workspace" in await harness.say(
        "boss", "/mentor admin status bound"
    )
    assert "matches: 0 active" in await harness.say("boss", "/mentor admin status")


async def test_a_listed_id_coordinates_on_its_own_platform_only(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    listed = variant(program, coordinators=["shell:ana"])
    lines: list[str] = []
    shell = ShellAdapter(lines.append)
    fake = FakeChat()
    bot = MentorBot([listed], memory_store, {"shell": shell.port, "fake": fake}, clock)
    on_shell = shell.user("ana")
    reply = await bot.handle(CommandInvoked(on_shell, Conversation.dm(on_shell), "admin"))
    assert "matches: 0 active" in Harness.text(reply)
    elsewhere = PlatformUser("fake", "ws1", "ana")
    reply = await bot.handle(CommandInvoked(elsewhere, Conversation.dm(elsewhere), "admin"))
    assert "Only coordinators" in Harness.text(reply)


async def test_discord_role_holders_coordinate(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    bound = variant(program, platforms={"discord": {"guild": "111", "coordinator_role": "1213"}})
    port = FakeChat(
        name="discord",
        roles={"rita": frozenset({"1213", "7"}), "ana": frozenset({"7"})},
    )
    harness = harness_on(memory_store, clock, [bound], port, "111")
    assert "matches: 0 active" in await harness.say("rita", "/mentor admin status")
    assert "*Coordinators*" in await harness.say("rita", "/mentor help")
    assert "Only coordinators" in await harness.say("ana", "/mentor admin status")
    assert "*Coordinators*" not in await harness.say("ana", "/mentor help")


@pytest.mark.parametrize(("level", "allowed"), [(50, True), (100, True), (49, False)])
async def test_matrix_power_levels_in_the_program_room_coordinate(
    memory_store: Store, program: Program, clock: ManualClock, level: int, allowed: bool
) -> None:
    room, other = "!def:example.org", "!other:example.org"
    bound = variant(
        program,
        platforms={
            "matrix": {"homeserver": "example.org", "room": room, "coordinator_power_level": 50}
        },
    )
    port = FakeChat(
        name="matrix",
        power_levels={"@mod:example.org": {room: level, other: 100}},
    )
    assert power_rooms([program, bound]) == {room}  # what the Matrix adapter must report
    harness = harness_on(memory_store, clock, [bound], port, "example.org")
    status = await harness.say("@mod:example.org", "/mentor admin status")
    assert ("matches: 0 active" in status) is allowed
    assert ("Only coordinators" in status) is not allowed


async def test_alerts_reach_listed_coordinators_and_admins_who_coordinated(
    harness: Harness,
) -> None:
    harness.port.admins |= {"idle-admin"}
    assert "matches: 0 active" in await harness.say("slackadmin", "/mentor admin status")
    space = await matched(harness)
    await live(harness, NUDGE_DAYS * 2)

    def alerts(name: str) -> list[str]:
        return [t for t in harness.to(name) if "*at risk*" in t]

    assert len(alerts("coordinator")) == 1  # listed, and recorded too: told once
    assert len(alerts("slackadmin")) == 1  # an admin who used `admin status`
    assert alerts("idle-admin") == []  # an admin who never acted as a coordinator
    # No longer an admin: no longer told, though once recorded.
    harness.port.admins.discard("slackadmin")
    await harness.in_room("ana", space, "Coffee on Friday?")  # a new quiet spell begins
    await live(harness, NUDGE_DAYS * 2 + NUDGE_DAYS // 2)
    assert len(alerts("coordinator")) == 2
    assert len(alerts("slackadmin")) == 1


async def test_coordinators_are_recorded_with_their_workspace(harness: Harness) -> None:
    await enrol(harness, "ana")
    await harness.say("slackadmin", "/mentor admin status")
    await harness.say("ana", "/mentor admin status")  # refused: not recorded
    harness.advance(timedelta(hours=1))
    await harness.say("coordinator", "/mentor admin stats")
    harness.advance(timedelta(hours=1))
    await harness.say("slackadmin", "/mentor admin status")  # seen again: first now
    async with harness.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws1")
        state = await uow.programs.ensure(workspace, "mentoring")
        recorded = await uow.coordinators.of(state.id)
        seen = await uow.coordinators.last_seen_as("fake", "coordinator")
    assert recorded == [harness.user("slackadmin"), harness.user("coordinator")]
    assert seen == harness.user("coordinator")


async def test_a_listed_coordinator_on_another_bound_platform_is_alerted_there(
    memory_store: Store, program: Program, clock: ManualClock
) -> None:
    both = variant(
        program,
        coordinators=["slack:U0LEAD"],
        platforms={"discord": {"guild": "111"}, "slack": {"team": "T0AAA"}},
    )
    discord = FakeChat(name="discord", admins={"coordinator"})
    slack = FakeChat(name="slack")
    bot = MentorBot([both], memory_store, {"discord": discord, "slack": slack}, clock)
    harness = Harness(bot, discord, clock, workspace="111")
    await matched(harness)
    await live(harness, NUDGE_DAYS * 2)
    told = [(to.workspace_id, to.id) for to, c in slack.sent if "*at risk*" in as_text(c)]
    assert told == [("T0AAA", "U0LEAD")]
    assert len([t for t in harness.to("coordinator") if "*at risk*" in t]) == 1

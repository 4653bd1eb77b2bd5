"""Lifecycle semantics: a round scheduled again replaces the one scheduled before; a match
ended by a coordinator or by a member leaving says so, and a mentee left without a mentor is
back in the pool."""

from __future__ import annotations

from core.content import Prompt
from tests.kit import Harness, enrol, live, tick
from tests.unit.test_engagement_flows import matched


async def test_scheduling_a_round_again_replaces_the_scheduled_one(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    first = await harness.say("coordinator", "/mentor admin match schedule 2d")
    assert "replaces" not in first
    await tick(harness)
    second = await harness.say("coordinator", "/mentor admin match schedule 4d")
    assert second.startswith(
        "📣 This replaces the round that was to run on Wed 04 Mar 09:00 UTC. "
        "The next *Mentoring Circle* round runs on Fri 06 Mar 09:00 UTC."
    ), second
    await tick(harness)
    notices = [t for t in harness.to("ana") if "Heads-up: the next" in t]
    assert len(notices) == 2
    assert "Fri 06 Mar" in notices[1]
    await live(harness, 3)
    assert harness.port.spaces == []  # the round of Wednesday no longer runs
    await live(harness, 1.5)
    summaries = [t for t in harness.to("coordinator") if "The scheduled" in t]
    (summary,) = summaries
    assert "Round committed: 1 match" in summary
    assert len(harness.port.spaces) == 1


async def test_a_coordinator_ending_a_match_tells_its_members(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, 2)
    assert "told and asked for feedback" in await harness.say(
        "coordinator", "/mentor admin end-match 1"
    )
    assert harness.in_space(space)[-1] == (
        "🌟 A coordinator has ended your match in *Mentoring Circle*. Thank you both for the "
        "time and care you gave each other! I'll ask each of you for short feedback."
    )
    await tick(harness)
    for name in ("ana", "ben"):
        (survey,) = [c for w, c in harness.port.sent if w.id == name and isinstance(c, Prompt)]
        assert survey.text == (
            "📝 Your match in *Mentoring Circle* has ended. How did your mentoring go? "
            "(Only coordinators see your answer.)"
        )


async def test_a_mentor_who_leaves_sends_their_mentee_back_to_the_pool(harness: Harness) -> None:
    space = await matched(harness)
    await harness.say("ben", "/mentor leave")
    await harness.say("ben", "1")
    await tick(harness)
    assert harness.in_space(space)[-1] == (
        "👋 A mentor has left *Mentoring Circle*, so this match has ended. Thank you both!"
    )
    assert (
        "Your mentor has left *Mentoring Circle*, so your match has ended. You're back in the "
        "pool: the next matching round will look for a new mentor for you, or send "
        "`/mentor request` to ask one now."
    ) in harness.to("ana")
    surveys = [c for w, c in harness.port.sent if isinstance(c, Prompt) and ":feedback:" in c.id]
    assert [w.id for w, c in harness.port.sent if c in surveys] == ["ana"]  # not who left
    assert "No match yet" in await harness.say("ana", "/mentor status")


async def test_a_forgotten_mentee_is_not_named_to_their_mentor(harness: Harness) -> None:
    await matched(harness)
    await harness.say("ana", "/mentor forget-me")
    await harness.say("ana", "1")
    await tick(harness)
    told = [t for t in harness.to("ben") if "has left" in t]
    assert told == [
        "Your mentee has left *Mentoring Circle*, so your match has ended. "
        "`/mentor status` shows where you are now."
    ]


async def test_a_mentor_lowering_capacity_below_their_matches_is_told(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "cy")
    await enrol(harness, "ben", "mentor")
    assert "Round committed: 2 matches" in await harness.say(
        "coordinator", "/mentor admin match commit"
    )
    assert "How many mentees" in await harness.say("ben", "/mentor profile edit 2")
    saved = await harness.say("ben", "1")
    assert saved == (
        "Saved. How many mentees can you take this cycle? (1 to 4) → 1\n"
        "You have 2 mentees now, more than your new limit of 1: your matches carry on until "
        "they end, and no new mentee comes to you until a place is free."
    )
    await harness.say("ben", "/mentor profile edit 2")
    assert await harness.say("ben", "2") == (
        "Saved. How many mentees can you take this cycle? (1 to 4) → 2"
    )


async def test_a_mentor_with_several_matches_sees_goals_per_match(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "cy")
    await enrol(harness, "ben", "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    assert "Goal added" in await harness.say("cy", "/mentor goals add Give a talk")
    assert "Marked as done" in await harness.say("cy", "/mentor goals done 1")
    assert "set by the mentee" in await harness.say("ben", "/mentor goals done 1")
    listing = await harness.say("ben", "/mentor goals")
    assert "*Goals of your match with Ana*\nNo goals yet." in listing
    assert "*Goals of your match with Cy*\n1. Give a talk — done ✅" in listing
    assert "goals done N" not in listing  # a mentor manages no goals
    assert "Goals of your match*" in await harness.say("cy", "/mentor goals")

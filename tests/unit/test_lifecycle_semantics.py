"""Lifecycle semantics: a round scheduled again replaces the one scheduled before."""

from __future__ import annotations

from tests.kit import Harness, enrol, live, tick


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

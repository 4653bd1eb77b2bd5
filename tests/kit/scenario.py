"""The conformance scenario: one story every adapter must be able to tell, written once.

It speaks only through a `Driver` (`tests/kit/drivers/base.py`), so it runs unchanged on the
shell, Slack and whatever adapter comes next. A step that needs a feature the adapter is known
to lack (`Driver.lacks`) may fail: it is recorded and the test ends as xfail naming it, after
every other step has run for real. Once the feature lands the step passes and the test is green.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.kit.drivers.base import PRIVATE_REPLIES, PROMPT_REGISTRY, Driver

MENTEE = {
    "topics_wanted": ["career", "leadership"],
    "goals": "Lead a team within a year.",
    "background": None,
    "languages": ["en", "es"],
    "timezone": "Europe/Madrid",
    "years_experience": "2",
    "communication": ["chat", "video"],
    "availability": "regular",
    "bio": "Engineer in Madrid.",
}
MENTOR = {
    "topics_offered": ["career", "leadership", "design"],
    "mentee_capacity": "2",
    "languages": ["en"],
    "timezone": "Europe/Berlin",
    "years_experience": "12",
    "communication": ["chat", "video"],
    "availability": "regular",
    "bio": "Engineering manager.",
}
CHECKIN_EVERY = timedelta(days=14)  # programs/default.yaml: cadence.checkin_every_days


@dataclass
class Story:
    """Runs the steps; keeps which passed and which failed for want of a missing feature."""

    driver: Driver
    passed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def step(self, title: str, *, needs: str | None = None) -> AsyncIterator[None]:
        try:
            yield
        except Exception as error:
            if needs is None or needs not in self.driver.lacks:
                raise
            said = " ".join(str(error).split())
            said = said if len(said) <= 160 else said[:157] + "..."
            self.missing.append(f"{title!r} needs {needs} ({type(error).__name__}: {said})")
        else:
            self.passed.append(title)


async def play(driver: Driver) -> Story:
    """The story: join, a round, a space, a check-in, a restart, privacy, forgetting."""
    story = Story(driver)
    d = driver

    async with story.step("a mentee joins; an invalid answer is refused with the reason"):
        joined = await d.join("ana", "mentee", MENTEE, first_try={"timezone": "Mars/Olympus"})
        assert "Mars/Olympus" in joined.reason or "timezone" in joined.reason.lower(), joined
        assert joined.asked_again, joined.reason
        assert "enrolled" in joined.done, joined.done

    async with story.step("a mentor joins"):
        joined = await d.join("ben", "mentor", MENTOR)
        assert "enrolled" in joined.done, joined.done

    async with story.step("the coordinator previews a round: proposed, nothing created"):
        preview = await d.say("cora", "/mentor admin match preview")
        assert "ana" in preview.lower(), preview  # display names differ by platform
        assert "ben" in preview.lower(), preview
        assert d.space_of("ana", "ben") is None

    async with story.step("the coordinator commits: a space with both and the introduction"):
        committed = await d.say("cora", "/mentor admin match commit")
        assert committed.strip(), "the coordinator hears how the commit went"
        space = d.space_of("ana", "ben")
        assert space is not None, "a private space for the match"
        assert {"ana", "ben"} <= space.members
        assert "cora" not in space.members
        intro = "\n".join(d.messages_in(space.id))
        assert "Welcome" in intro, intro
        assert "ana" in intro.lower(), intro
        assert "ben" in intro.lower(), intro

    async with story.step("the mentee sets a goal"):
        added = await d.say("ana", "/mentor goals add Run my first team retro")
        assert "Goal added" in added, added

    async with story.step("a check-in arrives in the space and is answered"):
        await d.advance(CHECKIN_EVERY + timedelta(hours=1))
        assert any("Check-in time" in m for m in d.messages_in(space.id)), d.messages_in(space.id)
        assert any("Run my first team retro" in m for m in d.messages_to("ana"))  # goal progress
        answered = await d.click("ana", "Yes", in_space=space.id)
        assert answered.strip(), "the person hears their answer was taken"
        stats = await d.say("cora", "/mentor admin stats")
        assert "met at 1 of 1 check-in;" in stats, stats

    async with story.step(
        "my-data is answered privately, even asked in the space", needs=PRIVATE_REPLIES
    ):
        before = len(d.messages_in(space.id))
        await d.say("ana", "/mentor my-data", in_space=space.id)
        assert not any("Everything I store" in m for m in d.messages_in(space.id)[before:]), (
            "my-data was shown to everyone in the space"
        )
        assert any("Everything I store about you" in m for m in d.messages_to("ana"))
        mine = my_data(d, "ana")
        assert mine["programs"][0]["answers"]["bio"] == MENTEE["bio"], mine
        assert MENTOR["bio"] not in json.dumps(mine), "my-data holds the mentor's answers"

    async with story.step("after a restart the bot still knows everyone"):
        await d.restart()
        status = await d.say("ana", "/mentor status")
        assert "ben" in status.lower(), status

    async with story.step(
        "a prompt from before the restart can still be answered", needs=PROMPT_REGISTRY
    ):
        await d.say("ana", "/mentor my-data")
        assert goal_progress(my_data(d, "ana")) == ["not_started"]
        answer = await d.click("ana", "Under way")  # the goal question the check-in sent
        await d.say("ana", "/mentor my-data")
        after = goal_progress(my_data(d, "ana"))
        assert after == ["under_way"], f"the answer was not taken; bot said: {answer}"

    async with story.step("forget-me deletes the person"):
        await d.say("ana", "/mentor forget-me")
        gone = await d.click("ana", "Yes, delete everything")
        assert "deleted" in gone, gone
        data = await d.say("ana", "/mentor my-data")
        assert "I store nothing about you" in data, data
        left = d.space_of("ben")
        assert left is not None, "the mentor's space is still there"
        assert "ana" not in left.members, "forget-me left ana in the space"
        status = await d.say("cora", "/mentor admin status")
        assert "mentees: 0 active" in status, status

    return story


def my_data(driver: Driver, who: str) -> dict[str, Any]:
    """The newest `my-data` file the person received, read as JSON."""
    files = [data for name, data in driver.files_to(who) if name.endswith(".json")]
    assert files, f"no my-data file reached {who}"
    found: dict[str, Any] = json.loads(files[-1])
    return found


def goal_progress(data: dict[str, Any]) -> list[str]:
    return [g["progress"] for p in data["programs"] for m in p["matches"] for g in m["goals"]]

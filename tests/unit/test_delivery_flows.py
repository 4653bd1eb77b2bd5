"""Delivery you can trust: introductions and notifications go through the outbox (retried under
one idempotency key), people who can't be DMed are reached in their match space with one notice
to the coordinators, outcomes are counted in `admin status`, and every reminder kind has a
handler."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.engagement.flow import Engagement
from core.reminders.kinds import MissingHandler, ReminderKind, require_handlers
from core.reminders.outbox import Reminder
from core.rounds.flow import introduction_key
from tests.kit import Harness, enrol, tick


async def matched(harness: Harness) -> str:
    """Ana (mentee) and Ben (mentor) matched by a round; returns their space id."""
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    assert "Round committed: 1 match" in await harness.say(
        "coordinator", "/mentor admin match commit"
    )
    (space,) = harness.port.spaces
    return space.space_id


async def outbox(harness: Harness) -> list[Reminder]:
    found = []
    async with harness.bot.store.transaction() as uow:
        for number in range(1, 500):
            reminder = await uow.reminders.get(number)
            if reminder is None:
                break
            found.append(reminder)
    return found


def messages_line(status: str) -> tuple[int, int, int]:
    found = re.search(r"messages: (\d+) delivered, (\d+) failed, (\d+) (?:person|people)", status)
    assert found, status
    delivered, failed, unreachable = (int(n) for n in found.groups())
    return delivered, failed, unreachable


async def test_an_introduction_retried_after_a_failure_arrives_once_under_one_key(
    harness: Harness,
) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    harness.port.fail_space_sends = 1  # the platform fails the first post into the new space
    committed = await harness.say("coordinator", "/mentor admin match commit")
    assert "Round committed: 1 match" in committed
    (space,) = harness.port.spaces
    assert harness.in_space(space.space_id) == []  # failed; waiting in the outbox
    intro = next(r for r in await outbox(harness) if r.idempotency_key == introduction_key(1))
    assert (intro.status.value, intro.attempts) == ("pending", 1)
    assert "ConnectionError" in (intro.last_error or "")
    await tick(harness)
    assert harness.in_space(space.space_id) == []  # the retry waits for its backoff
    harness.advance(timedelta(minutes=5))
    await tick(harness)
    await tick(harness)
    (welcome,) = harness.in_space(space.space_id)
    assert "👋 Welcome, Ben and Ana!" in welcome
    keys = [k for k in harness.port.attempts if k and k.startswith(introduction_key(1))]
    assert keys == [f"{introduction_key(1)}#0"] * 2  # the retry sent the same key


async def test_notifications_are_written_to_the_outbox_and_sent_right_away(
    harness: Harness,
) -> None:
    await matched(harness)
    before = len(harness.to("ben"))
    await harness.say("coordinator", "/mentor admin broadcast Meetup on Friday!")
    assert len(harness.to("ben")) == before + 1  # no tick needed
    assert "Meetup on Friday!" in harness.to("ben")[-1]
    notes = [r for r in await outbox(harness) if r.idempotency_key.startswith("broadcast:")]
    assert {r.status.value for r in notes} == {"sent"}
    assert {r.platform for r in notes} == {"fake"}


async def test_someone_who_cant_be_dmed_is_told_in_their_space_and_coordinators_hear_once(
    harness: Harness,
) -> None:
    space = await matched(harness)
    harness.port.unreachable["ana"] = "Ana has closed her direct messages"
    await harness.say("coordinator", "/mentor admin broadcast First news")
    await harness.say("coordinator", "/mentor admin broadcast Second news")
    posted = harness.in_space(space)
    fallbacks = [t for t in posted if "*Ana*, I couldn't reach you by direct message" in t]
    assert len(fallbacks) == 2
    assert "First news" in fallbacks[0]
    assert "Second news" in fallbacks[1]
    assert harness.to("ana") == []
    assert sum("Second news" in t for t in harness.to("ben")) == 1  # Ben's DMs still work
    notices = [t for t in harness.to("coordinator") if "I can't DM Ana" in t]
    assert len(notices) == 1
    assert "Ana has closed her direct messages" in notices[0]
    assert "match space instead" in notices[0]
    rows = await outbox(harness)
    to_ana = [r for r in rows if r.kind == "message" and r.payload["to"]["id"] == "ana"]
    assert [(r.status.value, r.attempts) for r in to_ana] == [("sent", 1), ("sent", 1)]


async def test_a_person_with_no_space_to_fall_back_on_fails_at_once_and_is_counted(
    harness: Harness,
) -> None:
    await matched(harness)
    await enrol(harness, "dee")  # waiting for a round: no match space
    harness.port.unreachable["dee"] = "user not found"
    first = messages_line(await harness.say("coordinator", "/mentor admin status"))
    assert first[1:] == (0, 0)
    await harness.say("coordinator", "/mentor admin broadcast Hello all")
    rows = await outbox(harness)
    (to_dee,) = [r for r in rows if r.kind == "message" and r.payload["to"]["id"] == "dee"]
    assert (to_dee.status.value, to_dee.attempts) == ("failed", 1)  # not retried
    assert "Unreachable" in (to_dee.last_error or "")
    notices = [t for t in harness.to("coordinator") if "I can't DM Dee" in t]
    assert len(notices) == 1
    assert "no match space" in notices[0]
    status = await harness.say("coordinator", "/mentor admin status")
    delivered, failed, unreachable = messages_line(status)
    # the broadcast reached Ana and Ben; the coordinators' notice counts Dee as unreachable
    assert delivered == first[0] + 2
    assert (failed, unreachable) == (1, 1)
    assert "1 person unreachable by DM" in status


def test_every_reminder_kind_has_a_handler(harness: Harness) -> None:
    engagement = Engagement(
        harness.bot.store,
        harness.bot.ports,
        harness.bot.programs,
        harness.clock,
        harness.bot.rounds,
    )
    assert set(engagement.handlers) == {kind.value for kind in ReminderKind}


def test_a_kind_without_a_handler_stops_the_start() -> None:
    table = {kind.value for kind in ReminderKind} - {"nudge"}
    with pytest.raises(MissingHandler, match="no handler for reminder kind\\(s\\) nudge"):
        require_handlers(table)
    with pytest.raises(MissingHandler, match="unknown kind\\(s\\) typo"):
        require_handlers({*table, "nudge", "typo"})

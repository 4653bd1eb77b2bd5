"""Coordinator verbs: stats, end-match, broadcast; and leaving while matched (exports, rematch
and the audit log: test_coordinator_tools.py)."""

from __future__ import annotations

from adapters.shell.render import render as shell_render
from adapters.slack.text import mrkdwn as slack_mrkdwn
from core.content import Prompt, Text, as_text
from core.domain import MatchStatus
from core.markup import Kind, Line, Span, parse
from tests.kit import Harness, enrol, live, tick


async def matched(harness: Harness) -> str:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    (space,) = harness.port.spaces
    return space.space_id


async def status_of_match(harness: Harness) -> MatchStatus:
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (found,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
    return found.status


async def test_stats_show_each_match(harness: Harness) -> None:
    assert "no matching round yet" in await harness.say("coordinator", "/mentor admin stats")
    space = await matched(harness)
    await harness.say("ana", "/mentor goals add Give a talk")
    await live(harness, 15)
    (checkin,) = [p for p in harness.prompts_in(space) if ":checkin:" in p.id]
    await harness.click("ana", "yes", prompt_id=checkin.id)
    stats = await harness.say("coordinator", "/mentor admin stats")
    assert "1 match running" in stats  # as `admin status` counts them
    status = await harness.say("coordinator", "/mentor admin status")
    assert "— 1 running" in status
    assert "#1 Ben & Ana — active" in stats
    assert "met at 1 of 1 check-in; goals 0/1 done" in stats
    assert "Only coordinators" in await harness.say("ana", "/mentor admin stats")


async def test_end_match_closes_it_and_asks_for_feedback(harness: Harness) -> None:
    space = await matched(harness)
    assert "no match #9" in await harness.say("coordinator", "/mentor admin end-match 9")
    ended = await harness.say("coordinator", "/mentor admin end-match 1")
    assert "Match #1 has ended" in ended
    assert await status_of_match(harness) is MatchStatus.ENDED
    assert [s.space_id for s in harness.port.archived] == [space]
    assert any("has ended" in t for t in harness.in_space(space))
    await tick(harness)
    surveys = [c for w, c in harness.port.sent if w.id == "ben" and isinstance(c, Prompt)]
    assert any("Your match in *Mentoring Circle* has ended." in p.text for p in surveys)
    assert not any("at the end of" in p.text for p in surveys)  # it ended early
    assert "already ended" in await harness.say("coordinator", "/mentor admin end-match 1")


async def test_broadcast_reaches_active_people_without_pinging(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("ben", "/mentor pause")
    sent = await harness.say("coordinator", "/mentor admin broadcast Hi @everyone, *mixer* Friday")
    assert "Broadcast to 1 active participant: 1 delivered, 0 failed, 0 unreachable" in sent
    (message,) = [c for w, c in harness.port.sent if w.id == "ana" and "From the" in as_text(c)]
    # the coordinator's words are marked as typed text: every adapter escapes them its own way
    spans = [s for b in parse(as_text(message)) if isinstance(b, Line) for s in b.spans]
    assert Span(Kind.LITERAL, "Hi @everyone, *mixer* Friday") in spans
    assert isinstance(message, Text)
    assert "@everyone" not in shell_render(message.body)
    assert "@everyone" not in slack_mrkdwn(message.body)
    assert "∗mixer∗ Friday" in slack_mrkdwn(message.body)  # look-alikes, never bold
    assert not [t for t in harness.to("ben") if "From the" in t]
    assert "Write the message" in await harness.say("coordinator", "/mentor admin broadcast")


async def test_leaving_ends_ones_matches(harness: Harness) -> None:
    space = await matched(harness)
    await harness.say("ben", "/mentor leave")
    assert "You've left" in await harness.say("ben", "1")
    assert await status_of_match(harness) is MatchStatus.ENDED
    assert any("has ended" in t for t in harness.in_space(space))
    preview = await harness.say("coordinator", "/mentor admin match preview")
    assert "0 of 1 mentee matched" in preview  # Ana waits for a new mentor


async def test_forgetting_oneself_ends_ones_matches_first(harness: Harness) -> None:
    space = await matched(harness)
    await harness.say("ben", "/mentor forget-me")
    assert "deleted" in await harness.say("ben", "1")
    assert await status_of_match(harness) is MatchStatus.ENDED
    assert any("has ended" in t for t in harness.in_space(space))

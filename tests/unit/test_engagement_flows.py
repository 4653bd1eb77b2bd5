"""Keeping matches alive, with the fake clock and the real dispatcher: check-ins, goals, nudges,
at-risk alerts, request expiry, onboarding reminders, feedback, cycle end, pause and resume."""

from __future__ import annotations

from datetime import timedelta

from core.content import Prompt
from core.domain import GoalProgress, Health, MatchStatus, ParticipantStatus, RequestStatus
from core.engagement.health import match_health
from core.markup import unmark
from tests.kit import Harness, enrol, live, tick

CHECKIN_DAYS = 14  # the bundled program's cadence
NUDGE_DAYS = 10


async def matched(harness: Harness) -> str:
    """Ana (mentee) and Ben (mentor) matched by a round; returns their space id."""
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    assert "Round committed: 1 match" in await harness.say(
        "coordinator", "/mentor admin match commit"
    )
    (space,) = harness.port.spaces
    return space.space_id


async def the_match(harness: Harness):
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (found,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
        return found


async def test_checkins_arrive_in_the_space_and_answers_are_recorded(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS - 1)
    assert harness.prompts_in(space) == []
    await live(harness, 1.5)
    (checkin,) = harness.prompts_in(space)
    assert "Did you meet since you were introduced?" in checkin.text  # the first one
    assert [c.label for c in checkin.choices] == ["Yes", "Not yet", "Rain check"]
    assert "Great" in await harness.click("ana", "yes", prompt_id=checkin.id)
    assert "ask again in 3 days" in await harness.click("ben", "rain_check", prompt_id=checkin.id)
    match = await the_match(harness)
    async with harness.bot.store.transaction() as uow:
        answers = await uow.engagement.checkins(match.key)
    assert {(c.participant_id, c.answer.value) for c in answers} == {
        (1, "yes"),
        (2, "rain_check"),
    }
    await live(harness, 3.5)
    assert len(harness.prompts_in(space)) == 2  # the rain check asked again, sooner
    assert "since you were introduced?" in harness.prompts_in(space)[1].text  # still the first
    await live(harness, CHECKIN_DAYS)
    later = harness.prompts_in(space)[2]
    assert "Did you meet since the last check-in?" in later.text
    status = await harness.say("ana", "/mentor status")
    assert "next check-in:" in status


async def test_goals_are_set_and_followed_in_checkins(harness: Harness) -> None:
    space = await matched(harness)
    await tick(harness)
    assert any("Set up to 3 goals" in t for t in harness.to("ana"))
    assert "set by the mentee" in await harness.say("ben", "/mentor goals add Teach")
    for goal in ("Give a talk", "Lead a project", "Mentor a junior"):
        assert "Goal added" in await harness.say("ana", f"/mentor goals add {goal}")
    assert "already have 3 goals" in await harness.say("ana", "/mentor goals add More")
    assert "Marked as done" in await harness.say("ana", "/mentor goals done 3")
    listing = await harness.say("ben", "/mentor goals")
    assert "1. Give a talk — not started" in listing
    assert "3. Mentor a junior — done ✅" in listing
    await live(harness, CHECKIN_DAYS + 1)
    assert not [p for p in harness.prompts_in(space) if ":goal:" in p.id]  # asked privately
    goal_prompts = [
        c
        for w, c in harness.port.sent
        if w.id == "ana" and isinstance(c, Prompt) and ":goal:" in c.id
    ]
    assert [unmark(p.text) for p in goal_prompts] == [
        "🎯 How is the goal “Give a talk” going?",
        "🎯 How is the goal “Lead a project” going?",
    ]
    assert "under way" in await harness.click("ana", "under_way", prompt_id=goal_prompts[0].id)
    match = await the_match(harness)
    async with harness.bot.store.transaction() as uow:
        goals = await uow.engagement.goals(match.key)
    assert [g.progress for g in goals] == [
        GoalProgress.UNDER_WAY,
        GoalProgress.NOT_STARTED,
        GoalProgress.DONE,
    ]


async def test_a_silent_pair_is_nudged_then_flagged_at_risk(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, NUDGE_DAYS + 1)
    nudges = [t for t in harness.in_space(space) if "since anyone wrote here" in t]
    assert len(nudges) == 1
    await live(harness, NUDGE_DAYS / 2)
    assert len([t for t in harness.in_space(space) if "since anyone wrote" in t]) == 1  # once
    assert not any("at risk" in t for t in harness.to("coordinator"))
    assert "— quiet" in await harness.say("ana", "/mentor status")
    await live(harness, NUDGE_DAYS / 2)
    alerts = [t for t in harness.to("coordinator") if "*at risk*" in t]
    assert len(alerts) == 1
    assert "Ben & Ana" in alerts[0]
    admin = await harness.say("coordinator", "/mentor admin status")
    assert "matches: 0 active, 0 quiet, 1 at risk" in admin
    await harness.in_room("ana", space, "Sorry, busy weeks! Coffee on Friday?")
    match = await the_match(harness)
    async with harness.bot.store.transaction() as uow:
        program = harness.bot.default_program
        health = await match_health(uow, program, match, harness.clock.now())
    assert health is Health.ACTIVE
    await live(harness, NUDGE_DAYS * 2 + NUDGE_DAYS // 2)  # checks run every N/2 days
    assert len([t for t in harness.to("coordinator") if "*at risk*" in t]) == 2  # a new spell


async def test_an_unanswered_request_reminds_the_mentor_then_expires(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("ana", "/mentor request")
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    await harness.click("ana", prompt.choices[0].id)
    await live(harness, 2)
    assert not any("still waiting" in t for t in harness.to("ben"))
    await live(harness, 1)
    assert sum("still waiting for your answer" in t for t in harness.to("ben")) == 1
    await live(harness, 3)
    assert any("expired without an answer" in t for t in harness.to("ana"))
    async with harness.bot.store.transaction() as uow:
        request = await uow.requests.get(1)
    assert request is not None
    assert request.status is RequestStatus.EXPIRED
    (ben_prompt,) = [c for w, c in harness.port.sent if w.id == "ben" and isinstance(c, Prompt)][:1]
    late = await harness.click("ben", "accept", prompt_id=ben_prompt.id)
    assert late == "This request is no longer open: it expired, or the mentee left."


async def test_an_unfinished_questionnaire_gets_one_reminder(harness: Harness) -> None:
    await harness.say("ana", "/mentor join mentee")
    await harness.say("ana", "1")
    await enrol(harness, "ben", "mentor")
    await live(harness, 3)
    assert sum("part-way through joining" in t for t in harness.to("ana")) == 1
    assert not any("part-way" in t for t in harness.to("ben"))
    await live(harness, 5)
    assert sum("part-way through joining" in t for t in harness.to("ana")) == 1


async def test_mid_cycle_feedback_with_a_comment(harness: Harness) -> None:
    await matched(harness)
    await live(harness, 46)
    surveys = [c for w, c in harness.port.sent if w.id == "ana" and isinstance(c, Prompt)]
    assert len(surveys) == 1
    assert "half-way through" in surveys[0].text
    assert "Anything you'd like to add?" in await harness.click("ana", "4", prompt_id=surveys[0].id)
    assert "comment is saved" in await harness.say("ana", "Ben is great, @everyone!")
    async with harness.bot.store.transaction() as uow:
        (answer,) = await uow.engagement.feedback_of(1)
    assert (answer.kind, answer.rating, answer.comment) == ("mid", 4, "Ben is great, @everyone!")


async def test_cycle_end_closes_the_match_and_it_is_never_repeated(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, 83.5)
    ask = [p for p in harness.prompts_in(space) if ":end:" in p.id]
    assert len(ask) == 1
    assert "Would you like to extend" in ask[0].text
    await harness.click("ana", "extend", prompt_id=ask[0].id)
    await harness.click("ben", "close", prompt_id=ask[0].id)
    await live(harness, 8)
    found = await the_match(harness)
    assert found.status is MatchStatus.ENDED
    assert any("has ended" in t for t in harness.in_space(space))
    assert [s.space_id for s in harness.port.archived] == [space]
    assert any("at the end of" in t for t in harness.to("ana"))  # end-of-cycle survey
    preview = await harness.say("coordinator", "/mentor admin match preview")
    assert "0 of 1 mentee matched" in preview


async def test_both_extend_and_the_match_goes_on(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, 84)
    (ask,) = [p for p in harness.prompts_in(space) if ":end:" in p.id]
    for name in ("ana", "ben"):
        await harness.click(name, "extend", prompt_id=ask.id)
    await live(harness, 7)
    found = await the_match(harness)
    assert found.status is MatchStatus.ACTIVE
    assert any("You all chose to extend" in t for t in harness.in_space(space))


async def test_pause_skips_checkins_and_resumes_with_a_welcome(harness: Harness) -> None:
    space = await matched(harness)
    await harness.say("ana", "/mentor pause 3w")
    await live(harness, CHECKIN_DAYS + 1)
    assert harness.prompts_in(space) == []  # no check-in while Ana is on a break
    await live(harness, 7)
    assert any("Welcome back" in t for t in harness.to("ana"))
    async with harness.bot.store.transaction() as uow:
        ana = await uow.participants.get(1)
    assert ana is not None
    assert ana.status is ParticipantStatus.ACTIVE
    await live(harness, CHECKIN_DAYS)
    assert harness.prompts_in(space)


async def test_checkins_wait_for_the_morning(harness: Harness) -> None:
    """Ana is in Los Angeles: a check-in due at 09:00 UTC (01:00 there) waits until 08:00."""
    await enrol(harness, "ana", timezone="America/Los_Angeles")
    await enrol(harness, "ben", "mentor", timezone="America/Denver")
    await harness.say("coordinator", "/mentor admin match commit")
    (space,) = harness.port.spaces
    harness.advance(timedelta(days=CHECKIN_DAYS, hours=1))
    await tick(harness)
    assert harness.prompts_in(space.space_id) == []
    harness.advance(timedelta(hours=6))  # 16:00 UTC = 08:00 in Los Angeles (PST)
    await tick(harness)
    assert len(harness.prompts_in(space.space_id)) == 1


async def test_a_scheduled_round_is_announced_then_runs(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await enrol(harness, "cy")
    assert "Only coordinators" in await harness.say("ana", "/mentor admin match schedule 2d")
    assert "not a duration" in await harness.say("coordinator", "/mentor admin match schedule x")
    scheduled = await harness.say("coordinator", "/mentor admin match schedule 2d")
    assert "The next *Mentoring Circle* round runs on Wed 04 Mar 09:00 UTC" in scheduled
    await tick(harness)
    for name in ("ana", "ben", "cy"):
        assert any("Heads-up: the next" in t for t in harness.to(name)), name
    await harness.say("cy", "/mentor pause 1w")  # Cy sits this round out
    await live(harness, 1.5)
    assert harness.port.spaces == []
    await live(harness, 1)
    (summary,) = [t for t in harness.to("coordinator") if "scheduled" in t]
    assert "Round committed: 1 match" in summary
    assert any("You are paused" in t for t in harness.to("cy"))
    assert len(harness.port.spaces) == 1

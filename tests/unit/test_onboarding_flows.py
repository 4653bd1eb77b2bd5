"""Whole onboarding and participant flows through MentorBot.handle, on in-memory SQLite."""

from __future__ import annotations

import json
from datetime import timedelta

from core.content import File, Form, Prompt
from core.domain import ParticipantStatus
from core.forms import FormLimits
from core.ports import Capabilities, Store
from core.programs.program import Role
from tests.kit import MENTEE_ANSWERS, MENTOR_ANSWERS, FakeChat, Harness, enrol


async def participant(harness: Harness, name: str):
    async with harness.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws1")
        state = await uow.programs.ensure(workspace, "mentoring")
        return await uow.participants.find(state.id, harness.user(name))


async def test_join_as_mentee_saves_profile(harness: Harness) -> None:
    first = await harness.say("ana", "/mentor join mentee")
    assert "Welcome to *Mentoring Circle*" in first
    assert "(1/9) What would you like guidance on?" in first
    policy = await harness.answer_all("ana", MENTEE_ANSWERS)
    assert "Do you accept it?" in policy
    assert "Mentees make the requests" in policy
    done = await harness.say("ana", "1")
    assert "You're enrolled in *Mentoring Circle* as a mentee" in done
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.ACTIVE
    assert ana.roles == frozenset({Role.MENTEE})
    assert ana.answers["topics_wanted"] == ["career", "leadership"]
    assert ana.answers["background"] is None
    assert ana.answers["timezone"] == "Europe/Madrid"
    assert ana.answers["years_experience"] == 2
    assert ana.capacity == 0
    assert ana.policy_accepted_at == harness.clock.now()


async def test_join_as_mentor_takes_capacity_from_answer(harness: Harness) -> None:
    await harness.say("ben", "/mentor join mentor")
    await harness.answer_all("ben", MENTOR_ANSWERS)
    done = await harness.say("ben", "1")
    assert "You can take up to 3 mentees" in done
    ben = await participant(harness, "ben")
    assert ben is not None
    assert ben.capacity == 3
    assert "topics_wanted" not in ben.answers
    assert ben.answers["topics_offered"] == ["career", "leadership", "engineering"]


async def test_join_without_role_asks_for_one_and_both_asks_every_question(
    harness: Harness,
) -> None:
    text = await harness.say("cy", "/mentor join")
    assert "How would you like to take part" in text
    assert "Both" in text
    text = await harness.click("cy", "both")
    assert "(1/11)" in text  # 3 mentee-only + 2 mentor-only + 6 shared questions
    cy_answers = [
        "1",  # topics_wanted
        "Grow.",  # goals
        "skip",  # background
        "1, 2",  # topics_offered
        "2",  # capacity
        "1",  # languages
        "UTC",  # timezone
        "8",  # years
        "2",  # communication
        "1",  # availability
        "Both sides.",  # bio
    ]
    await harness.answer_all("cy", cy_answers)
    await harness.say("cy", "1")
    cy = await participant(harness, "cy")
    assert cy is not None
    assert cy.roles == frozenset({Role.MENTOR, Role.MENTEE})
    assert cy.answers["timezone"] == "+00:00"
    assert cy.capacity == 2


async def test_invalid_answers_are_reasked_and_nothing_is_lost(harness: Harness) -> None:
    await harness.say("ana", "/mentor join mentee")
    too_many = await harness.say("ana", "1, 2, 3, 4")
    assert "at most 3 (you picked 4)" in too_many
    assert "What would you like guidance on?" in too_many
    await harness.say("ana", "1")
    long = await harness.say("ana", "x" * 501)
    assert "keep it to 500 characters (this is 501)" in long
    await harness.say("ana", "Lead a team.")
    await harness.say("ana", "skip")
    unknown = await harness.say("ana", "9")
    assert "'9' is not one of the options" in unknown
    await harness.say("ana", "1")
    bad_zone = await harness.say("ana", "Mars/Olympus")
    assert "not a timezone I know" in bad_zone
    await harness.say("ana", "+05:30")
    negative = await harness.say("ana", "-3")
    assert "at least 0" in negative
    word = await harness.say("ana", "lots")
    assert "'lots' is not a number" in word
    ana = await participant(harness, "ana")
    assert ana is not None
    async with harness.bot.store.transaction() as uow:
        session = await uow.onboarding.get(ana.key)
    assert session is not None
    assert session.draft == {
        "topics_wanted": ["career"],
        "goals": "Lead a team.",
        "background": None,
        "languages": ["en"],
        "timezone": "+05:30",
    }
    assert session.question_id == "years_experience"


async def test_required_question_cannot_be_skipped(harness: Harness) -> None:
    await harness.say("ana", "/mentor join mentee")
    await harness.say("ana", "1")
    skipped = await harness.say("ana", "skip")
    assert "This question needs an answer." in skipped


async def test_policy_declined_does_not_enrol_and_join_resumes_at_policy(
    harness: Harness,
) -> None:
    await harness.say("ana", "/mentor join mentee")
    await harness.answer_all("ana", MENTEE_ANSWERS)
    declined = await harness.say("ana", "2")
    assert "you have *not* been enrolled" in declined
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.ONBOARDING
    status = await harness.say("ana", "/mentor status")
    assert "part-way through joining" in status
    again = await harness.say("ana", "/mentor join")
    assert "carry on where you left off" in again
    assert "Do you accept it?" in again
    await harness.say("ana", "1")
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.ACTIVE
    assert ana.answers["goals"] == "Lead a team within a year."


async def test_profile_shows_and_edits_one_answer(harness: Harness) -> None:
    await enrol(harness, "ana")
    profile = await harness.say("ana", "/mentor profile")
    assert "1. What would you like guidance on?\n    Career growth, Leadership" in profile
    assert "profile edit N" in profile
    edit = await harness.say("ana", "/mentor profile edit 5")
    assert "Which timezone are you in?" in edit
    assert "Current answer: Europe/Madrid" in edit
    assert "not a timezone" in await harness.say("ana", "Atlantis")
    saved = await harness.say("ana", "America/Sao_Paulo")
    assert "Saved." in saved
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.answers["timezone"] == "America/Sao_Paulo"
    assert ana.status is ParticipantStatus.ACTIVE
    out_of_range = await harness.say("ana", "/mentor profile edit 42")
    assert "with N from 1 to 9" in out_of_range


async def test_pause_resume_and_leave(harness: Harness) -> None:
    await enrol(harness, "ana")
    bad = await harness.say("ana", "/mentor pause soon")
    assert "is not a duration" in bad
    paused = await harness.say("ana", "/mentor pause 2w")
    assert "Paused for 2 weeks" in paused
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.PAUSED
    assert ana.paused_until == harness.clock.now() + timedelta(weeks=2)
    assert "paused until" in await harness.say("ana", "/mentor status")
    harness.advance(timedelta(days=15))
    assert "active" in await harness.say("ana", "/mentor status")
    await harness.say("ana", "/mentor pause")
    assert "Welcome back" in await harness.say("ana", "/mentor resume")
    assert "not paused" in await harness.say("ana", "/mentor resume")
    confirm = await harness.say("ana", "/mentor leave")
    assert "Leave *Mentoring Circle*?" in confirm
    assert "nothing changed" in await harness.say("ana", "2")
    await harness.say("ana", "/mentor leave")
    assert "You've left" in await harness.say("ana", "1")
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.LEFT
    assert "not enrolled" in await harness.say("ana", "/mentor profile")


async def test_unknown_verbs_get_help_and_admin_is_for_coordinators(harness: Harness) -> None:
    unknown = await harness.say("ana", "/mentor dance")
    assert "I don't know the command `dance`" in unknown
    assert "/mentor join [mentor|mentee|both]" in unknown
    assert "admin status" not in unknown
    refused = await harness.say("ana", "/mentor admin status")
    assert "Only coordinators" in refused
    assert "Only coordinators" in await harness.say("ana", "/mentor admin close")
    coordinator_help = await harness.say("coordinator", "/mentor help")
    assert "admin match preview|commit" in coordinator_help


async def test_coordinators_see_status_and_control_enrolment(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("cy", "/mentor join mentee")
    status = await harness.say("coordinator", "/mentor admin status")
    assert "enrolment open" in status
    assert "mentees: 1 active, 0 paused, 1 onboarding" in status
    assert "mentors: 1 active, 0 paused, 0 onboarding" in status
    assert "mentee places offered by active mentors: 3" in status
    # a platform admin (Slack owner, Discord Manage Server, …) is a coordinator too
    closed = await harness.say("slackadmin", "/mentor admin close")
    assert "now closed" in closed
    refused = await harness.say("dee", "/mentor join mentee")
    assert "Enrolment for *Mentoring Circle* is closed" in refused
    assert await participant(harness, "dee") is None
    await harness.say("coordinator", "/mentor admin open")
    assert "What would you like guidance on?" in await harness.say("dee", "/mentor join mentee")


async def test_stale_clicks_and_stray_text_are_answered_kindly(harness: Harness) -> None:
    assert "only understand commands" in await harness.say("ana", "hello?")
    await harness.say("ana", "/mentor join")
    role_prompt = harness.last["ana"]
    assert isinstance(role_prompt, Prompt)
    await harness.click("ana", "mentee")
    again = await harness.click("ana", "mentor", prompt_id=role_prompt.id)
    assert "You already answered this on Mon 2 March at 09:00 UTC." in again
    assert "What would you like guidance on?" in again
    ana = await participant(harness, "ana")
    assert ana is not None
    assert await harness.click("ana", "x", prompt_id="nosuchprogram:role")


async def test_my_data_and_forget_me(harness: Harness) -> None:
    await enrol(harness, "ana")
    reply = await harness.say_reply("ana", "/mentor my-data")
    assert reply.private
    (file,) = [c for c in reply.messages if isinstance(c, File)]
    (mine,) = json.loads(file.data)["programs"]
    assert mine["answers"]["goals"] == "Lead a team within a year."
    assert mine["profile"]["status"] == "active"
    assert "cannot be undone" in await harness.say("ana", "/mentor forget-me")
    assert "Nothing was deleted" in await harness.say("ana", "2")
    await harness.say("ana", "/mentor forget-me")
    assert "deleted" in await harness.say("ana", "1")
    assert await participant(harness, "ana") is None
    assert "I store nothing about you" in await harness.say("ana", "/mentor my-data")


async def test_modal_platforms_get_one_form_validated_field_by_field(
    memory_store: Store, program, clock
) -> None:
    from core.service import MentorBot

    port = FakeChat(caps=Capabilities(forms=FormLimits(), buttons=True))
    harness = Harness(MentorBot([program], memory_store, {"fake": port}, clock), port, clock)
    await harness.say("ana", "/mentor join mentee")
    form = harness.last["ana"]
    assert isinstance(form, Form)
    assert [f.id for f in form.fields][:3] == ["topics_wanted", "goals", "background"]
    values = {
        "topics_wanted": ["career", "design", "leadership", "work-life"],
        "goals": "Lead a team.",
        "background": "",
        "languages": ["en"],
        "timezone": "Europe/Berlin",
        "years_experience": "4",
        "communication": ["chat"],
        "availability": "light",
        "bio": "Hi.",
    }
    rejected = await harness.submit("ana", form.id, values)
    assert rejected.form_errors == {"topics_wanted": "Please pick at most 3 (you picked 4)."}
    again = await harness.say("ana", "/mentor join")
    reopened = harness.last["ana"]
    assert "carry on" in again
    assert isinstance(reopened, Form)
    initial = {f.id: f.initial for f in reopened.fields}
    assert initial["goals"] == "Lead a team."  # what was typed is not lost
    assert initial["years_experience"] == 4
    # only the fixed field is sent again: everything else was kept from the rejected submission
    accepted = await harness.submit("ana", form.id, {"topics_wanted": ["career"]})
    assert accepted.form_errors == {}
    assert isinstance(accepted.messages[0], Prompt)
    await harness.click("ana", "accept")
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.status is ParticipantStatus.ACTIVE
    assert ana.answers["years_experience"] == 4
    await harness.say("ana", "/mentor profile edit")
    profile_form = harness.last["ana"]
    assert isinstance(profile_form, Form)
    bad = await harness.submit("ana", profile_form.id, {**values, "timezone": "Nowhere"})
    assert "timezone" in bad.form_errors
    ana = await participant(harness, "ana")
    assert ana is not None
    assert ana.answers["timezone"] == "Europe/Berlin"


async def test_a_form_in_pages_asks_for_what_is_missing(
    memory_store: Store, program, clock
) -> None:
    from core.service import MentorBot

    port = FakeChat(caps=Capabilities(forms=FormLimits(), buttons=True))
    harness = Harness(MentorBot([program], memory_store, {"fake": port}, clock), port, clock)
    await harness.say("bo", "/mentor join mentee")
    form = harness.last["bo"]
    assert isinstance(form, Form)
    page = {"topics_wanted": ["career"], "goals": "Grow.", "background": None}
    reply = await harness.submit("bo", form.id, page)
    remaining = reply.messages[0]
    assert isinstance(remaining, Form)
    assert [f.id for f in remaining.fields] == [
        "languages",
        "timezone",
        "years_experience",
        "communication",
        "availability",
        "bio",
    ]
    rest = {
        "languages": ["en"],
        "timezone": "UTC",
        "years_experience": 3,
        "communication": ["chat"],
        "availability": "light",
        "bio": "Hi.",
    }
    policy = await harness.submit("bo", remaining.id, rest)
    assert isinstance(policy.messages[0], Prompt)

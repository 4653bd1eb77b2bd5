"""Matching in chat: preview, commit (and its retry), mentee requests, capacity under races."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import ManualClock
from core.content import Prompt
from core.domain import MatchStatus
from core.events import ChoiceSelected
from core.identity import Conversation
from core.markup import unmark
from core.ports import Store
from core.programs.program import Program, Role
from core.service import MentorBot
from tests.kit import FakeChat, Harness, enrol, tick


async def matches(harness: Harness, status: MatchStatus = MatchStatus.ACTIVE):
    async with harness.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws1")
        state = await uow.programs.ensure(workspace, "mentoring")
        return await uow.matches.list(state.id, (status,))


async def people(harness: Harness) -> None:
    """Ana and Cy want guidance; Ben mentors (capacity 3); Dee speaks only Chinese."""
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await enrol(harness, "cy", topics_wanted="4")
    await enrol(harness, "dee", languages="7")


async def test_preview_shows_the_round_and_changes_nothing(harness: Harness) -> None:
    await people(harness)
    refused = await harness.say("ana", "/mentor admin match preview")
    assert "Only coordinators" in refused
    preview = await harness.say("coordinator", "/mentor admin match preview")
    assert "Match preview — Mentoring Circle" in preview
    assert "2 of 3 mentees matched (66%)" in preview
    assert "proven optimal" in preview
    assert "Ben & Ana — score" in preview
    assert "Ben & Cy — score" in preview
    assert "Ben offers" in preview
    assert "Dee: No mentor passes the required rules" in preview
    assert "sharing no language with Dee" in preview  # the coordinator reads about Dee
    assert await matches(harness) == []
    assert harness.port.spaces == []


async def test_commit_opens_a_space_per_match_and_tells_the_unmatched(harness: Harness) -> None:
    await people(harness)
    done = await harness.say("coordinator", "/mentor admin match commit")
    assert "Round committed: 2 matches" in done
    assert "1 person told why" in done
    formed = await matches(harness)
    assert len(formed) == 2
    assert all(m.space is not None and m.introduced_at is not None for m in formed)
    assert sorted(harness.port.members.values()) == [["ben", "ana"], ["ben", "cy"]]
    intro = harness.in_space(harness.port.spaces[0].space_id)
    assert len(intro) == 1
    assert "👋 Welcome, Ben and Ana!" in intro[0]
    assert "*Ben* — mentor: Engineering manager." in intro[0]
    assert "Why you were matched:" in intro[0]
    assert "Mentors answer messages within a few days" in intro[0]
    assert "Suggested first steps" in intro[0]
    told = harness.to("dee")
    assert len(told) == 1
    assert "you weren't matched this time" in told[0]
    assert "sharing no language" in told[0]
    progress = [t for w, t in harness.port.sent if w.id == "coordinator"]
    assert progress  # the coordinator saw progress while it ran
    assert "matched with Ben" in await harness.say("ana", "/mentor status")
    again = await harness.say("coordinator", "/mentor admin match commit")
    assert "No new matches could be formed" in again
    assert len(await matches(harness)) == 2


async def test_a_crashed_commit_is_finished_by_the_next_one_without_duplicates(
    harness: Harness,
) -> None:
    await people(harness)
    harness.port.fail_after_create = 1  # the first space is made, then the call "times out"
    failed = await harness.say("coordinator", "/mentor admin match commit")
    assert "something went wrong" in failed
    assert "nothing was changed" not in failed  # the round was committed: matches exist
    assert "That went through and is saved" in failed
    formed = await matches(harness)
    assert len(formed) == 2
    assert not any(m.introduced_at for m in formed)
    harness.port.fail_space_sends = 1  # retry: the first introduction fails once more
    finished = await harness.say("coordinator", "/mentor admin match commit")
    assert "Finished 2 matches left over" in finished or "Finished 1 match left over" in finished
    formed = await matches(harness)
    assert len(formed) == 2
    assert all(m.introduced_at for m in formed)
    # the failed introduction waits in the outbox; the dispatcher's retry delivers it
    harness.advance(timedelta(minutes=5))
    await tick(harness)
    assert len(harness.port.spaces) == 2  # never a second space for a match
    for space in harness.port.spaces:
        assert len(harness.in_space(space.space_id)) == 1  # one introduction each


async def test_earlier_pairs_are_not_matched_again(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    (found,) = await matches(harness)
    async with harness.bot.store.transaction() as uow:
        found.status = MatchStatus.ENDED
        found.ended_at = harness.clock.now()
        await uow.matches.save(found)
    preview = await harness.say("coordinator", "/mentor admin match preview")
    assert "0 of 1 mentee matched" in preview
    assert "matched with Ana before" in preview  # the coordinator reads about Ana


async def test_mentee_request_accept_creates_the_match_and_space(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await enrol(harness, "eve", "mentor", languages="2")
    suggestions = await harness.say("ana", "/mentor request")
    assert "Mentors who fit you best" in suggestions
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    assert [c.label.split(" — ")[0] for c in prompt.choices] == ["Ben", "Eve"]
    asked = await harness.click("ana", prompt.choices[0].id)
    assert "I've asked Ben" in asked
    second = await harness.click("ana", prompt.choices[1].id, prompt_id=prompt.id)
    assert "already have a request" in second
    (request_prompt,) = [c for w, c in harness.port.sent if w.id == "ben"]
    assert isinstance(request_prompt, Prompt)
    asked_text = unmark(request_prompt.text)
    assert "*Ana* would like you as their mentor" in asked_text
    assert "What Ana sees in the match: Ben offers" in asked_text
    assert "Lead a team within a year." in asked_text
    # The suggestion was the same words cut to fit a button: at a word, with an ellipsis.
    label = unmark(prompt.choices[0].label).removeprefix("Ben — ")
    assert len(prompt.choices[0].label) <= 75
    assert label.endswith("…")
    seen = asked_text.split("What Ana sees in the match: ")[1]
    assert seen.startswith(label[:-1])
    assert not seen[len(label) - 1].isalnum()  # not inside a word
    accepted = await harness.click("ben", "accept", prompt_id=request_prompt.id)
    assert "Accepted" in accepted
    assert "You already answered" in await harness.click(
        "ben", "accept", prompt_id=request_prompt.id
    )
    (found,) = await matches(harness)
    assert len(found.ids(Role.MENTEE)) == 1
    assert found.space is not None
    assert found.introduced_at is not None
    assert found.score > 0
    assert any("accepted your request" in t for t in harness.to("ana"))
    assert "already have a match" in await harness.say("ana", "/mentor request")


async def test_declined_request_tells_the_mentee_and_is_not_suggested_again(
    harness: Harness,
) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("ana", "/mentor request")
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    await harness.click("ana", prompt.choices[0].id)
    (request_prompt,) = [c for w, c in harness.port.sent if w.id == "ben"]
    assert isinstance(request_prompt, Prompt)
    assert "Declined" in await harness.click("ben", "decline", prompt_id=request_prompt.id)
    assert any("can't take you on right now" in t for t in harness.to("ana"))
    again = await harness.say("ana", "/mentor request")
    assert "couldn't find a mentor" in again
    assert await matches(harness) == []


async def test_only_mentees_request_and_paused_people_are_asked_to_resume(
    harness: Harness,
) -> None:
    await enrol(harness, "ben", "mentor")
    assert "Only mentees" in await harness.say("ben", "/mentor request")
    await enrol(harness, "ana")
    await harness.say("ana", "/mentor pause 1w")
    assert "resume` first" in await harness.say("ana", "/mentor request")


async def test_two_accepts_for_the_last_place_give_one_match(
    store: Store, program: Program, clock: ManualClock
) -> None:
    """Ben has one place; Ana and Cy asked him; he accepts both at the same moment."""
    port = FakeChat()
    harness = Harness(MentorBot([program], store, {"fake": port}, clock), port, clock)
    await enrol(harness, "ben", "mentor", mentee_capacity="1")
    for mentee in ("ana", "cy"):
        await enrol(harness, mentee)
        await harness.say(mentee, "/mentor request")
        prompt = harness.last[mentee]
        assert isinstance(prompt, Prompt)
        await harness.click(mentee, prompt.choices[0].id)
    prompts = [c for w, c in port.sent if w.id == "ben" and isinstance(c, Prompt)]
    assert len(prompts) == 2
    ben = harness.user("ben")
    replies = await asyncio.gather(
        *(
            harness.bot.handle(ChoiceSelected(ben, Conversation.dm(ben), p.id, ("accept",)))
            for p in prompts
        )
    )
    texts = [Harness.text(r) for r in replies]
    assert sum("Accepted" in t for t in texts) == 1, texts
    assert sum("Your one mentee place is taken." in t for t in texts) == 1, texts  # not "1 places"
    assert len(await matches(harness)) == 1


async def test_a_mentee_matched_while_the_engine_ran_is_not_matched_twice(
    harness: Harness,
) -> None:
    from core.rounds.flow import build_pool, record_round, run_engine

    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await enrol(harness, "eve", "mentor", languages="1, 2")
    program = harness.bot.default_program
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        pool = await build_pool(uow, program, state.id, harness.clock.now())
    result = await run_engine(pool)  # the round proposes Ana with one mentor ...
    await harness.say("ana", "/mentor request")  # ... while a mentor accepts her request
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    await harness.click("ana", prompt.choices[0].id)
    mentor = next(w.id for w, c in harness.port.sent if isinstance(c, Prompt) and ":req:" in c.id)
    request = next(c for w, c in harness.port.sent if isinstance(c, Prompt) and ":req:" in c.id)
    await harness.click(mentor, "accept", prompt_id=request.id)
    async with harness.bot.store.transaction() as uow:
        recorded = await record_round(uow, program, state.id, harness.clock.now(), result)
    assert recorded == []
    assert len(await matches(harness)) == 1


async def test_a_commit_where_everyone_is_matched_says_so(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    done = await harness.say("coordinator", "/mentor admin match commit")
    assert (
        "Round committed: 1 match, with a private space and an introduction; "
        "everyone in the round was matched." in done
    ), done

"""Prompts in a match's space close per member: each member answers a check-in (or the
extend-or-close question) once, a newer check-in supersedes the older one, free chat is never
taken as an answer, and answering counts as activity in the space."""

from __future__ import annotations

from core.content import Prompt
from core.events import ChoiceSelected, TextReceived
from core.identity import Conversation, ConversationKind
from core.markup import unmark
from tests.kit import Harness, enrol, live, tick
from tests.unit.test_engagement_flows import CHECKIN_DAYS, NUDGE_DAYS, matched, the_match


def room(harness: Harness, space: str) -> Conversation:
    return Conversation(harness.port.platform, harness.workspace, ConversationKind.SPACE, space)


async def type_in_room(harness: Harness, name: str, space: str, text: str) -> str:
    reply = await harness.bot.handle(TextReceived(harness.user(name), room(harness, space), text))
    return harness.text(reply)


async def click_in_room(harness: Harness, name: str, space: str, prompt: str, choice: str) -> str:
    event = ChoiceSelected(harness.user(name), room(harness, space), prompt, (choice,))
    return harness.text(await harness.bot.handle(event))


async def answers(harness: Harness) -> set[tuple[int, int, str]]:
    match = await the_match(harness)
    async with harness.bot.store.transaction() as uow:
        found = await uow.engagement.checkins(match.key)
    return {(c.number, c.participant_id, c.answer.value) for c in found}


async def test_a_checkin_is_answered_once_per_member(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS + 0.5)
    (checkin,) = harness.prompts_in(space)
    assert "Great" in await click_in_room(harness, "ana", space, checkin.id, "yes")
    again = await click_in_room(harness, "ana", space, checkin.id, "not_yet")
    assert again.startswith("You already answered this check-in on ")
    assert "ask again" not in await type_in_room(harness, "ana", space, "2")  # chat, not answer
    assert await answers(harness) == {(1, 1, "yes")}
    stats = await harness.say("coordinator", "/mentor admin stats")
    assert "met at 1 of 1 check-in" in stats  # not 0 of 1: the answer was not overwritten
    assert "Thanks" in await type_in_room(harness, "ben", space, "2")  # Ben had not answered
    assert await answers(harness) == {(1, 1, "yes"), (1, 2, "not_yet")}


async def test_free_chat_in_the_space_is_never_an_answer(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS + 0.5)
    for chat in ("yes", "Yes, Friday works", "2 coffees then", "not yet"):
        assert await type_in_room(harness, "ana", space, chat) == ""
    assert await answers(harness) == set()


async def test_a_newer_checkin_supersedes_the_older(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS + 0.5)
    (first,) = harness.prompts_in(space)
    await live(harness, CHECKIN_DAYS)
    assert len(harness.prompts_in(space)) == 2
    late = await click_in_room(harness, "ana", space, first.id, "yes")
    assert late == "That check-in has been replaced by a newer one; please answer that."
    assert await answers(harness) == set()


async def test_a_rain_check_is_answered_again_when_asked_again(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS + 0.5)
    assert len(harness.prompts_in(space)) == 1
    assert "ask again in 3 days" in await type_in_room(harness, "ben", space, "3")
    await live(harness, 3.5)
    assert "Great" in await type_in_room(harness, "ben", space, "1")
    assert await answers(harness) == {(1, 2, "yes")}


async def test_answering_checkins_counts_as_activity(harness: Harness) -> None:
    space = await matched(harness)
    await live(harness, CHECKIN_DAYS + 0.5)
    (checkin,) = harness.prompts_in(space)
    await click_in_room(harness, "ana", space, checkin.id, "not_yet")
    nudged = len([t for t in harness.in_space(space) if "since anyone wrote here" in t])
    await live(harness, NUDGE_DAYS - 1)
    assert "— active" in await harness.say("ana", "/mentor status")
    assert len([t for t in harness.in_space(space) if "since anyone wrote here" in t]) == nudged


async def test_the_end_question_is_answered_once_per_member(harness: Harness) -> None:
    space = await matched(harness)
    match = await the_match(harness)
    end_id = f"{harness.bot.default_program.id}:end:{match.key}"
    assert "extend" in await click_in_room(harness, "ana", space, end_id, "extend")
    again = await click_in_room(harness, "ana", space, end_id, "close")
    assert again.startswith("You already answered this: you chose to extend.")
    async with harness.bot.store.transaction() as uow:
        assert await uow.engagement.votes(match.key) == {1: "extend"}


async def ana_asks_ben(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("ana", "/mentor request")
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    await harness.click("ana", prompt.choices[0].id)


async def test_a_mentors_pending_request_shows_in_status_and_is_answered_by_verb(
    harness: Harness,
) -> None:
    await ana_asks_ben(harness)
    status = unmark(await harness.say("ben", "/mentor status"))
    assert "Requests waiting for your answer" in status
    assert "1. Ana would like you as their mentor (answer by " in status
    assert "/mentor request accept 1" in status
    assert "waiting for their answer" in await harness.say("ana", "/mentor status")
    wrong = unmark(await harness.say("ben", "/mentor request accept 4"))
    assert wrong.startswith("There's no request 4; only one is waiting (number 1):\n1. Ana")
    assert "Accepted — you and Ana are matched." in await harness.say(
        "ben", "/mentor request accept 1"
    )
    assert len(harness.port.spaces) == 1
    assert "Requests waiting" not in await harness.say("ben", "/mentor status")
    assert "No mentee request is waiting" in await harness.say("ben", "/mentor request decline 1")
    assert "Only mentors answer requests." in await harness.say("ana", "/mentor request accept")


async def test_a_typed_label_with_commas_answers_and_a_wrong_number_is_asked_again(
    harness: Harness,
) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    await harness.say("ana", "/mentor request")
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    label = prompt.choices[0].label
    assert "," in label or ";" in label, label
    dm = Conversation.dm(harness.user("ana"))
    again = await harness.bot.handle(TextReceived(harness.user("ana"), dm, "4"))
    (asked,) = again.messages
    assert isinstance(asked, Prompt)
    assert (asked.id, asked.text, asked.choices) == (
        prompt.id,
        "Please answer 1:",
        prompt.choices,
    )
    typed = await harness.bot.handle(TextReceived(harness.user("ana"), dm, label))
    assert "I've asked Ben" in harness.text(typed)


async def test_a_checkin_answer_is_changed_with_the_checkin_verb(harness: Harness) -> None:
    space = await matched(harness)
    assert "No check-in has been asked in match #1 yet." in await harness.say(
        "ana", "/mentor checkin yes"
    )
    await live(harness, CHECKIN_DAYS + 0.5)
    (checkin,) = harness.prompts_in(space)
    await click_in_room(harness, "ana", space, checkin.id, "yes")
    again = await click_in_room(harness, "ana", space, checkin.id, "not_yet")
    assert again.endswith("To change your answer: `/mentor checkin not-yet`."), again
    changed = await harness.say("ana", "/mentor checkin not-yet")
    assert changed == "Changed: your answer to check-in 1 is now: Not yet.", changed
    assert "already your answer" in await harness.say("ana", "/mentor checkin not-yet")
    recorded = await harness.say("ben", "/mentor checkin yes")  # Ben had not answered
    assert recorded == "Thanks — your answer to check-in 1 is recorded: Yes, you met."
    assert await answers(harness) == {(1, 1, "not_yet"), (1, 2, "yes")}
    assert "Say whether you met" in await harness.say("ana", "/mentor checkin maybe")
    assert "not in a running match #7" in await harness.say("ana", "/mentor checkin yes 7")


async def test_a_vote_is_changed_with_the_vote_verb(harness: Harness) -> None:
    space = await matched(harness)
    match = await the_match(harness)
    assert "hasn't been asked to extend or close yet" in await harness.say(
        "ana", "/mentor vote extend"
    )
    assert match.ends_at is not None
    await live(harness, (match.ends_at - harness.clock.now()).days - 6)
    end_id = f"{harness.bot.default_program.id}:end:{match.key}"
    assert end_id in [p.id for p in harness.prompts_in(space)]
    await click_in_room(harness, "ana", space, end_id, "extend")
    again = await click_in_room(harness, "ana", space, end_id, "extend")
    assert again.endswith("To change your vote: `/mentor vote close`."), again
    changed = await harness.say("ana", "/mentor vote close")
    assert changed.startswith("Changed: your vote is now to close the match."), changed
    async with harness.bot.store.transaction() as uow:
        assert await uow.engagement.votes(match.key) == {1: "close"}


async def test_a_mentor_who_leaves_closes_the_requests_made_to_them(harness: Harness) -> None:
    await ana_asks_ben(harness)
    await harness.say("ben", "/mentor leave")
    assert "You've left" in await harness.say("ben", "1")
    await tick(harness)
    assert harness.to("ana")[-1] == (
        "The mentor you asked has left *Mentoring Circle*, so your request is closed. "
        "Send `/mentor request` to ask someone else."
    )
    assert "waiting for their answer" not in await harness.say("ana", "/mentor status")


async def test_a_mentee_who_leaves_withdraws_their_request(harness: Harness) -> None:
    await ana_asks_ben(harness)
    asked = [c for w, c in harness.port.sent if w.id == "ben" and isinstance(c, Prompt)]
    await harness.say("ana", "/mentor leave")
    assert "You've left" in await harness.say("ana", "1")
    assert "Requests waiting" not in await harness.say("ben", "/mentor status")
    assert "No mentee request is waiting" in await harness.say("ben", "/mentor request accept")
    late = await harness.click("ben", "accept", prompt_id=asked[-1].id)
    assert late == "This request is no longer open: it expired, or the mentee left.", late

"""Changing an answer on purpose: `checkin yes|not-yet [N]` and `vote extend|close [N]`.

A prompt answers once (a second click or number is refused as "already answered"); a person who
wants to change their answer says so with one of these verbs. They also answer a check-in or a
vote not answered yet, so what waits for a person can be done by a verb as well as the prompt.
"""

from __future__ import annotations

from core.content import Reply
from core.context import Context
from core.domain import CheckIn, CheckInAnswer, MatchRecord, MatchStatus, Participant, key_of
from core.engagement.chat import count_as_activity
from core.prompt_ids import PromptId

CHECKIN_WORDS = {"yes": CheckInAnswer.YES, "not-yet": CheckInAnswer.NOT_YET}
VOTE_WORDS = {"extend": "to extend", "close": "to close the match"}


async def _which_match(
    ctx: Context, participant: Participant, args: tuple[str, ...], verb: str
) -> MatchRecord | Reply:
    """The active match the verb is about: the only one, or the one numbered in `args`."""
    active = [
        m
        for m in await ctx.uow.matches.for_participant(participant.key)
        if m.status is MatchStatus.ACTIVE
    ]
    if not active:
        return Reply().say("You have no running match to answer for.")
    if not args and len(active) == 1:
        return active[0]
    wanted = key_of(args[0]) if args else None
    found = next((m for m in active if m.key == wanted), None)
    if found is not None:
        return found
    numbers = ", ".join(f"#{m.key}" for m in active)
    asked = "Which match?" if not args else f"You're not in a running match #{args[0]}."
    return Reply().say(
        f"{asked} Yours: {numbers}. Add its number, e.g. `{ctx.command} {verb} {active[0].key}`."
    )


async def _latest_checkin(ctx: Context, match: MatchRecord) -> int:
    """The number of the newest check-in asked in the match's space (0: none yet)."""
    numbers = [c.number for c in await ctx.uow.engagement.checkins(match.key)]
    latest = max(numbers, default=0)
    if match.space is None:
        return latest
    while await ctx.uow.prompts.find(
        match.space.conversation,
        PromptId.of(ctx.program.id, "checkin", match.key, latest + 1).encode(),
    ):
        latest += 1
    return latest


async def change_checkin(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Reply:
    """`checkin yes|not-yet [N]`: answer, or change one's answer to, the latest check-in."""
    answer = CHECKIN_WORDS.get(args[0].lower()) if args else None
    if answer is None:
        return Reply().say(
            f"Say whether you met: `{ctx.command} checkin yes` or `{ctx.command} checkin not-yet`."
        )
    match = await _which_match(ctx, participant, args[1:], f"checkin {args[0].lower()}")
    if isinstance(match, Reply):
        return match
    number = await _latest_checkin(ctx, match)
    if number == 0:
        return Reply().say(f"No check-in has been asked in match #{match.key} yet.")
    earlier = next(
        (
            c
            for c in await ctx.uow.engagement.checkins(match.key)
            if c.participant_id == participant.key and c.number == number
        ),
        None,
    )
    await count_as_activity(ctx, match, participant)
    await ctx.uow.engagement.record_checkin(
        match.key, CheckIn(number, participant.key, answer, ctx.now)
    )
    said = "Yes, you met" if answer is CheckInAnswer.YES else "Not yet"
    if earlier is None or earlier.answer is CheckInAnswer.RAIN_CHECK:
        return Reply().say(f"Thanks — your answer to check-in {number} is recorded: {said}.")
    if earlier.answer is answer:
        return Reply().say(f"That was already your answer to check-in {number}: {said}.")
    return Reply().say(f"Changed: your answer to check-in {number} is now: {said}.")


async def change_vote(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Reply:
    """`vote extend|close [N]`: cast, or change, one's end-of-cycle vote on a match."""
    choice = args[0].lower() if args else ""
    if choice not in VOTE_WORDS:
        return Reply().say(
            f"Say what you'd like at the end of the cycle: `{ctx.command} vote extend` or "
            f"`{ctx.command} vote close`."
        )
    match = await _which_match(ctx, participant, args[1:], f"vote {choice}")
    if isinstance(match, Reply):
        return match
    if match.space is None or not await ctx.uow.prompts.find(
        match.space.conversation, PromptId(ctx.program.id, "end", str(match.key)).encode()
    ):
        return Reply().say(
            f"Match #{match.key} hasn't been asked to extend or close yet; I'll ask near the end "
            "of the cycle."
        )
    earlier = (await ctx.uow.engagement.votes(match.key)).get(participant.key)
    await count_as_activity(ctx, match, participant)
    await ctx.uow.engagement.vote(match.key, participant.key, choice, ctx.now)
    if earlier == choice:
        return Reply().say(f"That was already your vote: {VOTE_WORDS[choice]}.")
    done = "Changed: your vote is now" if earlier else "Noted: you voted"
    return Reply().say(f"{done} {VOTE_WORDS[choice]}. Extending happens if everyone agrees.")

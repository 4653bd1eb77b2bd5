"""What people do with engagement prompts: answer check-ins, track goals, give feedback, vote
to extend or close, and the `goals` verb. Activity in spaces is counted here too."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.content import Reply, Text, user_text
from core.context import Context
from core.domain import (
    CheckIn,
    CheckInAnswer,
    Feedback,
    Goal,
    GoalProgress,
    MatchRecord,
    MatchStatus,
    Participant,
    key_of,
)
from core.engagement.flow import MAX_GOALS
from core.identity import SpaceRef
from core.programs.program import Role
from core.prompt_ids import PromptId, arg_parts
from core.reminders.planning import members_of, plan_reminder

GOAL_WORDS = {
    GoalProgress.NOT_STARTED: "not started",
    GoalProgress.UNDER_WAY: "under way",
    GoalProgress.DONE: "done ✅",
}
FEEDBACK_COMMENT_WINDOW = timedelta(days=2)


async def _member_match(
    ctx: Context, participant: Participant, match_id: str
) -> MatchRecord | None:
    key = key_of(match_id)
    match = await ctx.uow.matches.get(key) if key is not None else None
    if match is None or participant.key not in [m.participant_id for m in match.members]:
        return None
    return match


async def answer_checkin(ctx: Context, participant: Participant, arg: str, choice: str) -> Reply:
    match_id, number = arg_parts(arg, 2) or ("", "")
    match = await _member_match(ctx, participant, match_id)
    checkin = key_of(number)
    if match is None or match.status is not MatchStatus.ACTIVE or checkin is None:
        return Reply().say("That check-in is closed.")
    try:
        answer = CheckInAnswer(choice)
    except ValueError:
        return Reply().say("Please pick Yes, Not yet or Rain check.")
    if await _checkin_superseded(ctx, match, checkin):
        return Reply().say("That check-in has been replaced by a newer one; please answer that.")
    earlier = await _my_checkin(ctx, match, participant, checkin)
    if earlier is not None:
        other = "not-yet" if earlier.answer is CheckInAnswer.YES else "yes"
        return Reply().say(
            f"You already answered this check-in on {when(earlier.answered_at)}. To change "
            f"your answer: `{ctx.command} checkin {other}`."
        )
    await count_as_activity(ctx, match, participant)
    await ctx.uow.engagement.record_checkin(
        match.key, CheckIn(checkin, participant.key, answer, ctx.now)
    )
    if answer is CheckInAnswer.YES:
        return Reply().say("🙌 Great — thanks for checking in!")
    if answer is CheckInAnswer.RAIN_CHECK:
        sooner = max(2, ctx.program.cadence.checkin_every_days // 4)
        await plan_reminder(
            ctx.uow,
            ctx.program,
            "checkin",
            f"checkin:{match.key}:{number}:again",
            ctx.now + timedelta(days=sooner),
            await members_of(ctx.uow, match),
            state_id=match.program_state_id,
            match_id=match.key,
            payload={"number": checkin, "again": True},
        )
        return Reply().say(f"No problem — I'll ask again in {sooner} days.")
    return Reply().say("Thanks. A short message to each other is a good way to find a time.")


def when(at: datetime) -> str:
    """`Mon 2 March at 09:00 UTC`: when something happened, for a person to read."""
    return f"{at:%a} {at.day} {at:%B} at {at:%H:%M} UTC"


async def _my_checkin(
    ctx: Context, match: MatchRecord, participant: Participant, number: int
) -> CheckIn | None:
    """This member's answer to check-in `number`, unless it was a rain check (asked again)."""
    for checkin in await ctx.uow.engagement.checkins(match.key):
        mine = checkin.participant_id == participant.key and checkin.number == number
        if mine and checkin.answer is not CheckInAnswer.RAIN_CHECK:
            return checkin
    return None


async def _checkin_superseded(ctx: Context, match: MatchRecord, number: int) -> bool:
    """Whether a newer check-in of the match was shown in its space."""
    if match.space is None:
        return False
    newer = PromptId.of(ctx.program.id, "checkin", match.key, number + 1).encode()
    return await ctx.uow.prompts.find(match.space.conversation, newer) is not None


async def count_as_activity(ctx: Context, match: MatchRecord, participant: Participant) -> None:
    """Answering a match's prompt is activity in the match, like a message in its space."""
    await ctx.uow.engagement.record_activity(match.key, participant.key, ctx.now.date())


async def still_open(ctx: Context, participant: Participant, prompt: PromptId) -> bool:
    """Whether a prompt of a match's space still waits for this member's answer (a check-in
    they have not answered, not superseded; an extend-or-close vote they have not cast)."""
    if prompt.kind == "checkin":
        match_id, number = arg_parts(prompt.arg, 2) or ("", "")
        match = await _member_match(ctx, participant, match_id)
        checkin = key_of(number)
        if match is None or match.status is not MatchStatus.ACTIVE or checkin is None:
            return False
        if await _checkin_superseded(ctx, match, checkin):
            return False
        return await _my_checkin(ctx, match, participant, checkin) is None
    if prompt.kind == "end":
        match = await _member_match(ctx, participant, prompt.arg)
        if match is None or match.status is not MatchStatus.ACTIVE:
            return False
        return participant.key not in await ctx.uow.engagement.votes(match.key)
    return False


async def answer_goal(ctx: Context, participant: Participant, goal_id: str, choice: str) -> Reply:
    match, goal = await _goal(ctx, participant, goal_id)
    if goal is None or match is None:
        return Reply().say("That goal no longer exists.")
    try:
        goal.progress = GoalProgress(choice)
    except ValueError:
        return Reply().say("Please pick one of the options.")
    goal.updated_at = ctx.now
    await ctx.uow.engagement.save_goal(goal)
    return Reply().say(
        f"Noted: “{user_text(goal.text, limit=120)}” is {GOAL_WORDS[goal.progress]}."
    )


async def _goal(
    ctx: Context, participant: Participant, goal_id: str
) -> tuple[MatchRecord | None, Goal | None]:
    for match in await ctx.uow.matches.for_participant(participant.key):
        for goal in await ctx.uow.engagement.goals(match.key):
            if str(goal.id) == goal_id:
                return match, goal
    return None, None


async def answer_feedback(ctx: Context, participant: Participant, arg: str, choice: str) -> Reply:
    match_id, kind = arg_parts(arg, 2) or ("", "")
    match = await _member_match(ctx, participant, match_id)
    if match is None or kind not in ("mid", "end") or not choice.isdecimal():
        return Reply().say("That survey is closed.")
    rating = int(choice)
    if not 1 <= rating <= 5:
        return Reply().say("Please give a rating from 1 to 5.")
    await ctx.uow.engagement.save_feedback(
        Feedback(match.key, participant.key, kind, ctx.now, rating=rating, comment=None)
    )
    return Reply().say(
        "Thank you! Anything you'd like to add? Type it here (only coordinators see it), or `skip`."
    )


async def feedback_comment(ctx: Context, participant: Participant, text: str) -> Reply | None:
    """A typed comment after a rating; None when no survey is waiting for one."""
    waiting = [
        f
        for f in await ctx.uow.engagement.feedback_of(participant.key)
        if f.comment is None and ctx.now - f.answered_at <= FEEDBACK_COMMENT_WINDOW
    ]
    if not waiting:
        return None
    latest = waiting[-1]
    skipped = text.strip().lower() in ("skip", "-", "no", "none")
    latest.comment = "" if skipped else text.strip()[:2000]
    await ctx.uow.engagement.save_feedback(latest)
    return Reply().say("Thanks — noted." if skipped else "Thank you, your comment is saved.")


async def vote_end(ctx: Context, participant: Participant, match_id: str, choice: str) -> Reply:
    match = await _member_match(ctx, participant, match_id)
    if match is None or match.status is not MatchStatus.ACTIVE or choice not in ("extend", "close"):
        return Reply().say("That question is closed.")
    earlier = (await ctx.uow.engagement.votes(match.key)).get(participant.key)
    if earlier is not None:
        chose = "to extend" if earlier == "extend" else "to close the match"
        other = "close" if earlier == "extend" else "extend"
        return Reply().say(
            f"You already answered this: you chose {chose}. To change your vote: "
            f"`{ctx.command} vote {other}`."
        )
    await count_as_activity(ctx, match, participant)
    await ctx.uow.engagement.vote(match.key, participant.key, choice, ctx.now)
    if choice == "extend":
        return Reply().say(
            "Noted: you'd like to extend. It happens if everyone in the match agrees."
        )
    return Reply().say("Noted: the match will close at the end of the cycle.")


async def goals_verb(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Reply:
    """`goals`: the goals of each of one's matches; a mentee adds, completes or removes the
    goals of the match they are the mentee of."""
    matches = await ctx.uow.matches.for_participant(participant.key)
    if not matches:
        return Reply().say("Goals belong to a match; you'll set them once you're matched.")
    own = next((m for m in matches if participant.key in m.ids(Role.MENTEE)), None)
    action = args[0].lower() if args else ""
    if action in ("add", "remove", "done") and own is None:
        return Reply().say("Goals are set by the mentee of a match.")
    if action == "add" and own is not None:
        goals = await ctx.uow.engagement.goals(own.key)
        text = " ".join(args[1:]).strip()
        if not text:
            return Reply().say(f"Write the goal after the word: `{ctx.command} goals add <goal>`.")
        if len(text) > 300:
            return Reply().say(f"Please keep a goal to 300 characters (this is {len(text)}).")
        if len(goals) >= MAX_GOALS:
            return Reply().say(
                f"You already have {MAX_GOALS} goals; remove one first "
                f"(`{ctx.command} goals remove N`)."
            )
        await ctx.uow.engagement.add_goal(Goal(own.key, participant.key, text, ctx.now, ctx.now))
        return Reply().say("🎯 Goal added. Check-ins will ask how it's going.")
    if action in ("remove", "done") and own is not None and len(args) > 1 and args[1].isdecimal():
        goals = await ctx.uow.engagement.goals(own.key)
        number = int(args[1])
        if not 1 <= number <= len(goals):
            return Reply().say(f"Pick a goal number from `{ctx.command} goals`.")
        goal = goals[number - 1]
        if action == "remove":
            await ctx.uow.engagement.delete_goal(goal.id or 0)
            return Reply().say("Goal removed.")
        goal.progress, goal.updated_at = GoalProgress.DONE, ctx.now
        await ctx.uow.engagement.save_goal(goal)
        return Reply().say("✅ Marked as done — well done!")
    lines: list[str] = []
    for match in matches:
        goals = await ctx.uow.engagement.goals(match.key)
        if len(matches) == 1:
            if not goals:
                return Reply().say(
                    f"No goals yet. The mentee sets up to {MAX_GOALS} with "
                    f"`{ctx.command} goals add <goal>`."
                )
            lines.append("*Goals of your match*")
        else:
            others = [
                other.safe_name
                for member in match.members
                if member.participant_id != participant.key
                and (other := await ctx.uow.participants.get(member.participant_id))
            ]
            lines.append(f"*Goals of your match with {', '.join(others)}*")
            if not goals:
                lines.append("No goals yet.")
        lines.extend(
            f"{n}. {user_text(g.text, limit=300)} — {GOAL_WORDS[g.progress]}"
            for n, g in enumerate(goals, start=1)
        )
    if own is not None:
        lines.append(f"`{ctx.command} goals done N` marks one done; `… remove N` removes it.")
    return Reply(messages=[Text("\n".join(lines))])


async def record_activity(ctx: Context, space: SpaceRef) -> None:
    """A message in a match's space: one more for its author today. The text is never seen."""
    match = await ctx.uow.matches.by_space(space)
    if match is None or match.status is not MatchStatus.ACTIVE:
        return
    participant = await ctx.uow.participants.find(ctx.state_id, ctx.user)
    if participant is None or participant.key not in [m.participant_id for m in match.members]:
        return
    await ctx.uow.engagement.record_activity(match.key, participant.key, ctx.now.date())

"""The participant verbs (join, profile, status, pause, resume, leave, goals, request,
my-data, forget-me) and the answers to their confirmations."""

from __future__ import annotations

from datetime import timedelta

from core.content import Choice, Prompt, Reply, plural
from core.context import Context
from core.domain import Participant, ParticipantStatus
from core.durations import InvalidDuration, describe_duration, parse_duration
from core.engagement import changes as engagement_changes
from core.engagement import chat as engagement_chat
from core.engagement.health import match_health
from core.onboarding.flow import PROFILE_FORM, form_for, form_steps
from core.participants.forget import confirm_forget, forget_me
from core.participants.leaving import withdraw
from core.participants.my_data import my_data
from core.programs.answers import describe_answer
from core.programs.program import Role
from core.reminders.planning import plan_resume
from core.rounds import requests

__all__ = ["confirm_forget", "forget_me", "my_data", "withdraw"]  # the verb table's names


async def participant_of(ctx: Context) -> Participant | None:
    return await ctx.uow.participants.find(ctx.state_id, ctx.user)


async def enrolled(ctx: Context) -> Participant | Reply:
    """The person's active or paused profile, or a reply telling them to join first."""
    participant = await participant_of(ctx)
    if participant and participant.status in (
        ParticipantStatus.ACTIVE,
        ParticipantStatus.PAUSED,
    ):
        return participant
    if participant and participant.status is ParticipantStatus.ONBOARDING:
        return Reply().say(f"You haven't finished joining yet — send `{ctx.command} join`.")
    return Reply().say(
        f"You're not enrolled in *{ctx.program.name}* yet. Send `{ctx.command} join` to start."
    )


async def join(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await participant_of(ctx)
    return await ctx.services.onboarding.start(ctx, participant, args[0] if args else None)


async def profile(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    questions = ctx.program.questions_for(participant.roles)
    if args and args[0] == "edit":
        if len(args) < 2 and not ctx.port.capabilities.forms.text_only:
            form = form_for(ctx, PROFILE_FORM, questions, participant.answers)
            return Reply().say(form_steps(ctx, form)[0])
        target = args[1] if len(args) > 1 else ""
        question = None
        if target.isdecimal() and 1 <= int(target) <= len(questions):
            question = questions[int(target) - 1]
        else:
            question = next((q for q in questions if q.id == target), None)
        if question is None:
            return Reply().say(
                f"Tell me which answer to change: `{ctx.command} profile edit N` "
                f"with N from 1 to {len(questions)}."
            )
        return await ctx.services.onboarding.edit(ctx, participant, question)
    lines = [f"*Your profile in {ctx.program.name}* ({participant.role_label})"]
    for number, question in enumerate(questions, start=1):
        answer = describe_answer(question, participant.answers.get(question.id))
        lines.append(f"{number}. {question.prompt}\n    {answer}")
    if Role.MENTOR in participant.roles:
        lines.append(f"Mentee capacity: {participant.capacity}")
    lines.append(f"Change an answer with `{ctx.command} profile edit N`.")
    return Reply().say("\n".join(lines))


async def status(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await participant_of(ctx)
    if participant is None or participant.status is ParticipantStatus.LEFT:
        return Reply().say(
            f"You're not enrolled in *{ctx.program.name}*. Send `{ctx.command} join` to start."
        )
    if participant.status is ParticipantStatus.ONBOARDING:
        session = await ctx.uow.onboarding.get(participant.key)
        questions = ctx.program.questions_for(session.roles) if session else []
        done = sum(1 for q in questions if session and q.id in session.draft)
        answered = f"{done} of {plural(len(questions), 'question')} answered"
        progress = f" ({answered})" if questions else ""
        return Reply().say(
            f"You're part-way through joining *{ctx.program.name}*{progress}. "
            f"Send `{ctx.command} join` to carry on."
        )
    state = "active"
    if participant.is_paused(ctx.now):
        until = participant.paused_until
        state = f"paused until {until:%a %d %b %Y}" if until else "paused until you `resume`"
    lines = [f"*{ctx.program.name}*: enrolled as a {participant.role_label}, {state}."]
    matches = await ctx.uow.matches.for_participant(participant.key)
    for found in matches:
        others = [
            other.safe_name
            for member in found.members
            if member.participant_id != participant.key
            and (other := await ctx.uow.participants.get(member.participant_id))
        ]
        where = f" in #{found.space.name}" if found.space else ""
        health = await match_health(ctx.uow, ctx.program, found, ctx.now)
        lines.append(
            f"• matched with {', '.join(others)} since {found.created_at:%d %b}{where} "
            f"— {health.value}"
        )
        checkin = await ctx.uow.reminders.next_due(match_id=found.key, kind="checkin")
        if checkin is not None:
            lines.append(f"  next check-in: {checkin:%a %d %b}")
    if not matches:
        lines.append("No match yet — you'll hear from me when the next matching round runs.")
    if Role.MENTOR in participant.roles and (
        waiting := await requests.waiting_lines(ctx, participant)
    ):
        lines.append("*Requests waiting for your answer*")
        lines.extend(waiting)
    asked = await ctx.uow.requests.pending_for_mentee(participant.key)
    if asked is not None and asked.expires_at > ctx.now:
        mentor = await ctx.uow.participants.get(asked.mentor_id)
        who = mentor.safe_name if mentor else "your mentor"
        until = f"{asked.expires_at:%a %d %b}"
        lines.append(f"Your request to {who} is waiting for their answer (until {until}).")
    return Reply().say("\n".join(lines))


async def pause(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    until = None
    if args:
        try:
            length: timedelta = parse_duration("".join(args))
        except InvalidDuration as error:
            return Reply().say(str(error))
        until = ctx.now + length
    participant.status = ParticipantStatus.PAUSED
    participant.paused_until = until
    await ctx.uow.participants.save(participant)
    await plan_resume(ctx.uow, ctx.program, participant)
    when = (
        f"for {describe_duration(until - ctx.now)} (until {until:%a %d %b %Y})"
        if until
        else "until you send `resume`"
    )
    return Reply().say(
        f"Paused {when}. You won't be matched or reminded meanwhile; "
        f"`{ctx.command} resume` ends the pause early."
    )


async def resume(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    if participant.status is not ParticipantStatus.PAUSED:
        return Reply().say("You're not paused — nothing to resume.")
    participant.status, participant.paused_until = ParticipantStatus.ACTIVE, None
    await ctx.uow.participants.save(participant)
    return Reply().say(f"Welcome back to *{ctx.program.name}*! You're active again.")


async def leave(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await participant_of(ctx)
    if participant is None or participant.status is ParticipantStatus.LEFT:
        return Reply().say(f"You're not enrolled in *{ctx.program.name}*.")
    return _confirm(
        ctx,
        "leave",
        f"Leave *{ctx.program.name}*? You won't be matched or contacted any more.",
        yes="Yes, leave",
        no="No, stay",
    )


async def confirm_leave(ctx: Context, participant: Participant, choice: tuple[str, ...]) -> Reply:
    if choice != ("yes",):
        return Reply().say("Good to have you — nothing changed.")
    if participant.status is ParticipantStatus.LEFT:
        return Reply().say("You have already left.")
    participant.status, participant.left_at = ParticipantStatus.LEFT, ctx.now
    await ctx.uow.participants.save(participant)
    await ctx.uow.onboarding.delete(participant.key)
    await withdraw(ctx, participant)
    return Reply().say(
        f"You've left *{ctx.program.name}*. Your profile is kept in case you come back "
        f"(`{ctx.command} join`); `{ctx.command} forget-me` deletes it for good."
    )


async def goals(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    return await engagement_chat.goals_verb(ctx, participant, args)


async def request(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    action = args[0].lower() if args else ""
    if action in ("accept", "decline"):
        if Role.MENTOR not in participant.roles:
            return Reply().say("Only mentors answer requests.")
        reply, match_id = await requests.answer_by_number(ctx, participant, action, args[1:])
        if match_id is not None:
            rounds, program = ctx.services.rounds, ctx.program

            async def open_space() -> Reply:
                await rounds.open_space(program, match_id)
                return Reply()

            ctx.after_commit(open_space)
        return reply
    if Role.MENTOR in participant.roles and Role.MENTEE not in participant.roles:
        waiting = await requests.waiting_lines(ctx, participant)
        if waiting:
            return Reply().say("\n".join(["*Requests waiting for your answer*", *waiting]))
    if participant.is_paused(ctx.now):
        return Reply().say(f"You're paused; `{ctx.command} resume` first.")
    return await requests.suggestions(ctx, participant)


def _confirm(ctx: Context, kind: str, question: str, *, yes: str, no: str) -> Reply:
    """A yes/no question whose answer comes back as a `<program>:<kind>` choice."""
    return Reply().say(
        Prompt(ctx.prompt_id(kind), question, (Choice("yes", yes), Choice("no", no)))
    )


async def checkin(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    return await engagement_changes.change_checkin(ctx, participant, args)


async def vote(ctx: Context, args: tuple[str, ...]) -> Reply:
    participant = await enrolled(ctx)
    if isinstance(participant, Reply):
        return participant
    return await engagement_changes.change_vote(ctx, participant, args)

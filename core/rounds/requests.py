"""Mentee requests: a mentee sees suggested mentors, asks one; the mentor accepts or declines.

Capacity is taken when the mentor accepts, under a row lock on the mentor, so two mentees
asking for a mentor's last place at the same moment can never both get it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.content import Choice, Prompt, Reply, Text, plural, user_text
from core.context import Context
from core.domain import (
    Cycle,
    MatchMember,
    MatchRecord,
    MentorRequest,
    Participant,
    ParticipantStatus,
    RequestStatus,
    key_of,
)
from core.identity import Conversation
from core.markup import neutralise, shorten
from core.matching import Candidate, MatchInput, explain, suggest
from core.programs.program import Role
from core.reminders.planning import plan_request
from core.rounds.flow import build_pool

SUGGESTIONS = 3


async def suggestions(ctx: Context, mentee: Participant) -> Reply:
    """`request`: the top mentors for this mentee, as a prompt to pick one."""
    if Role.MENTEE not in mentee.roles:
        return Reply().say("Only mentees can request a mentor.")
    if await ctx.uow.matches.for_participant(mentee.key):
        return Reply().say(f"You already have a match; `{ctx.command} status` shows it.")
    pending = await ctx.uow.requests.pending_for_mentee(mentee.key)
    if pending and pending.expires_at > ctx.now:
        mentor = await ctx.uow.participants.get(pending.mentor_id)
        who = mentor.safe_name if mentor else "your mentor"
        return Reply().say(
            f"You asked {who} on {pending.created_at:%d %b}; they have until "
            f"{pending.expires_at:%d %b} to answer. I'll tell you as soon as they do."
        )
    if pending:
        await _expire(ctx, pending)
    pool = await build_pool(ctx.uow, ctx.program, ctx.state_id, ctx.now)
    found = await asyncio.to_thread(suggest, pool.data, str(mentee.key), limit=SUGGESTIONS)
    if not found:
        return Reply().say(
            "I couldn't find a mentor with a free place who fits your answers right now. "
            "You're on the waiting list for the next round."
        )
    # a label is plain text on some platforms (a button): the name without bidi tricks
    names = {s.mentor_id: neutralise(pool.people[s.mentor_id].display_name) for s in found}
    choices = tuple(
        Choice(s.mentor_id, shorten(f"{names[s.mentor_id]} — {'; '.join(s.explanation)}", 75))
        for s in found
    )
    details = "\n".join(
        f"{n}. *{pool.people[s.mentor_id].safe_name}* (score {s.score:g}): "
        f"{'; '.join(s.explanation)}"
        for n, s in enumerate(found, start=1)
    )
    return Reply().say(
        Text(f"Mentors who fit you best:\n{details}"),
        Prompt(ctx.prompt_id("ask"), "Whom would you like to ask?", choices),
    )


async def ask(ctx: Context, mentee: Participant, mentor_id: str) -> Reply:
    """The mentee picked a mentor: record the request and ask the mentor."""
    if await ctx.uow.requests.pending_for_mentee(mentee.key):
        return Reply().say("You already have a request waiting for an answer.")
    key = key_of(mentor_id)
    mentor = await ctx.uow.participants.get(key) if key is not None else None
    if mentor is None or mentor.program_state_id != ctx.state_id or Role.MENTOR not in mentor.roles:
        return Reply().say(
            f"That mentor is no longer available; send `{ctx.command} request` again."
        )
    pool = await build_pool(ctx.uow, ctx.program, ctx.state_id, ctx.now)
    fits = await asyncio.to_thread(suggest, pool.data, str(mentee.key), limit=len(pool.people))
    chosen = next((s for s in fits if s.mentor_id == mentor_id), None)
    if chosen is None:
        return Reply().say(
            f"{mentor.safe_name} can't take a mentee right now; "
            f"send `{ctx.command} request` to see who can."
        )
    request = await ctx.uow.requests.add(
        MentorRequest(
            program_state_id=ctx.state_id,
            mentee_id=mentee.key,
            mentor_id=mentor.key,
            created_at=ctx.now,
            expires_at=ctx.now + timedelta(days=ctx.program.cadence.request_timeout_days),
            explanation=list(chosen.explanation),
        )
    )
    await plan_request(ctx.uow, ctx.program, request, mentor)
    goals = mentee.answers.get("goals")
    about = (
        f"\nTheir goals: {user_text(goals, limit=300)}" if isinstance(goals, str) and goals else ""
    )
    ctx.notify(
        Conversation.dm(mentor.user),
        Prompt(
            ctx.prompt_id("req", str(request.key)),
            f"*{mentee.safe_name}* would like you as their mentor in *{ctx.program.name}*.\n"
            f"What {mentee.safe_name} sees in the match: {'; '.join(chosen.explanation)}."
            f"{about}\n"
            f"Please answer by {request.expires_at:%a %d %b}.",
            (Choice("accept", "Accept"), Choice("decline", "Decline")),
        ),
    )
    return Reply().say(
        f"I've asked {mentor.safe_name}. They have "
        f"{plural(ctx.program.cadence.request_timeout_days, 'day')} to answer; I'll let you know."
    )


async def answer(
    ctx: Context, mentor: Participant, request_id: str, choice: str
) -> tuple[Reply, int | None]:
    """The mentor's answer. Returns the reply and, on accept, the new match's id."""
    key = key_of(request_id)
    request = await ctx.uow.requests.get(key) if key is not None else None
    if request is None or request.mentor_id != mentor.key:
        return Reply().say("That request no longer exists."), None
    if request.status is RequestStatus.EXPIRED:
        return Reply().say("This request is no longer open: it expired, or the mentee left."), None
    if request.status is not RequestStatus.PENDING:
        return Reply().say(f"You already answered this request ({request.status.value})."), None
    mentee = await ctx.uow.participants.get(request.mentee_id)
    if request.expires_at <= ctx.now:
        await _expire(ctx, request)
        return Reply().say("This request has expired; the mentee has been told."), None
    if mentee is None or mentee.status is ParticipantStatus.LEFT:
        request.status, request.answered_at = RequestStatus.EXPIRED, ctx.now
        await ctx.uow.requests.save(request)
        return Reply().say("The mentee has left the program, so there's nothing to answer."), None
    if choice != "accept":
        request.status, request.answered_at = RequestStatus.DECLINED, ctx.now
        await ctx.uow.requests.save(request)
        ctx.notify(
            Conversation.dm(mentee.user),
            Text(
                f"{mentor.safe_name} can't take you on right now — no hard feelings. "
                f"Send `{ctx.command_for(mentee.user)} request` to see other mentors."
            ),
        )
        return Reply().say(f"Declined. I've let {mentee.safe_name} know kindly."), None
    await ctx.uow.locks.participant(mentor.key)  # held until commit: capacity checks serialize
    taken = sum(
        len(m.ids(Role.MENTEE))
        for m in await ctx.uow.matches.for_participant(mentor.key)
        if mentor.key in m.ids(Role.MENTOR)
    )
    if taken >= mentor.capacity:
        return Reply().say(
            f"{places_taken(mentor.capacity)} Raise your capacity with "
            f"`{ctx.command} profile edit`, then accept again."
        ), None
    if await ctx.uow.matches.for_participant(mentee.key):
        request.status, request.answered_at = RequestStatus.EXPIRED, ctx.now
        await ctx.uow.requests.save(request)
        return Reply().say(f"{mentee.safe_name} has been matched meanwhile — thank you!"), None
    cycle = await ctx.uow.cycles.current(ctx.state_id) or await ctx.uow.cycles.add(
        Cycle(0, ctx.state_id, 1, ctx.now, ctx.now + timedelta(days=ctx.program.cycle.length_days))
    )
    score, words = explain(
        MatchInput(ctx.program, [], ctx.now, names={str(mentor.key): mentor.safe_name}),
        Candidate(str(mentee.key), frozenset({Role.MENTEE}), 0, mentee.answers),
        Candidate(str(mentor.key), frozenset({Role.MENTOR}), 1, mentor.answers),
    )
    record = await ctx.uow.matches.add(
        MatchRecord(
            program_state_id=ctx.state_id,
            cycle_id=cycle.id,
            members=(MatchMember(mentor.key, Role.MENTOR), MatchMember(mentee.key, Role.MENTEE)),
            score=max(score, 0.0),
            explanation=words or list(request.explanation),
            created_at=ctx.now,
            idempotency_key=f"request:{request.key}",
            ends_at=cycle.ends_at,
        )
    )
    request.status, request.answered_at = RequestStatus.ACCEPTED, ctx.now
    await ctx.uow.requests.save(request)
    ctx.notify(
        Conversation.dm(mentee.user),
        Text(f"🎉 {mentor.safe_name} accepted your request! Your private space is on its way."),
    )
    return Reply().say(f"Accepted — you and {mentee.safe_name} are matched."), record.key


async def waiting_for(ctx: Context, mentor: Participant) -> list[MentorRequest]:
    """The requests a mentor can still answer, oldest first (numbered from 1 for the verb)."""
    pending = await ctx.uow.requests.pending_for_mentor(mentor.key)
    return [r for r in pending if r.expires_at > ctx.now]


async def waiting_lines(ctx: Context, mentor: Participant) -> list[str]:
    """One line per request waiting for the mentor's answer, with the verb that answers it."""
    lines = []
    for number, request in enumerate(await waiting_for(ctx, mentor), start=1):
        mentee = await ctx.uow.participants.get(request.mentee_id)
        who = mentee.safe_name if mentee else "A mentee"
        lines.append(
            f"{number}. {who} would like you as their mentor (answer by "
            f"{request.expires_at:%a %d %b}): `{ctx.command} request accept {number}` or "
            f"`{ctx.command} request decline {number}`"
        )
    return lines


async def answer_by_number(
    ctx: Context, mentor: Participant, choice: str, args: tuple[str, ...]
) -> tuple[Reply, int | None]:
    """`request accept|decline N`: the mentor answers their N-th waiting request (N may be
    left out when only one waits). A number that names none is asked again."""
    waiting = await waiting_for(ctx, mentor)
    if not waiting:
        return Reply().say("No mentee request is waiting for your answer."), None
    if not args and len(waiting) == 1:
        return await answer(ctx, mentor, str(waiting[0].key), choice)
    number = args[0] if args else ""
    if number.isdecimal() and 1 <= int(number) <= len(waiting):
        return await answer(ctx, mentor, str(waiting[int(number) - 1].key), choice)
    count = len(waiting)
    if not number:
        asked = f"Which request? Give its number, from 1 to {count}:"
    elif count == 1:
        asked = f"There's no request {number}; only one is waiting (number 1):"
    else:
        asked = f"There's no request {number}. Please give a number from 1 to {count}:"
    return Reply().say("\n".join([asked, *await waiting_lines(ctx, mentor)])), None


async def _expire(ctx: Context, request: MentorRequest) -> None:
    request.status, request.answered_at = RequestStatus.EXPIRED, ctx.now
    await ctx.uow.requests.save(request)
    mentee = await ctx.uow.participants.get(request.mentee_id)
    if mentee is not None:
        ctx.notify(
            Conversation.dm(mentee.user),
            Text(
                "Your mentor request expired without an answer. "
                f"Send `{ctx.command_for(mentee.user)} request` to ask someone else."
            ),
        )


def places_taken(capacity: int) -> str:
    """'Your mentee place is taken.' or 'All your 3 mentee places are taken.'"""
    if capacity == 1:
        return "Your one mentee place is taken."
    if capacity <= 0:
        return "You have no mentee places."
    return f"All your {capacity} mentee places are taken."

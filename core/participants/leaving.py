"""What happens when someone leaves a program (`leave`, `forget-me`)."""

from __future__ import annotations

from core.content import Text
from core.context import Context
from core.domain import Participant, RequestStatus
from core.engagement.flow import EndReason, Outgoing, end_match
from core.programs.program import Role
from core.reminders.planning import members_of


async def withdraw(ctx: Context, participant: Participant) -> None:
    """Someone leaves: their reminders stop, their open mentor requests close and their matches
    end (the others are told)."""
    await ctx.uow.reminders.cancel(participant_id=participant.key)
    out = Outgoing()
    await _close_requests(ctx, participant, out)
    for found in await ctx.uow.matches.for_participant(participant.key):
        mentor = participant.key in found.ids(Role.MENTOR)
        for other in await members_of(ctx.uow, found):
            if other.key == participant.key:
                continue
            command = ctx.command_for(other.user)
            if other.key in found.ids(Role.MENTEE) and mentor:
                then = (
                    "You're back in the pool: the next matching round will look for a new "
                    f"mentor for you, or send `{command} request` to ask one now."
                )
            else:
                then = f"`{command} status` shows where you are now."
            if mentor:
                who = "Your mentor"
            else:
                who = "Your mentee" if other.key in found.ids(Role.MENTOR) else "A mentee"
            out.dm(
                other,
                Text(f"{who} has left *{ctx.program.name}*, so your match has ended. {then}"),
            )
        await end_match(
            ctx.uow, ctx.program, found, ctx.now, out, EndReason.LEFT, leaver=participant
        )
    ctx.send_later(out)


async def _close_requests(ctx: Context, participant: Participant, out: Outgoing) -> None:
    """The request they made expires; so do requests made to them, and those mentees are told
    (without the leaver's name: `forget-me` comes this way too)."""
    requests = await ctx.uow.requests.pending_for_mentor(participant.key)
    asked = await ctx.uow.requests.pending_for_mentee(participant.key)
    for request in [*requests, asked] if asked else requests:
        request.status, request.answered_at = RequestStatus.EXPIRED, ctx.now
        await ctx.uow.requests.save(request)
        if request.mentee_id == participant.key:
            continue
        mentee = await ctx.uow.participants.get(request.mentee_id)
        if mentee is not None:
            out.dm(
                mentee,
                Text(
                    f"The mentor you asked has left *{ctx.program.name}*, so your request is "
                    f"closed. Send `{ctx.command_for(mentee.user)} request` to ask someone else."
                ),
            )

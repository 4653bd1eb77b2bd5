"""What happens when someone leaves a program (`leave`, `forget-me`)."""

from __future__ import annotations

from core.content import Text
from core.context import Context
from core.domain import Participant
from core.engagement.flow import EndReason, Outgoing, end_match
from core.programs.program import Role
from core.reminders.planning import members_of


async def withdraw(ctx: Context, participant: Participant) -> None:
    """Someone leaves: their reminders stop and their matches end (the others are told)."""
    await ctx.uow.reminders.cancel(participant_id=participant.key)
    out = Outgoing()
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

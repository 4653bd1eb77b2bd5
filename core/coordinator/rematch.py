"""`admin rematch <participant>`: end a person's current matches and put them back in the pool.

The matches end through the same path as `admin end-match` (members told, space archived,
feedback asked); the ended pairs enter the history, so the next round finds someone new.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.content import Reply, Text, plural, user_text
from core.context import Context
from core.coordinator.audit import AuditAction, record
from core.domain import Participant, ParticipantStatus
from core.engagement.flow import EndReason, Outgoing, end_match


def find_participant(people: Sequence[Participant], typed: str) -> list[Participant]:
    """Who `typed` names: a platform user id (`U0123`, `@U0123`) or a display name (any case).
    Several people may share a name: the caller asks for the id then."""
    wanted = typed.strip().removeprefix("@")
    if not wanted:
        return []
    by_id = [p for p in people if p.user.user_id == wanted]
    if by_id:
        return by_id
    return [p for p in people if p.display_name.casefold() == wanted.casefold()]


async def rematch(ctx: Context, args: tuple[str, ...]) -> Reply:
    typed = " ".join(args)
    usage = f"`{ctx.command} admin rematch <person>` (their user id or display name)"
    if not typed.strip():
        return Reply().say(f"Say who to rematch: {usage}.")
    people = [
        p
        for p in await ctx.uow.participants.list(ctx.state_id)
        if p.status is not ParticipantStatus.LEFT
    ]
    found = find_participant(people, typed)
    if not found:
        return Reply().say(
            f"Nobody in *{ctx.program.name}* goes by “{user_text(typed, limit=80)}”. "
            f"Use {usage}; `{ctx.command} admin export` lists everyone's id."
        )
    if len(found) > 1:
        ids = ", ".join(f"`{p.user.user_id}`" for p in found)
        return Reply().say(f"{len(found)} people have that name; use an id: {ids}.")
    person = found[0]
    if person.status is ParticipantStatus.ONBOARDING:
        return Reply().say(
            f"{person.safe_name} hasn't finished joining yet, so there is nothing to rematch."
        )
    out = Outgoing()
    matches = await ctx.uow.matches.for_participant(person.key)
    for match in matches:
        await end_match(ctx.uow, ctx.program, match, ctx.now, out, EndReason.COORDINATOR)
    if matches:  # someone without a match is in the pool already: nothing to tell them
        command = ctx.command_for(person.user)
        out.dm(
            person,
            Text(
                f"🔄 A coordinator of *{ctx.program.name}* has ended your match and put you "
                "back in the pool: you'll be in the next matching round. "
                f"`{command} status` shows where you are."
            ),
        )
    ctx.send_later(out)
    numbers = ", ".join(f"#{m.key}" for m in matches)
    # the participant's number, not their name or id: the log outlives a `forget-me`
    ended = f"ended match {numbers}" if matches else "no match running"
    await record(ctx, AuditAction.REMATCH, f"participant #{person.key}, {ended}")
    what = (
        f"I ended {plural(len(matches), 'match', 'matches')} of {person.safe_name} ({numbers}); "
        "the members were told and asked for feedback. The same pairs won't be formed again"
        if matches
        else f"{person.safe_name} had no match running"
    )
    paused = (
        f" They are paused until {person.paused_until:%d %b}, so they join the first round "
        "after that."
        if person.is_paused(ctx.now) and person.paused_until is not None
        else " They are paused, so they join a round once they resume."
        if person.is_paused(ctx.now)
        else ""
    )
    return Reply().say(f"{what}. They're back in the pool for the next round.{paused}")

"""The `admin …` verbs: one table from sub-command to handler, each a function of the event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.content import Reply
from core.context import Context
from core.coordinator import admin, audit
from core.coordinator import broadcast as broadcasting
from core.coordinator import rematch as rematching
from core.coordinator.audit import AuditAction
from core.durations import InvalidDuration, parse_duration
from core.reminders.planning import schedule_round
from core.rounds.flow import Progress

AdminHandler = Callable[[Context, tuple[str, ...]], Awaitable[Reply]]


async def status(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await admin.status(ctx)


async def stats(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await admin.stats(ctx)


async def export(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await admin.export(ctx, args)


async def broadcast(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await broadcasting.broadcast(ctx, args)


async def rematch(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await rematching.rematch(ctx, args)


async def audit_log(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await audit.show(ctx, args)


async def end_match(ctx: Context, args: tuple[str, ...]) -> Reply:
    target = args[0].removeprefix("#") if args else ""
    reply, out = await admin.end(ctx, target)
    ctx.send_later(out)
    return reply


async def open_enrolment(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await _set_enrolment(ctx, True)


async def close_enrolment(ctx: Context, args: tuple[str, ...]) -> Reply:
    return await _set_enrolment(ctx, False)


async def _set_enrolment(ctx: Context, is_open: bool) -> Reply:
    ctx.state.enrolment_open = is_open
    await ctx.uow.programs.save(ctx.state)
    await audit.record(ctx, AuditAction.OPEN if is_open else AuditAction.CLOSE)
    return Reply().say(f"Enrolment for *{ctx.program.name}* is now {admin.enrolment_word(ctx)}.")


async def match(ctx: Context, args: tuple[str, ...]) -> Reply:
    """`admin match preview|commit|schedule 48h`: rounds run after the event has committed."""
    action = args[0].lower() if args else ""
    if action == "schedule":
        return await _schedule(ctx, args[1:])
    rounds, program, state_id = ctx.services.rounds, ctx.program, ctx.state_id
    command = ctx.command
    if action == "preview":

        async def preview() -> Reply:
            return Reply().say(await rounds.preview(program, state_id, command))

        ctx.after_commit(preview)
        return Reply()
    if action == "commit":
        await audit.record(ctx, AuditAction.COMMIT)
        progress = Progress(ctx.port, ctx.where)

        async def commit() -> Reply:
            return Reply().say(await rounds.commit(program, state_id, progress, command))

        ctx.after_commit(commit)
        return Reply()
    return Reply().say(f"Use `{ctx.command} admin match preview`, `… commit` or `… schedule 48h`.")


async def _schedule(ctx: Context, args: tuple[str, ...]) -> Reply:
    """Announce a round now and run it later, so people can pause before it."""
    try:
        delay = parse_duration("".join(args)) if args else None
    except InvalidDuration as error:
        return Reply().say(str(error))
    if delay is None:
        return Reply().say(f"Say when: `{ctx.command} admin match schedule 48h`.")
    runs_at = ctx.now + delay
    earlier = await ctx.uow.reminders.next_due(program_state_id=ctx.state_id, kind="round")
    if earlier is not None:  # one scheduled round at a time: the new time replaces the old
        await ctx.uow.reminders.cancel(
            program_state_id=ctx.state_id, kinds=("round", "round_notice")
        )
    await schedule_round(ctx.uow, ctx.state_id, ctx.user, runs_at, ctx.now)
    await audit.record(ctx, AuditAction.SCHEDULE, f"for {runs_at:%a %d %b %H:%M} UTC")
    replaced = (
        f"This replaces the round that was to run on {earlier:%a %d %b %H:%M} UTC. "
        if earlier is not None
        else ""
    )
    return Reply().say(
        f"📣 {replaced}The next *{ctx.program.name}* round runs on "
        f"{runs_at:%a %d %b %H:%M} UTC. Everyone waiting for a match is told now, so they "
        "can pause if they'd rather sit it out; I'll send you the result."
    )

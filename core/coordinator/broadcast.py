"""`admin broadcast <text>`: a DM to every active participant, with progress and a real count.

The messages are outbox rows, written in the event's transaction (so they exist exactly when it
committed) and keyed by the broadcast, then delivered after the commit through the dispatcher:
bounded concurrency, each platform's rate limits waited out, failures retried. The coordinator
sees a progress message, then how many were delivered, failed or could not be reached by DM.
"""

from __future__ import annotations

import uuid

from core.content import Reply, Text, plural, user_text
from core.context import Context
from core.coordinator.audit import AuditAction, record
from core.domain import ParticipantStatus
from core.identity import Conversation
from core.reminders.messages import message, plan_messages
from core.rounds.flow import Progress

CHUNK = 25  # messages between two progress updates


async def broadcast(ctx: Context, args: tuple[str, ...]) -> Reply:
    text = " ".join(args)
    if not text.strip():
        return Reply().say(f"Write the message after the word: `{ctx.command} admin broadcast …`.")
    body = Text(f"📢 From the *{ctx.program.name}* coordinators:\n{user_text(text, limit=2000)}")
    people = [
        p
        for p in await ctx.uow.participants.list(ctx.state_id)
        if p.status is ParticipantStatus.ACTIVE
        or (p.status is ParticipantStatus.PAUSED and not p.is_paused(ctx.now))
    ]
    if not people:
        return Reply().say(f"*{ctx.program.name}* has no active participants to write to yet.")
    cause = uuid.uuid4().hex
    rows = [
        message(
            ctx.state_id,
            Conversation.dm(p.user),
            body,
            f"broadcast:{cause}:{p.key}",
            ctx.now,
            participant_id=p.key,
        )
        for p in people
    ]
    keys = await plan_messages(ctx.uow.reminders, rows)
    await record(ctx, AuditAction.BROADCAST, f"to {plural(len(keys), 'participant')}")
    store, outbox = ctx.services.rounds.store, ctx.services.rounds.outbox
    progress = Progress(ctx.port, ctx.where)
    total = plural(len(keys), "active participant")

    async def deliver() -> Reply:
        await progress.show(f"📢 Sending your broadcast to {total}…")
        for start in range(0, len(keys), CHUNK):
            await outbox.flush(keys[start : start + CHUNK])
            if start + CHUNK < len(keys):
                await progress.show(f"📢 Sending your broadcast: {start + CHUNK} of {total}…")
        async with store.transaction() as uow:
            done = await uow.reminders.outcomes(keys)
        await progress.show(f"📢 Your broadcast has gone out to {total}.")
        parts = [
            f"{done.delivered} delivered",
            f"{done.failed} failed",
            f"{done.unreachable} unreachable by DM",
        ]
        said = f"📢 Broadcast to {total}: " + ", ".join(parts) + "."
        if done.waiting:
            said += (
                f" {plural(done.waiting, 'message')} could not go out yet and will be retried; "
                f"`{ctx.command} admin status` counts them once they have."
            )
        if done.unreachable:
            said += " You'll get a note about each person who can't get DMs."
        return Reply().say(said)

    ctx.after_commit(deliver)
    return Reply()

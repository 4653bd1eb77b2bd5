"""The audit log: what coordinators did to a program, who did it and when.

Every steering `admin` verb records one entry in its own transaction (so an action that fails
records nothing). `admin audit [page]` shows them newest first; exports include them.
"""

from __future__ import annotations

from enum import StrEnum

from core.content import Reply, plural, user_text
from core.context import Context
from core.domain import AuditEntry, key_of

PAGE_SIZE = 15


class AuditAction(StrEnum):
    COMMIT = "commit"
    SCHEDULE = "schedule"
    EXPORT = "export"
    END_MATCH = "end-match"
    REMATCH = "rematch"
    BROADCAST = "broadcast"
    OPEN = "open"
    CLOSE = "close"


WHAT = {
    AuditAction.COMMIT: "committed a matching round",
    AuditAction.SCHEDULE: "scheduled a matching round",
    AuditAction.EXPORT: "exported the program's data",
    AuditAction.END_MATCH: "ended a match",
    AuditAction.REMATCH: "put a participant back in the pool",
    AuditAction.BROADCAST: "sent a broadcast",
    AuditAction.OPEN: "opened enrolment",
    AuditAction.CLOSE: "closed enrolment",
}


async def record(ctx: Context, action: AuditAction, detail: str = "") -> None:
    """Note that the coordinator acting in `ctx` did `action` (in the event's transaction)."""
    name = ctx.display_name or ctx.user.user_id
    entry = AuditEntry(ctx.state_id, ctx.user, name, action.value, ctx.now, detail)
    await ctx.uow.audit.record(entry)


def describe(entry: AuditEntry) -> str:
    """One entry as a coordinator reads it (the actor's name is shown as typed text)."""
    try:
        what = WHAT[AuditAction(entry.action)]
    except ValueError:
        what = entry.action
    detail = f" ({user_text(entry.detail, limit=200)})" if entry.detail else ""
    who = user_text(entry.actor_name, limit=80)
    return f"{entry.at:%a %d %b %Y %H:%M} UTC — {who} {what}{detail}"


async def show(ctx: Context, args: tuple[str, ...]) -> Reply:
    """`admin audit [page]`: the newest entries first, `PAGE_SIZE` a page."""
    page = key_of(args[0]) if args else 1
    if page is None:
        return Reply().say(f"Say which page, counting from 1: `{ctx.command} admin audit 2`.")
    total = await ctx.uow.audit.count(ctx.state_id)
    if total == 0:
        return Reply().say(f"No coordinator actions on *{ctx.program.name}* are recorded yet.")
    pages = -(-total // PAGE_SIZE)
    if page > pages:
        return Reply().say(
            f"The audit log of *{ctx.program.name}* has {plural(pages, 'page')}; "
            f"`{ctx.command} admin audit {pages}` shows the oldest actions."
        )
    entries = await ctx.uow.audit.page(ctx.state_id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    lines = [
        f"*{ctx.program.name}* — coordinator actions, newest first "
        f"(page {page} of {pages}, {plural(total, 'action')} in all)",
        *(f"• {describe(entry)}" for entry in entries),
    ]
    if page < pages:
        lines.append(f"Older actions: `{ctx.command} admin audit {page + 1}`.")
    return Reply().say("\n".join(lines))

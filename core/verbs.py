"""Every command verb in one table: its name, how it is typed, what it does, and its handler.

Adapters read the table to build native commands; `MentorBot` routes through it; `help`
is rendered from it, so a verb cannot be handled without being listed or listed without
being handled.
"""

from __future__ import annotations

from core.commands import Verb
from core.content import Reply
from core.context import Context
from core.coordinator import verbs as coordinator
from core.coordinator.access import coordinates
from core.participants import verbs as participant


async def help_verb(ctx: Context, args: tuple[str, ...]) -> Reply:
    return Reply().say(help_text(ctx.command, coordinator=await is_coordinator(ctx)))


async def admin_verb(ctx: Context, args: tuple[str, ...]) -> Reply:
    """`admin <sub> …`: refused for non-coordinators, then routed through `COORDINATOR_VERBS`."""
    if not await is_coordinator(ctx):
        return Reply().say(
            "Only coordinators of this program can use `admin` commands. "
            "Ask a coordinator if you think you should be one."
        )
    # Remember who coordinates here, and in which workspace: admins and role holders are
    # nowhere in the program file, yet alerts about the program must reach them too.
    await ctx.uow.coordinators.record(ctx.state_id, ctx.user, ctx.now)
    sub = args[0].lower() if args else "status"
    verb = ADMIN_BY_NAME.get(sub)
    if verb is None:
        return Reply().say(help_text(ctx.command, coordinator=True, unknown=f"admin {sub}"))
    return await verb.handler(ctx, args[1:])


async def is_coordinator(ctx: Context) -> bool:
    return await coordinates(ctx.port, ctx.user, [ctx.program])


PARTICIPANT_VERBS = (
    Verb("help", "help", "show this list", help_verb),
    Verb(
        "join",
        "join [mentor|mentee|both]",
        "enrol: answer a few questions and accept the policy",
        participant.join,
        private=True,
    ),
    Verb(
        "profile",
        "profile [edit N]",
        "see your answers, or change answer N",
        participant.profile,
        private=True,
    ),
    Verb("status", "status", "your enrolment and matches", participant.status, private=True),
    Verb(
        "request",
        "request [accept|decline N]",
        "mentees: see suggested mentors and ask one; mentors: answer a mentee's request",
        participant.request,
        private=True,
    ),
    Verb(
        "pause", "pause [2w|10d|…]", "take a break from matching and reminders", participant.pause
    ),
    Verb("resume", "resume", "end a pause", participant.resume),
    Verb("leave", "leave", "leave the program", participant.leave, private=True),
    Verb("goals", "goals", "set or review your goals", participant.goals, private=True),
    Verb(
        "checkin",
        "checkin yes|not-yet [N]",
        "answer, or change your answer to, your match's latest check-in",
        participant.checkin,
    ),
    Verb(
        "vote",
        "vote extend|close [N]",
        "cast, or change, your vote to extend or close your match",
        participant.vote,
    ),
    Verb(
        "my-data",
        "my-data",
        "a file of everything the bot stores about you",
        participant.my_data,
        private=True,
    ),
    Verb(
        "forget-me",
        "forget-me",
        "delete what the bot stores about you, in every program here",
        participant.forget_me,
        private=True,
    ),
)
COORDINATOR_VERBS = (
    Verb("status", "admin status", "program health at a glance", coordinator.status, True),
    Verb("open", "admin open", "open enrolment", coordinator.open_enrolment, True),
    Verb("close", "admin close", "close enrolment", coordinator.close_enrolment, True),
    Verb(
        "match",
        "admin match preview|commit|schedule 48h",
        "run a matching round now, or announce one for later",
        coordinator.match,
        True,
    ),
    Verb("stats", "admin stats", "numbers for reports", coordinator.stats, True),
    Verb(
        "export",
        "admin export [anonymised]",
        "the program's data as a zip of CSV files (anonymised: no names or free text)",
        coordinator.export,
        True,
    ),
    Verb("end-match", "admin end-match <match>", "end a match", coordinator.end_match, True),
    Verb(
        "rematch",
        "admin rematch <person>",
        "end a person's match and put them back in the pool for the next round",
        coordinator.rematch,
        True,
    ),
    Verb(
        "broadcast",
        "admin broadcast <text>",
        "message every participant",
        coordinator.broadcast,
        True,
    ),
    Verb(
        "audit",
        "admin audit [page]",
        "what coordinators did, newest first",
        coordinator.audit_log,
        True,
    ),
)
# Coordinator answers show other people's data (exports, health, names): never in a room.
ADMIN = Verb("admin", "admin …", "coordinator commands", admin_verb, True, private=True)
VERBS_BY_NAME = {v.name: v for v in (*PARTICIPANT_VERBS, ADMIN)}
ADMIN_BY_NAME = {v.name: v for v in COORDINATOR_VERBS}


def help_text(command: str, *, coordinator: bool, unknown: str | None = None) -> str:
    lines = []
    if unknown is not None:
        lines.append(f"I don't know the command `{unknown}`. Here is what I can do:")
    else:
        lines.append("*mentorbot* — mentoring, right here in chat. Commands:")
    lines.extend(f"• `{command} {v.usage}` — {v.summary}" for v in PARTICIPANT_VERBS)
    lines.append(
        "While answering questions one at a time, type `back` to change your previous answer, "
        "`skip` to leave out an optional question, or `cancel` to stop (your answers are kept)."
    )
    if coordinator:
        lines.append("*Coordinators*")
        lines.extend(f"• `{command} {v.usage}` — {v.summary}" for v in COORDINATOR_VERBS)
    return "\n".join(lines)

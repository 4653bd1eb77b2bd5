"""Coordinator verbs that read or steer a program: status, stats, export, end-match, broadcast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from core.content import File, Reply, plural
from core.context import Context
from core.coordinator import audit
from core.coordinator.chart import health_chart
from core.coordinator.export import build_export
from core.coordinator.stats import CycleStats, cycle_stats
from core.domain import (
    CheckInAnswer,
    Health,
    MatchRecord,
    MatchStatus,
    Participant,
    ParticipantStatus,
    key_of,
)
from core.engagement.flow import EndReason, Outgoing, end_match
from core.engagement.health import match_health
from core.programs.program import Role
from core.reminders.kinds import MESSAGE_KINDS
from core.reminders.planning import members_of

MAX_LISTED = 30  # running matches listed one per line by `admin stats`


def _state(person: Participant, ctx: Context) -> str:
    if person.status is ParticipantStatus.PAUSED and not person.is_paused(ctx.now):
        return "active"  # the pause has run out; auto-resume may not have run yet
    return person.status.value


async def status(ctx: Context) -> Reply:
    people = await ctx.uow.participants.list(ctx.state_id)
    counts: Counter[tuple[str, str]] = Counter()
    for person in people:
        for role in person.roles or {None}:
            counts[(role.value if role else "undecided", _state(person, ctx))] += 1
    capacity = sum(
        p.capacity for p in people if Role.MENTOR in p.roles and _state(p, ctx) == "active"
    )

    def line(role: str) -> str:
        parts = [f"{counts[(role, s)]} {s}" for s in ("active", "paused", "onboarding")]
        return f"• {role}s: " + ", ".join(parts)

    health: Counter[str] = Counter()
    taken: Counter[int] = Counter()  # mentees each mentor has in active matches
    for found in await ctx.uow.matches.list(ctx.state_id):
        health[(await match_health(ctx.uow, ctx.program, found, ctx.now)).value] += 1
        for mentor_id in found.ids(Role.MENTOR):
            taken[mentor_id] += len(found.ids(Role.MENTEE))
    free = sum(
        max(0, p.capacity - taken[p.key])
        for p in people
        if Role.MENTOR in p.roles and _state(p, ctx) == "active"
    )
    onboarding = sum(1 for p in people if p.status is ParticipantStatus.ONBOARDING)
    left = sum(1 for p in people if p.status is ParticipantStatus.LEFT)
    sent = await ctx.uow.reminders.counts(ctx.state_id, MESSAGE_KINDS)
    return Reply().say(
        "\n".join(
            [
                f"*{ctx.program.name}* — enrolment {enrolment_word(ctx)}",
                line("mentee"),
                line("mentor"),
                f"• mentee places offered by active mentors: {capacity}, {free} still free",
                f"• part-way through joining: {onboarding}",
                "• matches: "
                + ", ".join(f"{health[h.value]} {h.value}" for h in Health)
                + f" — {sum(health.values())} running",
                f"• left: {left}",
                f"• messages: {sent.delivered} delivered, {sent.failed} failed, "
                f"{plural(sent.unreachable, 'person', 'people')} unreachable by DM",
            ]
        )
    )


def enrolment_word(ctx: Context) -> str:
    return "open" if ctx.state.enrolment_open else "closed"


async def stats(ctx: Context) -> Reply:
    """Figures of the current cycle beside the previous one, the running matches, a chart."""
    cycles = await cycle_stats(ctx.uow, ctx.program, ctx.state_id, ctx.now)
    if not cycles:
        return Reply().say(
            f"*{ctx.program.name}* has had no matching round yet, so there are no figures to "
            f"show. `{ctx.command} admin status` shows who has joined."
        )
    reply = Reply().say(_figures(ctx, cycles), await _running(ctx))
    chart = health_chart(ctx.program.name, cycles[0])
    return reply.say(
        File(
            f"{ctx.program.id}-cycle-{cycles[0].number}-health.png",
            "image/png",
            chart,
            alt_text=f"{ctx.program.name}, cycle {cycles[0].number}: matches by health per week "
            "and the check-in response rate",
        )
    )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _figures(ctx: Context, cycles: list[CycleStats]) -> str:
    now = cycles[0]
    before = cycles[1] if len(cycles) > 1 else None

    def row(label: str, value: Callable[[CycleStats], str]) -> str:
        earlier = f" · cycle {before.number}: {value(before)}" if before else ""
        return f"• {label}: {value(now)}{earlier}"

    def health(c: CycleStats) -> str:
        return ", ".join(f"{c.health[h]} {h.value}" for h in Health)

    def rate(c: CycleStats) -> str:
        return f"{_percent(c.response_rate)} ({c.answered} of {plural(c.asked, 'answer')})"

    def feedback(c: CycleStats) -> str:
        if c.feedback is None:
            return "none yet"
        return f"{c.feedback:.1f}/5 from {plural(len(c.ratings), 'answer')}"

    running = "so far" if ctx.now < now.ends_at else "ended"
    title = (
        f"*{ctx.program.name}* — cycle {now.number} ({now.starts_at:%d %b}–{now.ends_at:%d %b}, "
        f"{running})" + (f" beside cycle {before.number}" if before else "")
    )
    return "\n".join(
        [
            title,
            row("mentees enrolled", lambda c: str(c.enrolled[Role.MENTEE])),
            row("mentors enrolled", lambda c: str(c.enrolled[Role.MENTOR])),
            row("profiles complete", lambda c: str(c.complete)),
            row("mentees matched", lambda c: f"{c.matched}, {c.waiting} waiting"),
            row("matches", lambda c: f"{c.matches} ({health(c)})"),
            row("check-in response rate", rate),
            row("meetings reported", lambda c: str(c.meetings)),
            row("goals done", lambda c: f"{c.goals_done} of {c.goals}"),
            row("average feedback", feedback),
        ]
    )


async def _running(ctx: Context) -> str:
    """The matches running now, one line each (for `admin end-match N`)."""
    matches = await ctx.uow.matches.list(ctx.state_id)
    if not matches:
        return f"*{ctx.program.name}* has no matches running now."
    lines = [f"{plural(len(matches), 'match', 'matches')} running:"]
    for found in matches[:MAX_LISTED]:
        people = await members_of(ctx.uow, found)
        names = " & ".join(p.safe_name for p in people)
        health = await match_health(ctx.uow, ctx.program, found, ctx.now)
        checkins = await ctx.uow.engagement.checkins(found.key)
        rounds = {c.number for c in checkins}
        met = {c.number for c in checkins if c.answer is CheckInAnswer.YES}
        goals = await ctx.uow.engagement.goals(found.key)
        done = sum(1 for g in goals if g.progress.value == "done")
        lines.append(
            f"• #{found.key} {names} — {health.value}, since {found.created_at:%d %b}; "
            f"met at {len(met)} of {plural(len(rounds), 'check-in')}; "
            f"goals {done}/{len(goals)} done"
        )
    if len(matches) > MAX_LISTED:
        lines.append(f"…and {len(matches) - MAX_LISTED} more (all of them are in the export).")
    lines.append(f"`{ctx.command} admin end-match N` ends match #N.")
    return "\n".join(lines)


async def export(ctx: Context, args: tuple[str, ...]) -> Reply:
    """`admin export [anonymised]`: every file of the program as a zip, to the coordinator."""
    wanted = " ".join(args).lower()
    if wanted not in ("", "anonymised", "anonymized"):
        return Reply().say(
            f"Use `{ctx.command} admin export` for everything, or "
            f"`{ctx.command} admin export anonymised` without names or free text."
        )
    anonymised = bool(wanted)
    await audit.record(ctx, audit.AuditAction.EXPORT, "anonymised" if anonymised else "full")
    built = await build_export(ctx.uow, ctx.program, ctx.state_id, anonymised=anonymised)
    kind = "anonymised " if anonymised else ""
    suffix = "-anonymised" if anonymised else ""
    file = File(
        f"{ctx.program.id}-export-{ctx.now:%Y-%m-%d}{suffix}.zip",
        "application/zip",
        built.data,
        alt_text=f"{ctx.program.name}: {kind}export (a zip of CSV files)",
    )
    what = (
        "Names and free text are left out, and everyone has a pseudonym that stays the same "
        "across the files of this export."
        if anonymised
        else "participants.csv can be imported again with `mentorbot roster import`."
    )
    return Reply().say(
        f"*{ctx.program.name}* — {kind}export: {plural(built.participants, 'participant')}, "
        f"{plural(built.matches, 'match', 'matches')}; participants, matches, check-ins, goals, "
        f"feedback and the audit log as CSV files in one zip. {what}",
        file,
    )


async def end(ctx: Context, target: str) -> tuple[Reply, Outgoing]:
    """End match #N now: it enters the history, its space is archived, members give feedback."""
    key = key_of(target)
    found: MatchRecord | None = await ctx.uow.matches.get(key) if key is not None else None
    if found is None or found.program_state_id != ctx.state_id:
        return Reply().say(
            f"There is no match #{target}; `{ctx.command} admin stats` lists them."
        ), Outgoing()
    if found.status is not MatchStatus.ACTIVE:
        return Reply().say(f"Match #{found.key} has already ended."), Outgoing()
    out = Outgoing()
    await end_match(ctx.uow, ctx.program, found, ctx.now, out, EndReason.COORDINATOR)
    await audit.record(ctx, audit.AuditAction.END_MATCH, f"match #{found.key}")
    return Reply().say(
        f"Match #{found.key} has ended; its members were told and asked for feedback."
    ), out

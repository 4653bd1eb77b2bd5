"""Coordinator verbs that read or steer a program: status, stats, export, end-match, broadcast."""

from __future__ import annotations

import csv
import io
from collections import Counter
from statistics import mean

from core.content import File, Reply, Text, plural, user_text
from core.context import Context
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
from core.identity import Conversation
from core.programs.answers import describe_answer
from core.programs.program import Role
from core.reminders.kinds import MESSAGE_KINDS
from core.reminders.planning import members_of


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
    """Per-match numbers for reports: health, check-ins met, goals done, feedback."""
    matches = await ctx.uow.matches.list(ctx.state_id)
    if not matches:
        return Reply().say(f"*{ctx.program.name}* has no matches running yet.")
    lines = [f"*{ctx.program.name}* — {plural(len(matches), 'match', 'matches')} running"]
    ratings: list[int] = []
    feedback = await ctx.uow.engagement.feedback_for(ctx.state_id)
    for found in matches:
        people = await members_of(ctx.uow, found)
        names = " & ".join(p.safe_name for p in people)
        health = await match_health(ctx.uow, ctx.program, found, ctx.now)
        checkins = await ctx.uow.engagement.checkins(found.key)
        rounds = {c.number for c in checkins}
        met = {c.number for c in checkins if c.answer is CheckInAnswer.YES}
        goals = await ctx.uow.engagement.goals(found.key)
        done = sum(1 for g in goals if g.progress.value == "done")
        scores = [f.rating for f in feedback if f.match_id == found.key and f.rating]
        ratings.extend(scores)
        rating = f", feedback {mean(scores):.1f}/5" if scores else ""
        lines.append(
            f"• #{found.key} {names} — {health.value}, since {found.created_at:%d %b}; "
            f"met at {len(met)} of {plural(len(rounds), 'check-in')}; "
            f"goals {done}/{len(goals)} done{rating}"
        )
    if ratings:
        lines.append(
            f"Average feedback: {mean(ratings):.1f}/5 from {plural(len(ratings), 'answer')}"
        )
    lines.append(f"`{ctx.command} admin end-match N` ends match #N.")
    return Reply().say("\n".join(lines))


async def export(ctx: Context) -> Reply:
    """Participants and their answers as a CSV file (labels, not values), for a spreadsheet."""
    people = [p for p in await ctx.uow.participants.list(ctx.state_id)]
    questions = ctx.program.questions
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name", "roles", "status", "capacity", *[q.id for q in questions]])
    for person in people:
        writer.writerow(
            [
                person.user.user_id,
                person.display_name,
                ";".join(sorted(r.value for r in person.roles)),
                _state(person, ctx),
                person.capacity,
                *[
                    describe_answer(q, person.answers.get(q.id)) if q.id in person.answers else ""
                    for q in questions
                ],
            ]
        )
    file = File(
        f"{ctx.program.id}-participants.csv",
        "text/csv",
        out.getvalue().encode("utf-8"),
        alt_text=f"{ctx.program.name}: participants and their answers (CSV)",
    )
    count = plural(len(people), "participant")
    return Reply().say(f"*{ctx.program.name}*: {count} and their answers, as a CSV file.", file)


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
    return Reply().say(
        f"Match #{found.key} has ended; its members were told and asked for feedback."
    ), out


async def broadcast(ctx: Context, text: str) -> Reply:
    """A message to every active participant; their text is shown, never their markup."""
    if not text.strip():
        return Reply().say(f"Write the message after the word: `{ctx.command} admin broadcast …`.")
    body = Text(f"📢 From the *{ctx.program.name}* coordinators:\n{user_text(text, limit=2000)}")
    reached = 0
    for person in await ctx.uow.participants.list(ctx.state_id):
        if _state(person, ctx) == "active":
            ctx.notify(Conversation.dm(person.user), body)
            reached += 1
    return Reply().say(f"Sent to {plural(reached, 'active participant')}.")

"""`my-data`: everything the bot stores about the person who asks, as a JSON file for them alone.

It covers the person's profile in every program of their workspace. Other people appear only
by the name the person already sees in chat (who they were matched with or asked); never
their answers, goals or feedback.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from core.content import File, Reply, plural
from core.context import Context
from core.domain import FORGOTTEN_NAME, MatchStatus, Participant
from core.identity import Conversation
from core.programs.program import Role
from core.reminders.messages import conversation_recipient

FILE_NAME = "mentorbot-my-data.json"


def _when(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


async def _name(ctx: Context, participant_id: int) -> str:
    other = await ctx.uow.participants.get(participant_id)
    return other.display_name if other is not None else FORGOTTEN_NAME


async def _matches(ctx: Context, person: Participant) -> list[dict[str, Any]]:
    uow, pid = ctx.uow, person.key
    statuses = (MatchStatus.ACTIVE, MatchStatus.ENDED)
    checkins = await uow.privacy.checkins(pid)
    activity = await uow.privacy.activity(pid)
    votes = await uow.privacy.votes(pid)
    found = []
    for match in await uow.matches.for_participant(pid, statuses):
        role = Role.MENTOR if pid in match.ids(Role.MENTOR) else Role.MENTEE
        found.append(
            {
                "match": match.key,
                "your_role": role.value,
                "with": [
                    await _name(ctx, m.participant_id)
                    for m in match.members
                    if m.participant_id != pid
                ],
                "status": match.status.value,
                "since": _when(match.created_at),
                "ends_at": _when(match.ends_at),
                "ended_at": _when(match.ended_at),
                "space": match.space.name if match.space else None,
                "why": match.explanation,
                "goals": [
                    {
                        "goal": goal.text,
                        "progress": goal.progress.value,
                        "set_at": _when(goal.created_at),
                        "updated_at": _when(goal.updated_at),
                    }
                    for goal in await uow.engagement.goals(match.key)
                    if goal.participant_id == pid
                ],
                "checkins": [
                    {
                        "number": c.number,
                        "answer": c.answer.value,
                        "answered_at": _when(c.answered_at),
                    }
                    for match_id, c in checkins
                    if match_id == match.key
                ],
                "messages_per_day": {
                    _when(a.day): a.messages for a in activity if a.match_id == match.key
                },
                "end_of_cycle_vote": next(
                    (
                        {"choice": v.choice, "answered_at": _when(v.answered_at)}
                        for v in votes
                        if v.match_id == match.key
                    ),
                    None,
                ),
            }
        )
    return found


async def _requests(ctx: Context, person: Participant) -> list[dict[str, Any]]:
    found = []
    for request in await ctx.uow.privacy.requests(person.key):
        asked = request.mentee_id == person.key
        found.append(
            {
                "you": "asked" if asked else "were asked",
                "mentor" if asked else "mentee": await _name(
                    ctx, request.mentor_id if asked else request.mentee_id
                ),
                "status": request.status.value,
                "sent_at": _when(request.created_at),
                "expires_at": _when(request.expires_at),
                "answered_at": _when(request.answered_at),
            }
        )
    return found


async def program_record(ctx: Context, person: Participant) -> dict[str, Any]:
    """One program's part of the file: the profile and everything hanging off it."""
    uow, pid = ctx.uow, person.key
    state = await uow.programs.get(person.program_state_id)
    session = await uow.onboarding.get(pid)
    recipients = [conversation_recipient(Conversation.dm(person.user))]
    return {
        "program": state.program_key if state else None,
        "profile": {
            "display_name": person.display_name,
            "roles": sorted(r.value for r in person.roles),
            "status": person.status.value,
            "mentee_capacity": person.capacity if Role.MENTOR in person.roles else None,
            "joined_at": _when(person.joined_at),
            "policy_accepted_at": _when(person.policy_accepted_at),
            "paused_until": _when(person.paused_until),
            "left_at": _when(person.left_at),
        },
        "answers": person.answers,
        "unfinished_answers": session.draft if session else {},
        "matches": await _matches(ctx, person),
        "feedback_you_gave": [
            {
                "match": f.match_id,
                "when": f.kind,
                "rating": f.rating,
                "comment": f.comment,
                "answered_at": _when(f.answered_at),
            }
            for f in await uow.engagement.feedback_of(pid)
        ],
        "requests": await _requests(ctx, person),
        "reminders_pending": [
            {"kind": r.kind, "due_at": _when(r.due_at)}
            for r in await uow.privacy.pending(pid, recipients)
        ],
    }


async def my_data(ctx: Context, args: tuple[str, ...]) -> Reply:
    people = await ctx.uow.participants.everywhere(ctx.user)
    if not people:
        return Reply(private=True).say("I store nothing about you here.")
    programs = [await program_record(ctx, person) for person in people]
    record = {
        "about": "Everything mentorbot stores about you in this workspace.",
        "exported_at": _when(ctx.now),
        "you": {
            "platform": ctx.user.platform,
            "workspace": ctx.user.workspace_id,
            "user": ctx.user.user_id,
        },
        "programs": programs,
    }
    data = json.dumps(record, indent=2, ensure_ascii=False).encode()
    matches = sum(len(p["matches"]) for p in programs)
    summary = (
        f"Everything I store about you is in the file below: "
        f"{plural(len(programs), 'program')}, {plural(matches, 'match', 'matches')}. "
        f"`{ctx.command} forget-me` deletes it."
    )
    about = "Your data in mentorbot (JSON)"
    return Reply(private=True).say(summary, File(FILE_NAME, "application/json", data, about))

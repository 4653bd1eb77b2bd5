"""The numbers behind `admin stats`: one cycle's figures, and its weeks for the chart.

A cycle's matches are those its round formed (the current cycle also counts matches from
earlier cycles that are still running, e.g. extended ones). Figures are taken at the cycle's
end, or now for a cycle still running, and for the previous cycle when the current one began:

- enrolled: people with that role who had started joining by then and have not left;
  profiles complete: those of them who had finished the questionnaire and accepted the policy;
- matched: mentees in the cycle's matches; waiting: mentees with a complete profile who were not;
- health: each match by `core.engagement.health.classify` on that day;
- check-in response rate: answers given ÷ answers asked (check-in n of a match falls due
  n × `checkin_every_days` after it was formed, one answer asked of each member);
- meetings reported: check-ins at which someone said they met; goals done; average feedback.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean

from core.domain import (
    CheckIn,
    CheckInAnswer,
    Cycle,
    GoalProgress,
    Health,
    MatchRecord,
    MatchStatus,
    Participant,
    ParticipantStatus,
)
from core.engagement.health import classify
from core.ports import UnitOfWork
from core.programs.program import Program, Role


@dataclass(slots=True)
class MatchFacts:
    """What one match's figures are computed from (read once)."""

    match: MatchRecord
    active_days: list[date]
    checkins: list[CheckIn]
    goals_done: int
    goals: int
    ratings: list[int]

    def health_on(self, day: date, limit: int) -> Health:
        created = self.match.created_at.date()
        engaged = [created, *(d for d in self.active_days if d <= day)]
        seen = [c for c in self.checkins if c.answered_at.date() <= day]
        engaged.extend(c.answered_at.date() for c in seen if c.answer is CheckInAnswer.YES)
        return classify((day - max(engaged)).days, seen, limit)

    def asked(self, until: datetime, every_days: int) -> int:
        """Check-ins that had fallen due by `until` (at least the ones answered)."""
        end = min(until, self.match.ended_at or until)
        due = max(0, (end - self.match.created_at) // timedelta(days=every_days))
        answered = [c.number for c in self.checkins if c.answered_at <= until]
        return max(due, *answered) if answered else due


@dataclass(slots=True)
class WeekPoint:
    week: int
    health: Counter[Health]
    response_rate: float | None  # answers so far ÷ asked so far (None: nothing asked yet)


@dataclass(slots=True)
class CycleStats:
    number: int
    starts_at: datetime
    ends_at: datetime
    enrolled: Counter[Role] = field(default_factory=Counter)
    complete: int = 0
    matched: int = 0
    waiting: int = 0
    health: Counter[Health] = field(default_factory=Counter)
    asked: int = 0
    answered: int = 0
    meetings: int = 0
    goals_done: int = 0
    goals: int = 0
    ratings: list[int] = field(default_factory=list)
    weeks: list[WeekPoint] = field(default_factory=list)

    @property
    def matches(self) -> int:
        return sum(self.health.values())

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def feedback(self) -> float | None:
        return mean(self.ratings) if self.ratings else None


async def cycle_stats(
    uow: UnitOfWork, program: Program, state_id: int, now: datetime
) -> list[CycleStats]:
    """The current cycle, then the previous one (as many as exist: none before a first round)."""
    cycles = await uow.cycles.all(state_id)
    if not cycles:
        return []
    people = await uow.participants.list(state_id)
    matches = await uow.matches.list(state_id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
    ratings: dict[int, list[int]] = {}
    for answer in await uow.engagement.feedback_for(state_id):
        if answer.rating:
            ratings.setdefault(answer.match_id, []).append(answer.rating)
    known = await uow.engagement.engagement_in(state_id)
    facts = []
    for m in matches:
        goals = known.goals.get(m.key, [])
        done = sum(1 for g in goals if g.progress is GoalProgress.DONE)
        days, checkins = known.active_days.get(m.key, []), known.checkins.get(m.key, [])
        facts.append(MatchFacts(m, days, checkins, done, len(goals), ratings.get(m.key, [])))
    current, *earlier = reversed(cycles)
    out = [_one(program, current, people, facts, now, current=True)]
    if earlier:  # as it stood when the current cycle began
        until = min(now, current.starts_at)
        out.append(_one(program, earlier[0], people, facts, until, current=False))
    return out


def _one(
    program: Program,
    cycle: Cycle,
    people: list[Participant],
    facts: list[MatchFacts],
    now: datetime,
    *,
    current: bool,
) -> CycleStats:
    at = min(now, cycle.ends_at)
    day, limit = at.date(), program.cadence.nudge_after_days
    every = program.cadence.checkin_every_days
    mine = [
        f
        for f in facts
        if f.match.cycle_id == cycle.id or (current and f.match.status is MatchStatus.ACTIVE)
    ]
    stats = CycleStats(cycle.number, cycle.starts_at, cycle.ends_at)
    staying = [p for p in people if p.status is not ParticipantStatus.LEFT and p.joined_at <= at]
    for person in staying:
        stats.enrolled.update(person.roles)
    complete = [
        p for p in staying if p.policy_accepted_at is not None and p.policy_accepted_at <= at
    ]
    stats.complete = len(complete)
    matched = {pid for f in mine for pid in f.match.ids(Role.MENTEE)}
    stats.matched = len(matched)
    stats.waiting = sum(1 for p in complete if Role.MENTEE in p.roles and p.key not in matched)
    for f in mine:
        ended = f.match.ended_at.date() if f.match.ended_at else day
        stats.health[f.health_on(min(day, ended), limit)] += 1
        asked = f.asked(at, every)
        members = len(f.match.members)
        stats.asked += asked * members
        stats.answered += len(
            {(c.number, c.participant_id) for c in f.checkins if c.number <= asked}
        )
        stats.meetings += len({c.number for c in f.checkins if c.answer is CheckInAnswer.YES})
        stats.goals_done += f.goals_done
        stats.goals += f.goals
        stats.ratings.extend(f.ratings)
    stats.weeks = _weeks(cycle, mine, at, limit, every)
    return stats


def _weeks(
    cycle: Cycle, mine: list[MatchFacts], at: datetime, limit: int, every: int
) -> list[WeekPoint]:
    """Each week of the cycle so far: the health of its matches at the week's end, and the
    check-in response rate up to then."""
    elapsed = max(timedelta(days=1), at - cycle.starts_at)
    points = []
    for week in range(1, -(-elapsed // timedelta(days=7)) + 1):
        end = min(at, cycle.starts_at + timedelta(days=7 * week))
        health: Counter[Health] = Counter()
        asked = answered = 0
        for f in mine:
            if f.match.created_at > end:
                continue
            if f.match.ended_at is None or f.match.ended_at > end:
                health[f.health_on(end.date(), limit)] += 1
            due = f.asked(end, every)
            asked += due * len(f.match.members)
            answered += len(
                {
                    (c.number, c.participant_id)
                    for c in f.checkins
                    if c.number <= due and c.answered_at <= end
                }
            )
        points.append(WeekPoint(week, health, answered / asked if asked else None))
    return points

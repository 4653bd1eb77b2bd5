"""How a match is doing: active, quiet or at risk, from its space's activity and check-ins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from core.domain import CheckIn, CheckInAnswer, Health, MatchRecord
from core.ports import UnitOfWork
from core.programs.program import Program


async def last_engaged(uow: UnitOfWork, match: MatchRecord) -> date:
    """The last day anyone wrote in the space or said at a check-in that they met."""
    days = [match.created_at.date()]
    if (written := await uow.engagement.last_activity(match.key)) is not None:
        days.append(written)
    days.extend(
        c.answered_at.date()
        for c in await uow.engagement.checkins(match.key)
        if c.answer is CheckInAnswer.YES
    )
    return max(days)


async def match_health(
    uow: UnitOfWork, program: Program, match: MatchRecord, now: datetime
) -> Health:
    """At risk after 2N quiet days or two check-ins nobody met at; quiet after N quiet days."""
    idle = (now.date() - await last_engaged(uow, match)).days
    checkins = await uow.engagement.checkins(match.key)
    return classify(idle, checkins, program.cadence.nudge_after_days)


def classify(idle: int, checkins: Iterable[CheckIn], limit: int) -> Health:
    """The rule of `match_health`, from the days since anyone engaged and the check-ins
    answered so far (`core.coordinator.stats` applies it to past weeks)."""
    rounds: dict[int, set[CheckInAnswer]] = {}
    for checkin in checkins:
        rounds.setdefault(checkin.number, set()).add(checkin.answer)
    recent = [rounds[n] for n in sorted(rounds)[-2:]]
    missed = len(recent) == 2 and all(CheckInAnswer.YES not in answers for answers in recent)
    if idle >= 2 * limit or missed:
        return Health.AT_RISK
    if idle >= limit:
        return Health.QUIET
    return Health.ACTIVE

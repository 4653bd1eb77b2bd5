"""Engagement records of matches: activity counts, check-ins, goals, feedback, end votes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import (
    CheckIn,
    CheckInAnswer,
    Feedback,
    Goal,
    GoalProgress,
    ProgramEngagement,
)
from storage.repositories import insert_ignoring_conflicts
from storage.tables import ActivityRow, CheckInRow, EndVoteRow, FeedbackRow, GoalRow, MatchRow


class SqlEngagementRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def record_activity(self, match_id: int, participant_id: int, day: date) -> None:
        """Insert-or-increment, race-safe: ON CONFLICT DO NOTHING, then one UPDATE."""
        await self._session.execute(
            insert_ignoring_conflicts(
                self._dialect,
                ActivityRow.__table__,  # type: ignore[arg-type]
                {"match_id": match_id, "participant_id": participant_id, "day": day, "messages": 0},
                ["match_id", "participant_id", "day"],
            )
        )
        await self._session.execute(
            update(ActivityRow)
            .where(
                ActivityRow.match_id == match_id,  # type: ignore[arg-type]
                ActivityRow.participant_id == participant_id,  # type: ignore[arg-type]
                ActivityRow.day == day,  # type: ignore[arg-type]
            )
            .values(messages=ActivityRow.messages + 1)
        )

    async def last_activity(self, match_id: int) -> date | None:
        return await self._session.scalar(
            select(func.max(ActivityRow.day)).where(ActivityRow.match_id == match_id)
        )

    async def engagement_in(self, program_state_id: int) -> ProgramEngagement:
        in_program = select(MatchRow.id).where(MatchRow.program_state_id == program_state_id)
        days: dict[int, list[date]] = {}
        for match_id, day in await self._session.execute(
            select(ActivityRow.match_id, ActivityRow.day)
            .where(ActivityRow.match_id.in_(in_program))  # type: ignore[attr-defined]
            .distinct()
            .order_by(ActivityRow.match_id, ActivityRow.day)
        ):
            days.setdefault(match_id, []).append(day)
        checkins: dict[int, list[CheckIn]] = {}
        for r in await self._session.scalars(
            select(CheckInRow)
            .where(CheckInRow.match_id.in_(in_program))  # type: ignore[attr-defined]
            .order_by(CheckInRow.match_id, CheckInRow.number, CheckInRow.participant_id)
        ):
            checkins.setdefault(r.match_id, []).append(
                CheckIn(r.number, r.participant_id, CheckInAnswer(r.answer), r.answered_at)
            )
        goals: dict[int, list[Goal]] = {}
        for row in await self._session.scalars(
            select(GoalRow)
            .where(GoalRow.match_id.in_(in_program))  # type: ignore[attr-defined]
            .order_by(GoalRow.id)
        ):
            goals.setdefault(row.match_id, []).append(_goal(row))
        return ProgramEngagement(days, checkins, goals)

    async def record_checkin(self, match_id: int, checkin: CheckIn) -> None:
        row = await self._session.get(
            CheckInRow, (match_id, checkin.participant_id, checkin.number)
        )
        if row is None:
            self._session.add(
                CheckInRow(
                    match_id=match_id,
                    participant_id=checkin.participant_id,
                    number=checkin.number,
                    answer=checkin.answer.value,
                    answered_at=checkin.answered_at,
                )
            )
        else:
            row.answer, row.answered_at = checkin.answer.value, checkin.answered_at
        await self._session.flush()

    async def checkins(self, match_id: int) -> list[CheckIn]:
        rows = await self._session.scalars(
            select(CheckInRow)
            .where(CheckInRow.match_id == match_id)
            .order_by(CheckInRow.number, CheckInRow.participant_id)
        )
        return [
            CheckIn(r.number, r.participant_id, CheckInAnswer(r.answer), r.answered_at)
            for r in rows
        ]

    async def goals(self, match_id: int) -> list[Goal]:
        rows = await self._session.scalars(
            select(GoalRow).where(GoalRow.match_id == match_id).order_by(GoalRow.id)
        )
        return [_goal(r) for r in rows]

    async def add_goal(self, goal: Goal) -> Goal:
        row = GoalRow(
            match_id=goal.match_id,
            participant_id=goal.participant_id,
            text=goal.text,
            progress=goal.progress.value,
            created_at=goal.created_at,
            updated_at=goal.updated_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _goal(row)

    async def save_goal(self, goal: Goal) -> None:
        row = await self._session.get(GoalRow, goal.id)
        if row is None:
            raise LookupError(f"goal {goal.id} does not exist")
        row.text, row.progress, row.updated_at = goal.text, goal.progress.value, goal.updated_at
        await self._session.flush()

    async def delete_goal(self, goal_id: int) -> None:
        await self._session.execute(delete(GoalRow).where(GoalRow.id == goal_id))  # type: ignore[arg-type]

    async def save_feedback(self, feedback: Feedback) -> None:
        key = (feedback.match_id, feedback.participant_id, feedback.kind)
        row = await self._session.get(FeedbackRow, key)
        if row is None:
            row = FeedbackRow(
                match_id=feedback.match_id,
                participant_id=feedback.participant_id,
                kind=feedback.kind,
                answered_at=feedback.answered_at,
            )
            self._session.add(row)
        row.rating, row.comment, row.answered_at = (
            feedback.rating,
            feedback.comment,
            feedback.answered_at,
        )
        await self._session.flush()

    async def feedback_of(self, participant_id: int) -> list[Feedback]:
        rows = await self._session.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.participant_id == participant_id)
            .order_by(FeedbackRow.answered_at)
        )
        return [_feedback(r) for r in rows]

    async def feedback_for(self, program_state_id: int) -> list[Feedback]:
        rows = await self._session.scalars(
            select(FeedbackRow)
            .join(MatchRow, MatchRow.id == FeedbackRow.match_id)
            .where(MatchRow.program_state_id == program_state_id)
            .order_by(FeedbackRow.match_id, FeedbackRow.participant_id, FeedbackRow.kind)
        )
        return [_feedback(r) for r in rows]

    async def vote(self, match_id: int, participant_id: int, choice: str, at: datetime) -> None:
        row = await self._session.get(EndVoteRow, (match_id, participant_id))
        if row is None:
            self._session.add(
                EndVoteRow(
                    match_id=match_id, participant_id=participant_id, choice=choice, answered_at=at
                )
            )
        else:
            row.choice, row.answered_at = choice, at
        await self._session.flush()

    async def votes(self, match_id: int) -> dict[int, str]:
        rows = await self._session.scalars(
            select(EndVoteRow).where(EndVoteRow.match_id == match_id)
        )
        return {r.participant_id: r.choice for r in rows}


def _goal(row: GoalRow) -> Goal:
    return Goal(
        id=row.id,
        match_id=row.match_id,
        participant_id=row.participant_id,
        text=row.text,
        created_at=row.created_at,
        updated_at=row.updated_at,
        progress=GoalProgress(row.progress),
    )


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        match_id=row.match_id,
        participant_id=row.participant_id,
        kind=row.kind,
        answered_at=row.answered_at,
        rating=row.rating,
        comment=row.comment,
    )

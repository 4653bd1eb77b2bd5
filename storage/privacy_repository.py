"""What the bot holds about a person, forgetting it, retention (`core.ports.PrivacyRepository`).

Forgetting keeps the participant row as an anonymous placeholder: its id stays in
`match_member`, `checkin`, `activity` and `end_vote`, so other people's history, the no-repeat
rule and statistics do not change; everything that says who the person was goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from core.domain import (
    FORGOTTEN,
    FORGOTTEN_NAME,
    CheckIn,
    CheckInAnswer,
    MentorRequest,
    RequestStatus,
)
from core.identity import ConversationKind, PlatformUser
from core.ports import Activity, Vote
from core.reminders.kinds import ReminderKind
from core.reminders.outbox import Reminder, ReminderStatus
from storage.match_repositories import _request
from storage.prompt_registry import PromptRow
from storage.reminder_repository import _reminder
from storage.tables import (
    ActivityRow,
    AnswerRow,
    AuditEntryRow,
    CheckInRow,
    EndVoteRow,
    FeedbackRow,
    GoalRow,
    MatchMemberRow,
    MatchRow,
    MentorRequestRow,
    OnboardingSessionRow,
    ParticipantRow,
    ProgramCoordinatorRow,
    ReminderRow,
)

UNFINISHED = (ReminderStatus.PENDING.value, ReminderStatus.CLAIMED.value)
WORDED = (ReminderKind.MESSAGE.value, ReminderKind.UNREACHABLE.value)
"""Kinds whose payload holds words (a message's content, who could not be reached); the
others hold numbers and ids."""


def _reminders() -> Table:
    return ReminderRow.__table__  # type: ignore[return-value]


def scrub(lines: Any, names: Sequence[str], replacement: str) -> Any:
    """An explanation (a list of sentences) with every one of `names` replaced (capitalised
    where it starts a sentence)."""
    if not isinstance(lines, list):
        return lines
    out = []
    for line in lines:
        if isinstance(line, str):
            for name in sorted(filter(None, names), key=len, reverse=True):
                line = line.replace(name, replacement)
            if line.startswith(replacement):
                line = replacement[:1].upper() + line[1:]
        out.append(line)
    return out


class SqlPrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def activity(self, participant_id: int) -> list[Activity]:
        rows = await self._session.execute(
            select(ActivityRow.match_id, ActivityRow.day, ActivityRow.messages)
            .where(ActivityRow.participant_id == participant_id)
            .order_by(ActivityRow.day, ActivityRow.match_id)
        )
        return [Activity(match, day, count) for match, day, count in rows]

    async def checkins(self, participant_id: int) -> list[tuple[int, CheckIn]]:
        rows = await self._session.scalars(
            select(CheckInRow)
            .where(CheckInRow.participant_id == participant_id)
            .order_by(CheckInRow.answered_at, CheckInRow.match_id, CheckInRow.number)
        )
        return [
            (
                row.match_id,
                CheckIn(row.number, row.participant_id, CheckInAnswer(row.answer), row.answered_at),
            )
            for row in rows
        ]

    async def votes(self, participant_id: int) -> list[Vote]:
        rows = await self._session.scalars(
            select(EndVoteRow)
            .where(EndVoteRow.participant_id == participant_id)
            .order_by(EndVoteRow.answered_at, EndVoteRow.match_id)
        )
        return [Vote(row.match_id, row.choice, row.answered_at) for row in rows]

    async def requests(self, participant_id: int) -> list[MentorRequest]:
        rows = await self._session.scalars(
            select(MentorRequestRow)
            .where(
                or_(
                    MentorRequestRow.mentee_id == participant_id,
                    MentorRequestRow.mentor_id == participant_id,
                )
            )
            .order_by(MentorRequestRow.id)
        )
        return [_request(row) for row in rows]

    async def pending(self, participant_id: int, recipients: Sequence[str]) -> list[Reminder]:
        table = _reminders()
        rows = await self._session.execute(
            select(table)
            .where(table.c.status.in_(UNFINISHED), self._about(participant_id, recipients))
            .order_by(table.c.due_at, table.c.id)
        )
        return [_reminder(row) for row in rows]

    @staticmethod
    def _about(participant_id: int, recipients: Sequence[str]) -> Any:
        """Outbox rows for the person, to them, or for a match of theirs (its check-ins)."""
        table = _reminders()
        matches = select(MatchMemberRow.match_id).where(
            MatchMemberRow.participant_id == participant_id
        )
        return or_(
            table.c.participant_id == participant_id,
            table.c.recipient.in_([f"participant:{participant_id}", *recipients]),
            table.c.match_id.in_(matches),
        )

    async def forget(
        self,
        participant_id: int,
        *,
        user: PlatformUser,
        recipients: Sequence[str],
        names: Sequence[str],
        replacement: str,
        at: datetime,
    ) -> None:
        session, pid = self._session, participant_id
        for table in (AnswerRow, OnboardingSessionRow, GoalRow):
            await session.execute(delete(table).where(table.participant_id == pid))  # type: ignore[arg-type]
        await session.execute(
            update(FeedbackRow).where(FeedbackRow.participant_id == pid).values(comment="")  # type: ignore[arg-type]
        )
        matches = select(MatchMemberRow.match_id).where(MatchMemberRow.participant_id == pid)
        for row in await session.scalars(select(MatchRow).where(MatchRow.id.in_(matches))):  # type: ignore[union-attr]
            row.explanation = scrub(row.explanation, names, replacement)
            flag_modified(row, "explanation")
        for request in await session.scalars(
            select(MentorRequestRow).where(
                or_(MentorRequestRow.mentee_id == pid, MentorRequestRow.mentor_id == pid)
            )
        ):
            request.explanation = scrub(request.explanation, names, replacement)
            flag_modified(request, "explanation")
            if request.status == RequestStatus.PENDING.value:  # nobody is left to answer it
                request.status, request.answered_at = RequestStatus.EXPIRED.value, at
        outbox = _reminders()
        mine = outbox.c.recipient.in_([f"participant:{pid}", *recipients])
        await session.execute(delete(outbox).where(mine, outbox.c.status.in_(UNFINISHED)))
        await session.execute(
            update(outbox)
            .where(
                outbox.c.status.not_in(UNFINISHED),
                outbox.c.kind.in_(WORDED),
                or_(mine, outbox.c.participant_id == pid, outbox.c.match_id.in_(matches)),
            )
            .values(payload={}, last_error=None)
        )
        await session.execute(
            update(outbox).where(mine).values(recipient=f"forgotten:{pid}")
        )  # finished rows only are left: the pending ones were deleted above
        await session.execute(
            delete(PromptRow).where(
                PromptRow.platform == user.platform,  # type: ignore[arg-type]
                PromptRow.workspace_id == user.workspace_id,  # type: ignore[arg-type]
                PromptRow.conversation_kind == ConversationKind.DM.value,  # type: ignore[arg-type]
                PromptRow.conversation_id == user.user_id,  # type: ignore[arg-type]
            )
        )
        await session.execute(
            delete(ProgramCoordinatorRow).where(
                ProgramCoordinatorRow.platform == user.platform,  # type: ignore[arg-type]
                ProgramCoordinatorRow.workspace_id == user.workspace_id,  # type: ignore[arg-type]
                ProgramCoordinatorRow.user_id == user.user_id,  # type: ignore[arg-type]
            )
        )
        await session.execute(  # the actions they took as a coordinator stay, by no one named
            update(AuditEntryRow)
            .where(
                AuditEntryRow.platform == user.platform,  # type: ignore[arg-type]
                AuditEntryRow.workspace_id == user.workspace_id,  # type: ignore[arg-type]
                AuditEntryRow.user_id == user.user_id,  # type: ignore[arg-type]
            )
            .values(
                platform=FORGOTTEN, workspace_id="", user_id=str(pid), actor_name=FORGOTTEN_NAME
            )
        )
        await session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == pid)  # type: ignore[arg-type]
            .values(
                platform=FORGOTTEN,
                workspace_id="",
                user_id=str(pid),
                display_name=FORGOTTEN_NAME,
                status="left",
                paused_until=None,
                policy_accepted_at=None,
                left_at=at,
            )
        )
        # Rows changed behind the session's back: forget every row object (all flushed).
        session.expunge_all()

    async def expire_answers(self, left_before: datetime) -> int:
        expired = select(ParticipantRow.id).where(
            and_(ParticipantRow.status == "left", ParticipantRow.left_at < left_before)  # type: ignore[arg-type, operator]
        )
        with_answers = await self._session.scalars(
            select(AnswerRow.participant_id)
            .where(AnswerRow.participant_id.in_(expired))  # type: ignore[attr-defined]
            .distinct()
        )
        people = list(with_answers)
        if not people:
            return 0
        await self._session.execute(
            delete(AnswerRow).where(AnswerRow.participant_id.in_(people))  # type: ignore[attr-defined]
        )
        await self._session.execute(
            delete(OnboardingSessionRow).where(
                OnboardingSessionRow.participant_id.in_(people)  # type: ignore[attr-defined]
            )
        )
        # Delivered messages about them (an introduction quotes answers) keep no words either.
        outbox = _reminders()
        matches = select(MatchMemberRow.match_id).where(
            MatchMemberRow.participant_id.in_(people)  # type: ignore[attr-defined]
        )
        await self._session.execute(
            update(outbox)
            .where(
                outbox.c.status.not_in(UNFINISHED),
                outbox.c.kind.in_(WORDED),
                or_(outbox.c.participant_id.in_(people), outbox.c.match_id.in_(matches)),
            )
            .values(payload={})
        )
        self._session.expunge_all()
        return len(people)

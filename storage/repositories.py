"""Repositories: core's ports (`core.ports`) on top of one SQLAlchemy `AsyncSession`.

Rows never leave this module: every method takes and returns core's dataclasses. JSON values
(answers, drafts) are copied on the way in and out, so core mutating a returned dict cannot
change what the session holds, and a value that is not JSON fails here, with a clear error.

Repositories flush after each write so constraint violations surface at the call that caused
them; the unit of work (`storage.store`) commits or rolls back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.dml import Insert

from core.domain import (
    Enrolled,
    OnboardingSession,
    OnboardingStep,
    Participant,
    ParticipantStatus,
    ProgramState,
)
from core.identity import PlatformUser
from storage.bulk import enrol_many
from storage.tables import (
    AnswerRow,
    OnboardingSessionRow,
    ParticipantRow,
    ProgramStateRow,
    WorkspaceRow,
)
from storage.values import json_copy, roles_from_text, roles_to_text

PAGE = 250  # participants per page when loading a whole program


def _json_equal(a: Any, b: Any) -> bool:
    """Equal as stored: unlike `==`, tells 1 from 1.0 from True."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def insert_ignoring_conflicts(
    dialect: str, table: Table, values: Mapping[str, Any], keys: list[str]
) -> Insert:
    """INSERT … ON CONFLICT (keys) DO NOTHING, in the dialect's spelling.

    This is how `ensure` stays correct when two instances share PostgreSQL: if another
    transaction inserts the same row first, ours waits for it, inserts nothing, and the
    following SELECT sees the committed row — no IntegrityError, no aborted transaction.
    """
    if dialect == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        return sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    raise ValueError(f"unsupported dialect {dialect!r}")  # pragma: no cover - engine rejects it


class SqlWorkspaceRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def ensure(self, platform: str, external_id: str) -> int:
        query = select(WorkspaceRow.id).where(
            WorkspaceRow.platform == platform, WorkspaceRow.external_id == external_id
        )
        found = await self._session.scalar(query)
        if found is None:
            await self._session.execute(
                insert_ignoring_conflicts(
                    self._dialect,
                    WorkspaceRow.__table__,  # type: ignore[arg-type]
                    {"platform": platform, "external_id": external_id},
                    ["platform", "external_id"],
                )
            )
            found = await self._session.scalar(query)
        if found is None:  # pragma: no cover - the row exists after the insert
            raise RuntimeError(f"workspace {platform}:{external_id} vanished while ensured")
        return found

    async def get(self, workspace_id: int) -> tuple[str, str] | None:
        row = await self._session.get(WorkspaceRow, workspace_id)
        return None if row is None else (row.platform, row.external_id)


def _program_state(row: ProgramStateRow) -> ProgramState:
    assert row.id is not None
    return ProgramState(
        id=row.id,
        workspace_id=row.workspace_id,
        program_key=row.program_key,
        enrolment_open=row.enrolment_open,
    )


class SqlProgramRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def ensure(self, workspace_id: int, program_key: str) -> ProgramState:
        """The program's state in the workspace, created (enrolment open) on first sight."""
        query = select(ProgramStateRow).where(
            ProgramStateRow.workspace_id == workspace_id,
            ProgramStateRow.program_key == program_key,
        )
        row = await self._session.scalar(query)
        if row is None:
            await self._session.execute(
                insert_ignoring_conflicts(
                    self._dialect,
                    ProgramStateRow.__table__,  # type: ignore[arg-type]
                    {
                        "workspace_id": workspace_id,
                        "program_key": program_key,
                        "enrolment_open": True,
                    },
                    ["workspace_id", "program_key"],
                )
            )
            row = await self._session.scalar(query)
        if row is None:  # pragma: no cover - the row exists after the insert
            raise RuntimeError(f"program {program_key!r} vanished while ensured")
        return _program_state(row)

    async def get(self, state_id: int) -> ProgramState | None:
        row = await self._session.get(ProgramStateRow, state_id)
        return None if row is None else _program_state(row)

    async def all(self) -> list[ProgramState]:
        rows = await self._session.scalars(select(ProgramStateRow).order_by(ProgramStateRow.id))
        return [_program_state(row) for row in rows]

    async def save(self, state: ProgramState) -> None:
        row = await self._session.get(ProgramStateRow, state.id)
        if row is None:
            raise LookupError(f"program state {state.id} does not exist")
        row.workspace_id = state.workspace_id
        row.program_key = state.program_key
        row.enrolment_open = state.enrolment_open
        await self._session.flush()


def _participant(row: ParticipantRow, answers: dict[str, Any]) -> Participant:
    return Participant(
        id=row.id,
        program_state_id=row.program_state_id,
        user=PlatformUser(row.platform, row.workspace_id, row.user_id),
        display_name=row.display_name,
        joined_at=row.joined_at,
        roles=roles_from_text(row.roles),
        status=ParticipantStatus(row.status),
        capacity=row.capacity,
        paused_until=row.paused_until,
        policy_accepted_at=row.policy_accepted_at,
        answers=answers,
        left_at=row.left_at,
    )


def _participant_fields(participant: Participant) -> dict[str, Any]:
    return {
        "program_state_id": participant.program_state_id,
        "platform": participant.user.platform,
        "workspace_id": participant.user.workspace_id,
        "user_id": participant.user.user_id,
        "display_name": participant.display_name,
        "roles": roles_to_text(participant.roles),
        "status": ParticipantStatus(participant.status).value,
        "capacity": participant.capacity,
        "paused_until": participant.paused_until,
        "policy_accepted_at": participant.policy_accepted_at,
        "joined_at": participant.joined_at,
        "left_at": participant.left_at,
    }


class SqlParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, program_state_id: int, user: PlatformUser) -> Participant | None:
        row = await self._session.scalar(
            select(ParticipantRow).where(
                ParticipantRow.program_state_id == program_state_id,
                ParticipantRow.platform == user.platform,
                ParticipantRow.workspace_id == user.workspace_id,
                ParticipantRow.user_id == user.user_id,
            )
        )
        return None if row is None else _participant(row, await self._answers_of(row))

    async def get(self, participant_id: int) -> Participant | None:
        row = await self._session.get(ParticipantRow, participant_id)
        return None if row is None else _participant(row, await self._answers_of(row))

    async def add(self, participant: Participant) -> Participant:
        """Insert the participant and their answers; returns a copy with `id` set."""
        if participant.id is not None:
            raise ValueError(f"participant {participant.id} already has an id; use save()")
        answers = json_copy(participant.answers, "answers")
        row = ParticipantRow(**_participant_fields(participant))
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        for question_id, value in answers.items():
            self._session.add(
                AnswerRow(participant_id=row.id, question_id=question_id, value=value)
            )
        await self._session.flush()
        return replace(participant, id=row.id, answers=json_copy(answers, "answers"))

    async def save(self, participant: Participant) -> None:
        """Update the row; answers become exactly `participant.answers` (rows added, changed,
        deleted as needed)."""
        if participant.id is None:
            raise ValueError("participant has no id; use add()")
        row = await self._session.get(ParticipantRow, participant.id)
        if row is None:
            raise LookupError(f"participant {participant.id} does not exist")
        for name, value in _participant_fields(participant).items():
            setattr(row, name, value)
        wanted = json_copy(participant.answers, "answers")
        existing = {
            answer.question_id: answer
            for answer in await self._session.scalars(
                select(AnswerRow).where(AnswerRow.participant_id == participant.id)
            )
        }
        for question_id, value in wanted.items():
            answer = existing.pop(question_id, None)
            if answer is None:
                self._session.add(
                    AnswerRow(participant_id=participant.id, question_id=question_id, value=value)
                )
            elif not _json_equal(answer.value, value):
                answer.value = value
                # SQLAlchemy compares JSON with ==, for which 1 == 1.0 == True: force the UPDATE.
                flag_modified(answer, "value")
        for stale in existing.values():
            await self._session.delete(stale)
        await self._session.flush()

    async def delete(self, participant_id: int) -> None:
        """Delete the participant; the database cascades to answers, onboarding, memberships and
        reminders. Deleting someone who does not exist is not an error."""
        await self._session.execute(
            delete(ParticipantRow).where(ParticipantRow.id == participant_id)
        )
        # The cascade happened in the database, behind the session's back: forget every row
        # object (all are flushed; none was handed out), so nothing stale is served later.
        self._session.expunge_all()

    async def list(self, program_state_id: int) -> list[Participant]:
        """Every participant of the program, ordered by id, a page at a time.

        Each page is two queries (people, then their answers); between pages the event loop
        gets a turn, so loading a 12,000-person program never stalls the chat adapters for long.
        Values read back are fresh objects already, so they are not copied again.
        """
        people: list[Participant] = []
        after = 0
        while True:
            rows = (
                await self._session.execute(
                    select(ParticipantRow.__table__)  # type: ignore[call-overload]
                    .where(
                        ParticipantRow.program_state_id == program_state_id,
                        ParticipantRow.id > after,  # type: ignore[operator]
                    )
                    .order_by(ParticipantRow.id)
                    .limit(PAGE)
                )
            ).all()
            if not rows:
                return people
            answers: dict[int, dict[str, Any]] = {row.id: {} for row in rows}
            result = await self._session.execute(
                select(AnswerRow.participant_id, AnswerRow.question_id, AnswerRow.value)
                .where(AnswerRow.participant_id.in_(answers))  # type: ignore[attr-defined]
                .order_by(AnswerRow.participant_id, AnswerRow.id)
            )
            for participant_id, question_id, value in result:
                answers[participant_id][question_id] = value
            people.extend(_participant(row, answers[row.id]) for row in rows)
            if len(rows) < PAGE:
                return people
            after = rows[-1].id
            await asyncio.sleep(0)

    async def everywhere(self, user: PlatformUser) -> list[Participant]:
        """The person's profile in every program state of their workspace (one index scan)."""
        rows = await self._session.scalars(
            select(ParticipantRow)
            .where(
                ParticipantRow.platform == user.platform,
                ParticipantRow.workspace_id == user.workspace_id,
                ParticipantRow.user_id == user.user_id,
            )
            .order_by(ParticipantRow.id)
        )
        return [_participant(row, await self._answers_of(row)) for row in list(rows)]

    async def enrol_many(self, people: Sequence[Participant]) -> Enrolled:
        """Insert or update many people in a few statements (see `storage.bulk`)."""
        return await enrol_many(self._session, people)

    async def _answers_of(self, row: ParticipantRow) -> dict[str, Any]:
        result = await self._session.execute(
            select(AnswerRow.question_id, AnswerRow.value)
            .where(AnswerRow.participant_id == row.id)
            .order_by(AnswerRow.id)
        )
        return {question_id: json_copy(value, "answer") for question_id, value in result}


def _onboarding(row: OnboardingSessionRow) -> OnboardingSession:
    return OnboardingSession(
        participant_id=row.participant_id,
        step=OnboardingStep(row.step),
        started_at=row.started_at,
        updated_at=row.updated_at,
        roles=roles_from_text(row.roles),
        question_id=row.question_id,
        draft=json_copy(row.draft, "draft"),
    )


class SqlOnboardingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, participant_id: int) -> OnboardingSession | None:
        row = await self._session.get(OnboardingSessionRow, participant_id)
        return None if row is None else _onboarding(row)

    async def save(self, session: OnboardingSession) -> None:
        """Insert or update the participant's onboarding progress."""
        fields = {
            "step": OnboardingStep(session.step).value,
            "roles": roles_to_text(session.roles),
            "question_id": session.question_id,
            "draft": json_copy(session.draft, "draft"),
            "started_at": session.started_at,
            "updated_at": session.updated_at,
        }
        row = await self._session.get(OnboardingSessionRow, session.participant_id)
        if row is None:
            self._session.add(OnboardingSessionRow(participant_id=session.participant_id, **fields))
        else:
            for name, value in fields.items():
                setattr(row, name, value)
        await self._session.flush()

    async def delete(self, participant_id: int) -> None:
        await self._session.execute(
            delete(OnboardingSessionRow).where(
                OnboardingSessionRow.participant_id == participant_id
            )
        )


__all__ = [
    "SqlOnboardingRepository",
    "SqlParticipantRepository",
    "SqlProgramRepository",
    "SqlWorkspaceRepository",
    "roles_from_text",
    "roles_to_text",
]

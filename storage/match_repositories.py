"""Repositories for matching: cycles, matches with their members and spaces, mentee requests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import (
    Cycle,
    MatchMember,
    MatchRecord,
    MatchStatus,
    MentorRequest,
    RequestStatus,
)
from core.identity import SpaceRef
from core.programs.program import Role
from storage.bulk import add_matches
from storage.repositories import json_copy
from storage.tables import (
    CycleRow,
    MatchMemberRow,
    MatchRow,
    MentorRequestRow,
    ParticipantRow,
    SpaceRow,
)


class SqlCycleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, program_state_id: int) -> Cycle | None:
        row = await self._session.scalar(
            select(CycleRow)
            .where(CycleRow.program_state_id == program_state_id)
            .order_by(CycleRow.number.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return None if row is None else _cycle(row)

    async def add(self, cycle: Cycle) -> Cycle:
        row = CycleRow(
            program_state_id=cycle.program_state_id,
            number=cycle.number,
            starts_at=cycle.starts_at,
            ends_at=cycle.ends_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _cycle(row)

    async def all(self, program_state_id: int) -> list[Cycle]:
        rows = await self._session.scalars(
            select(CycleRow)
            .where(CycleRow.program_state_id == program_state_id)
            .order_by(CycleRow.number)
        )
        return [_cycle(row) for row in rows]


def _cycle(row: CycleRow) -> Cycle:
    assert row.id is not None
    return Cycle(row.id, row.program_state_id, row.number, row.starts_at, row.ends_at)


class SqlMatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, match: MatchRecord) -> MatchRecord:
        """Insert the match and its members; an existing idempotency key returns that match."""
        existing = await self._by_key(match.idempotency_key)
        if existing is not None:
            return existing
        row = MatchRow(
            program_state_id=match.program_state_id,
            cycle_id=match.cycle_id,
            status=match.status.value,
            score=match.score,
            explanation=json_copy(match.explanation, "explanation"),
            created_at=match.created_at,
            idempotency_key=match.idempotency_key,
            introduced_at=match.introduced_at,
            ended_at=match.ended_at,
            ends_at=match.ends_at,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
                for member in match.members:
                    self._session.add(
                        MatchMemberRow(
                            match_id=row.id,
                            participant_id=member.participant_id,
                            role=member.role.value,
                        )
                    )
                await self._session.flush()
        except IntegrityError:
            # Another transaction committed the same key first: theirs is the match.
            existing = await self._by_key(match.idempotency_key)
            if existing is None:
                raise
            return existing
        saved = await self.get(row.id or 0)
        assert saved is not None
        return saved

    async def add_many(self, matches: Sequence[MatchRecord]) -> int:
        """Insert many matches in a few statements (see `storage.bulk`); known keys are skipped."""
        return await add_matches(self._session, matches)

    async def get(self, match_id: int) -> MatchRecord | None:
        row = await self._session.get(MatchRow, match_id)
        return None if row is None else (await self._records([row]))[0]

    async def list(
        self, program_state_id: int, statuses: Sequence[MatchStatus] = (MatchStatus.ACTIVE,)
    ) -> list[MatchRecord]:
        rows = await self._session.scalars(
            select(MatchRow)
            .where(
                MatchRow.program_state_id == program_state_id,
                MatchRow.status.in_([s.value for s in statuses]),  # type: ignore[attr-defined]
            )
            .order_by(MatchRow.id)
        )
        return await self._records(list(rows))

    async def for_participant(
        self, participant_id: int, statuses: Sequence[MatchStatus] = (MatchStatus.ACTIVE,)
    ) -> list[MatchRecord]:
        rows = await self._session.scalars(
            select(MatchRow)
            .join(MatchMemberRow, MatchMemberRow.match_id == MatchRow.id)
            .where(
                MatchMemberRow.participant_id == participant_id,
                MatchRow.status.in_([s.value for s in statuses]),  # type: ignore[attr-defined]
            )
            .order_by(MatchRow.id)
        )
        return await self._records(list(rows))

    async def by_space(self, space: SpaceRef) -> MatchRecord | None:
        row = await self._session.scalar(
            select(MatchRow)
            .join(SpaceRow, SpaceRow.match_id == MatchRow.id)
            .where(
                SpaceRow.platform == space.platform,
                SpaceRow.workspace_id == space.workspace_id,
                SpaceRow.external_id == space.space_id,
            )
        )
        return None if row is None else (await self._records([row]))[0]

    async def save(self, match: MatchRecord) -> None:
        row = await self._session.get(MatchRow, match.key)
        if row is None:
            raise LookupError(f"match {match.id} does not exist")
        row.status = match.status.value
        row.introduced_at = match.introduced_at
        row.ended_at = match.ended_at
        row.ends_at = match.ends_at
        space = await self._session.scalar(select(SpaceRow).where(SpaceRow.match_id == match.id))
        if match.space is not None and space is None:
            self._session.add(
                SpaceRow(
                    match_id=match.key,
                    platform=match.space.platform,
                    workspace_id=match.space.workspace_id,
                    external_id=match.space.space_id,
                    name=match.space.name,
                )
            )
        elif space is not None and match.status is MatchStatus.ENDED and space.archived_at is None:
            space.archived_at = match.ended_at
        if space is not None and match.space is not None and space.name != match.space.name:
            space.name = match.space.name  # renamed (`forget-me` takes a name out of it)
        await self._session.flush()

    async def pairs(self, program_state_id: int) -> set[tuple[int, int]]:
        """(mentee, mentor) of every match ever formed in the program, through its members."""
        mentee, mentor = MatchMemberRow.__table__.alias(), MatchMemberRow.__table__.alias()  # type: ignore[attr-defined]
        result = await self._session.execute(
            select(mentee.c.participant_id, mentor.c.participant_id)
            .select_from(MatchRow)
            .join(mentee, mentee.c.match_id == MatchRow.id)
            .join(mentor, mentor.c.match_id == MatchRow.id)
            .where(
                MatchRow.program_state_id == program_state_id,
                mentee.c.role == Role.MENTEE.value,
                mentor.c.role == Role.MENTOR.value,
            )
        )
        return {(int(a), int(b)) for a, b in result}

    async def _by_key(self, key: str) -> MatchRecord | None:
        row = await self._session.scalar(select(MatchRow).where(MatchRow.idempotency_key == key))
        return None if row is None else (await self._records([row]))[0]

    async def _records(self, rows: list[MatchRow]) -> list[MatchRecord]:
        """Rows with their members and spaces, in two queries whatever the number of rows."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        members: dict[int, list[MatchMember]] = {i: [] for i in ids if i is not None}
        for member in await self._session.scalars(
            select(MatchMemberRow)
            .where(MatchMemberRow.match_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(MatchMemberRow.match_id, MatchMemberRow.role, MatchMemberRow.participant_id)
        ):
            members[member.match_id].append(MatchMember(member.participant_id, Role(member.role)))
        spaces = {
            space.match_id: SpaceRef(
                space.platform, space.workspace_id, space.external_id, space.name
            )
            for space in await self._session.scalars(
                select(SpaceRow).where(SpaceRow.match_id.in_(ids))  # type: ignore[attr-defined]
            )
        }
        return [
            MatchRecord(
                id=row.id,
                program_state_id=row.program_state_id,
                cycle_id=row.cycle_id,
                members=tuple(members.get(row.id or 0, [])),
                score=row.score,
                explanation=list(json_copy(row.explanation, "explanation") or []),
                created_at=row.created_at,
                idempotency_key=row.idempotency_key,
                status=MatchStatus(row.status),
                space=spaces.get(row.id or 0),
                introduced_at=row.introduced_at,
                ended_at=row.ended_at,
                ends_at=row.ends_at,
            )
            for row in rows
        ]


def _request(row: MentorRequestRow) -> MentorRequest:
    return MentorRequest(
        id=row.id,
        program_state_id=row.program_state_id,
        mentee_id=row.mentee_id,
        mentor_id=row.mentor_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        explanation=list(json_copy(row.explanation, "explanation") or []),
        status=RequestStatus(row.status),
        answered_at=row.answered_at,
    )


class SqlRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: MentorRequest) -> MentorRequest:
        row = MentorRequestRow(
            program_state_id=request.program_state_id,
            mentee_id=request.mentee_id,
            mentor_id=request.mentor_id,
            status=request.status.value,
            explanation=json_copy(request.explanation, "explanation"),
            created_at=request.created_at,
            expires_at=request.expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _request(row)

    async def get(self, request_id: int) -> MentorRequest | None:
        row = await self._session.get(MentorRequestRow, request_id)
        return None if row is None else _request(row)

    async def pending_for_mentee(self, mentee_id: int) -> MentorRequest | None:
        row = await self._session.scalar(
            select(MentorRequestRow).where(
                MentorRequestRow.mentee_id == mentee_id,
                MentorRequestRow.status == RequestStatus.PENDING.value,
            )
        )
        return None if row is None else _request(row)

    async def pending_for_mentor(self, mentor_id: int) -> list[MentorRequest]:
        rows = await self._session.scalars(
            select(MentorRequestRow)
            .where(
                MentorRequestRow.mentor_id == mentor_id,
                MentorRequestRow.status == RequestStatus.PENDING.value,
            )
            .order_by(MentorRequestRow.id)
        )
        return [_request(row) for row in rows]

    async def save(self, request: MentorRequest) -> None:
        row = await self._session.get(MentorRequestRow, request.key)
        if row is None:
            raise LookupError(f"request {request.id} does not exist")
        row.status = request.status.value
        row.answered_at = request.answered_at
        await self._session.flush()

    async def declined_pairs(self, program_state_id: int) -> set[tuple[int, int]]:
        result = await self._session.execute(
            select(MentorRequestRow.mentee_id, MentorRequestRow.mentor_id).where(
                MentorRequestRow.program_state_id == program_state_id,
                MentorRequestRow.status == RequestStatus.DECLINED.value,
            )
        )
        return {(int(a), int(b)) for a, b in result}


class SqlLocks:
    """Row locks for capacity checks that two instances could race on."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def participant(self, participant_id: int) -> None:
        query = select(ParticipantRow.id).where(ParticipantRow.id == participant_id)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        # SQLite: every transaction began with BEGIN IMMEDIATE, so writers are serialized already.
        await self._session.execute(query)

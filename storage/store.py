"""The unit of work: one database transaction per inbound event, with core's repositories."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.ports import (
    AuditLog,
    CoordinatorRepository,
    CycleRepository,
    EngagementRepository,
    Locks,
    MatchRepository,
    OnboardingRepository,
    ParticipantRepository,
    PrivacyRepository,
    ProgramRepository,
    PromptRegistry,
    RequestRepository,
    WorkspaceRepository,
)
from core.reminders.outbox import ReminderRepository
from storage.audit_repository import SqlAuditLog
from storage.coordinator_repository import SqlCoordinatorRepository
from storage.engagement_repositories import SqlEngagementRepository
from storage.engine import is_memory_sqlite
from storage.match_repositories import (
    SqlCycleRepository,
    SqlLocks,
    SqlMatchRepository,
    SqlRequestRepository,
)
from storage.privacy_repository import SqlPrivacyRepository
from storage.prompt_registry import SqlPromptRegistry
from storage.reminder_repository import SqlReminderRepository
from storage.repositories import (
    SqlOnboardingRepository,
    SqlParticipantRepository,
    SqlProgramRepository,
    SqlWorkspaceRepository,
)


class SqlUnitOfWork:
    """Core's `UnitOfWork`: the repositories, all bound to one session (one transaction)."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        # Annotated with the port types: protocol attributes are invariant for type checkers.
        self.session = session
        self.workspaces: WorkspaceRepository = SqlWorkspaceRepository(session, dialect)
        self.programs: ProgramRepository = SqlProgramRepository(session, dialect)
        self.participants: ParticipantRepository = SqlParticipantRepository(session)
        self.onboarding: OnboardingRepository = SqlOnboardingRepository(session)
        self.cycles: CycleRepository = SqlCycleRepository(session)
        self.matches: MatchRepository = SqlMatchRepository(session)
        self.requests: RequestRepository = SqlRequestRepository(session)
        self.reminders: ReminderRepository = SqlReminderRepository(session, dialect)
        self.engagement: EngagementRepository = SqlEngagementRepository(session, dialect)
        self.coordinators: CoordinatorRepository = SqlCoordinatorRepository(session, dialect)
        self.privacy: PrivacyRepository = SqlPrivacyRepository(session)
        self.audit: AuditLog = SqlAuditLog(session)
        self.prompts: PromptRegistry = SqlPromptRegistry(session)
        self.locks: Locks = SqlLocks(session, dialect)


class SqlStore:
    """Core's `Store` on an async SQLAlchemy engine.

    The engine belongs to the caller (the composition root creates, migrates and disposes it);
    the store only opens sessions on it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # expire_on_commit=False: rows are converted to dataclasses inside the transaction, and
        # nothing should lazily hit the database after it.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # An in-memory SQLite database is one shared connection: transactions must take turns.
        self._turns = asyncio.Lock() if is_memory_sqlite(engine.url) else None
        self._holder: asyncio.Task[object] | None = None

    def _release(self) -> None:
        self._holder = None

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        """Commits when the block exits normally, rolls back when it raises."""
        async with contextlib.AsyncExitStack() as stack:
            if self._turns is not None:
                if self._holder is not None and self._holder is asyncio.current_task():
                    raise RuntimeError("a transaction inside a transaction would wait forever")
                await stack.enter_async_context(self._turns)
                self._holder = asyncio.current_task()
                stack.callback(self._release)
            session = await stack.enter_async_context(self._sessions())
            await stack.enter_async_context(session.begin())
            yield SqlUnitOfWork(session, self._engine.dialect.name)


__all__ = ["SqlStore", "SqlUnitOfWork"]

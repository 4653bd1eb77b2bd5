"""What one inbound event is handled with: its transaction, program, platform and time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.content import Content, Reply
from core.domain import ProgramState
from core.identity import Conversation, PlatformUser
from core.ports import ChatPort, UnitOfWork
from core.programs.program import Program


@dataclass(slots=True)
class Context:
    uow: UnitOfWork
    program: Program
    state: ProgramState
    user: PlatformUser
    where: Conversation
    port: ChatPort
    now: datetime
    display_name: str | None = None
    command: str = "/mentor"
    outbox: list[tuple[Conversation, Content]] = field(default_factory=list)
    later: list[Callable[[], Awaitable[Reply]]] = field(default_factory=list)

    def notify(self, to: Conversation, content: Content) -> None:
        """Send to someone else once the event's transaction has committed."""
        self.outbox.append((to, content))

    def after_commit(self, job: Callable[[], Awaitable[Reply]]) -> None:
        """Long work (a matching round, opening spaces) that runs in transactions of its own."""
        self.later.append(job)

    @property
    def state_id(self) -> int:
        return self.state.id

    def prompt_id(self, *parts: str) -> str:
        """Prompt and form ids carry the program key so a later click finds its program."""
        return ":".join((self.program.id, *parts))

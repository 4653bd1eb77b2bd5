"""What one inbound event is handled with: its transaction, program, platform and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import ProgramState
from core.identity import Conversation, PlatformUser
from core.ports import ChatPort, UnitOfWork
from core.program import Program


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

    @property
    def state_id(self) -> int:
        return self.state.id

    def prompt_id(self, *parts: str) -> str:
        """Prompt and form ids carry the program key so a later click finds its program."""
        return ":".join((self.program.id, *parts))

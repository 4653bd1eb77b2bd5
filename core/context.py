"""What one inbound event is handled with: its transaction, program, platform and time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.content import Content, Reply
from core.domain import ProgramState
from core.identity import Conversation, PlatformUser, SpaceRef
from core.ports import ChatPort, UnitOfWork, command_on
from core.programs.program import Program
from core.prompt_ids import PromptId

if TYPE_CHECKING:
    from core.engagement.flow import Outgoing
    from core.onboarding.flow import Onboarding
    from core.rounds.flow import Rounds


@dataclass(frozen=True, slots=True)
class Services:
    """The bot's long-lived collaborators that a verb may need beyond its transaction."""

    ports: Mapping[str, ChatPort]
    onboarding: Onboarding
    rounds: Rounds
    programs: Mapping[str, Program] = field(default_factory=dict)  # every program, by id


@dataclass(slots=True)
class Context:
    uow: UnitOfWork
    program: Program
    state: ProgramState
    user: PlatformUser
    where: Conversation
    port: ChatPort
    now: datetime
    services: Services
    display_name: str | None = None
    outbox: list[tuple[Conversation, Content]] = field(default_factory=list)
    later: list[Callable[[], Awaitable[Reply]]] = field(default_factory=list)

    def notify(self, to: Conversation, content: Content) -> None:
        """A message to someone else: written to the outbox in this event's transaction and
        delivered right after it commits (retried by the dispatcher if the send fails)."""
        self.outbox.append((to, content))

    def after_commit(self, job: Callable[[], Awaitable[Reply]]) -> None:
        """Long work (a matching round, opening spaces) that runs in transactions of its own."""
        self.later.append(job)

    def send_later(self, out: Outgoing) -> None:
        """Messages and space archiving decided in this event, done once it has committed."""
        for to, content in out.messages:
            self.notify(Conversation.dm(to) if isinstance(to, PlatformUser) else to, content)
        for space in out.archive:
            port = self.services.ports[space.platform]

            async def archive(port: ChatPort = port, space: SpaceRef = space) -> Reply:
                await port.archive_space(space)
                return Reply()

            self.after_commit(archive)

    @property
    def command(self) -> str:
        """The command as typed on the platform of the person who acted."""
        return self.port.command

    def command_for(self, user: PlatformUser) -> str:
        """The command as typed on another person's platform (for messages to them)."""
        return command_on(self.services.ports, user.platform)

    @property
    def state_id(self) -> int:
        return self.state.id

    def prompt_id(self, kind: str, arg: str = "") -> str:
        """Prompt and form ids carry the program key so a later click finds its program."""
        return PromptId(self.program.id, kind, arg).encode()

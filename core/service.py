"""The one entry point adapters call: `MentorBot.handle(event)`, one transaction per event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from core.clock import Clock
from core.content import Reply
from core.context import Context, Services
from core.coordinator.access import coordinates
from core.domain import ParticipantStatus
from core.engagement import chat as engagement_chat
from core.events import (
    ChoiceSelected,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageSeen,
    TextReceived,
)
from core.identity import ConversationKind, PlatformUser, SpaceRef
from core.onboarding.flow import Onboarding
from core.participants import verbs as participant_verbs
from core.ports import ChatPort, Store, UnitOfWork
from core.programs.program import Program
from core.reminders.messages import Outbox, message, plan_messages
from core.rounds import requests
from core.rounds.flow import Rounds
from core.verbs import VERBS_BY_NAME, help_text, is_coordinator

log = logging.getLogger(__name__)

FAILURE = (
    "Sorry — something went wrong on my side and nothing was changed. "
    "Your earlier answers are safe; please try again in a moment."
)


class MentorBot:
    def __init__(
        self,
        programs: Sequence[Program],
        store: Store,
        ports: Mapping[str, ChatPort],
        clock: Clock,
        command: str = "/mentor",
        matching: Executor | None = None,
    ) -> None:
        """`matching` runs matching rounds (default: a thread; the bot uses a process)."""
        if not programs:
            raise ValueError("mentorbot needs at least one program")
        self.programs = {p.id: p for p in programs}
        self.default_program = programs[0]
        self.store = store
        self.ports = ports
        self.clock = clock
        self.command = command
        self.onboarding = Onboarding()
        self.outbox = Outbox()  # the composition root attaches the dispatcher
        self.rounds = Rounds(store, ports, clock, command, matching, outbox=self.outbox)
        self.services = Services(ports, self.onboarding, self.rounds)

    async def handle(self, event: Event) -> Reply:
        """Handle one inbound event in one transaction; never raises for a person's mistake.

        Messages to other people are written to the outbox in the event's transaction and
        delivered right after it commits (then retried by the dispatcher if need be); then any
        long work the event started (a matching round) runs in transactions of its own.
        """
        turn: list[Context] = []
        try:
            async with self.store.transaction() as uow:
                reply = await self._dispatch(uow, event, turn)
                keys = await self._plan_messages(uow, turn)
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            return Reply().say(FAILURE)
        await self.outbox.flush(keys)
        for ctx in turn:
            for job in ctx.later:
                try:
                    reply.messages.extend((await job()).messages)
                except Exception:
                    log.exception("follow-up work of %s failed", type(event).__name__)
                    reply.say(FAILURE)
        return reply

    async def standing(self, user: PlatformUser) -> Standing:
        """Whether a person is enrolled in any program, and whether they coordinate one
        (for adapters' home screens, which show different things to each)."""
        port = self.ports[user.platform]
        async with self.store.transaction() as uow:
            workspace = await uow.workspaces.ensure(user.platform, user.workspace_id)
            enrolled = False
            for program in self.programs.values():
                state = await uow.programs.ensure(workspace, program.id)
                person = await uow.participants.find(state.id, user)
                active = (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)
                enrolled = enrolled or (person is not None and person.status in active)
        coordinator = await coordinates(port, user, self.programs.values())
        return Standing(enrolled=enrolled, coordinator=coordinator)

    async def _dispatch(self, uow: UnitOfWork, event: Event, turn: list[Context]) -> Reply:
        if isinstance(event, CommandInvoked):
            return await self._command(uow, event, turn)
        if isinstance(event, TextReceived):
            return await self._text(uow, event, turn)
        if isinstance(event, ChoiceSelected):
            return await self._choice(uow, event, turn)
        if isinstance(event, FormSubmitted):
            return await self._form(uow, event, turn)
        if isinstance(event, MessageSeen) and event.where.kind is ConversationKind.SPACE:
            space = SpaceRef(event.where.platform, event.where.workspace_id, event.where.id, "")
            for program in self.programs.values():
                await engagement_chat.record_activity(
                    await self._context(uow, program, event, turn), space
                )
        return Reply()  # membership changes need nothing yet

    async def _plan_messages(self, uow: UnitOfWork, turn: list[Context]) -> list[str]:
        """The event's notifications, into the outbox in its transaction; their keys.

        Events carry no id of their own, so each handling gets a random one: a retried
        delivery reuses the row's key, a second identical event is a second message.
        """
        cause = uuid.uuid4().hex
        notes = [(ctx, to, content) for ctx in turn for to, content in ctx.outbox]
        rows = [
            message(ctx.state_id, to, content, f"notify:{cause}:{number}:{to.id}", ctx.now)
            for number, (ctx, to, content) in enumerate(notes)
        ]
        return await plan_messages(uow.reminders, rows)

    async def _context(
        self,
        uow: UnitOfWork,
        program: Program,
        event: Event,
        turn: list[Context],
        display_name: str | None = None,
    ) -> Context:
        user = event.user
        workspace_id = await uow.workspaces.ensure(user.platform, user.workspace_id)
        state = await uow.programs.ensure(workspace_id, program.id)
        ctx = Context(
            uow=uow,
            program=program,
            state=state,
            user=user,
            where=event.where,
            port=self.ports[user.platform],
            now=self.clock.now(),
            services=self.services,
            display_name=display_name,
            command=self.command,
        )
        turn.append(ctx)
        return ctx

    async def _command(self, uow: UnitOfWork, event: CommandInvoked, turn: list[Context]) -> Reply:
        args = event.args
        program = self.default_program
        if args and args[0] in self.programs and event.verb != "admin":
            program, args = self.programs[args[0]], args[1:]
        elif event.verb == "admin" and len(args) > 1 and args[1] in self.programs:
            program, args = self.programs[args[1]], (args[0], *args[2:])
        ctx = await self._context(uow, program, event, turn, event.display_name)
        log.info("command verb=%s platform=%s", event.verb, event.user.platform)
        verb = VERBS_BY_NAME.get(event.verb)
        if verb is not None:
            return await verb.handler(ctx, args)
        coordinator = await is_coordinator(ctx)
        return Reply().say(help_text(ctx.command, coordinator=coordinator, unknown=event.verb))

    async def _text(self, uow: UnitOfWork, event: TextReceived, turn: list[Context]) -> Reply:
        for program in self.programs.values():
            ctx = await self._context(uow, program, event, turn, event.display_name)
            participant = await uow.participants.find(ctx.state_id, event.user)
            session = participant and await uow.onboarding.get(participant.key)
            if participant and session:
                return await self.onboarding.answer_text(ctx, participant, session, event.text)
            if participant:
                comment = await engagement_chat.feedback_comment(ctx, participant, event.text)
                if comment is not None:
                    return comment
        return Reply().say(f"I only understand commands here. Try `{ctx.command} help`.")

    async def _choice(self, uow: UnitOfWork, event: ChoiceSelected, turn: list[Context]) -> Reply:
        key, _, rest = event.prompt_id.partition(":")
        kind, _, arg = rest.partition(":")
        program = self.programs.get(key)
        if program is None:
            return Reply().say("That question belongs to a program that no longer runs here.")
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None:
            return Reply().say(f"You're not enrolled. Send `{ctx.command} join` to start.")
        if kind == "leave":
            return await participant_verbs.confirm_leave(ctx, participant, event.choice_ids)
        if kind == "forget":
            return await participant_verbs.confirm_forget(ctx, participant, event.choice_ids)
        engagement_answers = {
            "checkin": engagement_chat.answer_checkin,
            "goal": engagement_chat.answer_goal,
            "feedback": engagement_chat.answer_feedback,
            "end": engagement_chat.vote_end,
        }
        if kind in engagement_answers and event.choice_ids:
            return await engagement_answers[kind](ctx, participant, arg, event.choice_ids[0])
        if kind == "ask" and event.choice_ids:
            return await requests.ask(ctx, participant, event.choice_ids[0])
        if kind == "req" and event.choice_ids:
            reply, match_id = await requests.answer(ctx, participant, arg, event.choice_ids[0])
            if match_id is not None:
                ctx.after_commit(lambda: self._open_space(program, match_id))
            return reply
        session = await uow.onboarding.get(participant.key)
        if session is None:
            return Reply().say("That question has already been answered.")
        return await self.onboarding.choose(
            ctx, participant, session, kind, arg or None, event.choice_ids
        )

    async def _form(self, uow: UnitOfWork, event: FormSubmitted, turn: list[Context]) -> Reply:
        key, _, form = event.form_id.partition(":")
        program = self.programs.get(key)
        if program is None:
            return Reply().say("That form belongs to a program that no longer runs here.")
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None:
            return Reply().say(f"You're not enrolled. Send `{ctx.command} join` to start.")
        session = await uow.onboarding.get(participant.key)
        return await self.onboarding.submit_form(ctx, participant, session, form, event.values)

    async def _open_space(self, program: Program, match_id: int) -> Reply:
        await self.rounds.open_space(program, match_id)
        return Reply()


@dataclass(frozen=True, slots=True)
class Standing:
    enrolled: bool
    coordinator: bool

"""The one entry point adapters call: `MentorBot.handle(event)`, one transaction per event."""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from core import prompts
from core.clock import Clock
from core.content import Content, Reply, parse_choice_text
from core.context import Context, Services
from core.coordinator.access import coordinates
from core.domain import OnboardingSession, Participant, ParticipantStatus
from core.engagement import chat as engagement_chat
from core.events import (
    ChoiceSelected,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageSeen,
    TextReceived,
)
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.onboarding.flow import Onboarding
from core.participants import verbs as participant_verbs
from core.ports import ChatPort, MessageRef, SentPrompt, Store, UnitOfWork
from core.programs.program import Program
from core.prompt_ids import PromptId
from core.reminders.messages import Outbox, message, plan_messages
from core.rounds import requests
from core.rounds.flow import Rounds
from core.spaces import SpaceInfo, spaces_of
from core.verbs import VERBS_BY_NAME, help_text, is_coordinator

log = logging.getLogger(__name__)
# Prompts whose handlers say more about a second answer than "you already answered this"
# ("you already have a request pending with Ben"): the registry lets them answer it.
EXPLAINS_REPEATS = frozenset({"ask", "req"})

FAILURE = (
    "Sorry — something went wrong on my side and nothing was changed. "
    "Your earlier answers are safe; please try again in a moment."
)
# Follow-up work after the commit failed (opening a match's room, say): what the person did
# was saved, so this must not say that nothing changed.
FAILURE_AFTER_COMMIT = (
    "That went through and is saved — but something went wrong on my side while finishing "
    "it off, so part of what should follow (a message, a match's room) may be missing. "
    "If it doesn't turn up soon, please tell a coordinator."
)
NO_PROGRAM_HERE = (
    "mentorbot has no mentoring program in this workspace yet — ask the person who runs "
    "mentorbot for your organisation (or a workspace admin) to add one here."
)


class MentorBot:
    def __init__(
        self,
        programs: Sequence[Program],
        store: Store,
        ports: Mapping[str, ChatPort],
        clock: Clock,
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
        self.onboarding = Onboarding()
        self.outbox = Outbox()  # the composition root attaches the dispatcher
        self.rounds = Rounds(store, ports, clock, matching, outbox=self.outbox)
        self.services = Services(ports, self.onboarding, self.rounds, self.programs)

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
                await prompts.record_reply(uow, event.where, reply.messages, self.clock.now())
                keys = await self._plan_messages(uow, turn)
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            return Reply().say(FAILURE)
        await self.outbox.flush(keys)
        for ctx in turn:
            for job in ctx.later:
                try:
                    reply.extend(await job())
                except Exception:
                    log.exception("follow-up work of %s failed", type(event).__name__)
                    reply.say(FAILURE_AFTER_COMMIT)
        return reply

    def programs_in(self, platform: str, workspace_id: str) -> list[Program]:
        """The programs that apply in a workspace: bound to it, or bound nowhere."""
        return [p for p in self.programs.values() if p.applies_in(platform, workspace_id)]

    async def standing(self, user: PlatformUser) -> Standing:
        """Whether a person is enrolled in any program here, and whether they coordinate one
        (for adapters' home screens, which show different things to each)."""
        port = self.ports[user.platform]
        here = self.programs_in(user.platform, user.workspace_id)
        async with self.store.transaction() as uow:
            workspace = await uow.workspaces.ensure(user.platform, user.workspace_id)
            enrolled = False
            for program in here:
                state = await uow.programs.ensure(workspace, program.id)
                person = await uow.participants.find(state.id, user)
                active = (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)
                enrolled = enrolled or (person is not None and person.status in active)
        coordinator = await coordinates(port, user, here)
        return Standing(enrolled=enrolled, coordinator=coordinator)

    async def spaces(self, platform: str, workspace_id: str) -> list[SpaceInfo]:
        """The match spaces made on a platform in a workspace, with their members (from the
        database: an adapter that restarts without memory learns its rooms here)."""
        async with self.store.transaction() as uow:
            here = self.programs_in(platform, workspace_id)
            return await spaces_of(uow, here, platform, workspace_id)

    async def pending(self, user: PlatformUser) -> list[Content]:
        """What a person still has to answer in their DM: the onboarding step they are on, or
        the latest open prompt there (shown again when they come back after a restart)."""
        where = Conversation.dm(user)
        turn: list[Context] = []
        async with self.store.transaction() as uow:
            event = MessageSeen(user, where, self.clock.now())
            for program in self.programs_in(user.platform, user.workspace_id):
                ctx = await self._context(uow, program, event, turn)
                participant = await uow.participants.find(ctx.state_id, user)
                session = await uow.onboarding.get(participant.key) if participant else None
                if participant is not None and session is not None:
                    shown = await self.onboarding.current(ctx, participant, session)
                    await prompts.record_reply(uow, where, shown, ctx.now)
                    return shown
            latest = await uow.prompts.latest(where)
        if latest is None or not latest.open:
            return []
        waiting = latest.as_prompt()
        text = "This question is still waiting for your answer:"
        return [dataclasses.replace(waiting, text=text)]

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
            for program in self.programs_in(event.user.platform, event.user.workspace_id):
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
        )
        turn.append(ctx)
        return ctx

    async def _command(self, uow: UnitOfWork, event: CommandInvoked, turn: list[Context]) -> Reply:
        args = event.args
        here = {p.id: p for p in self.programs_in(event.user.platform, event.user.workspace_id)}
        named = args[1] if event.verb == "admin" and len(args) > 1 else args[0] if args else None
        if named in self.programs and named not in here:
            return Reply().say(f"*{self.programs[named].name}* doesn't run in this workspace.")
        if not here:
            return Reply().say(NO_PROGRAM_HERE)
        program = next(iter(here.values()))
        if args and args[0] in here and event.verb != "admin":
            program, args = here[args[0]], args[1:]
        elif event.verb == "admin" and len(args) > 1 and args[1] in here:
            program, args = here[args[1]], (args[0], *args[2:])
        ctx = await self._context(uow, program, event, turn, event.display_name)
        log.info("command verb=%s platform=%s", event.verb, event.user.platform)
        verb = VERBS_BY_NAME.get(event.verb)
        if verb is not None:
            reply = await verb.handler(ctx, args)
            reply.private = reply.private or verb.private
            return reply
        coordinator = await is_coordinator(ctx)
        return Reply().say(help_text(ctx.command, coordinator=coordinator, unknown=event.verb))

    async def _text(self, uow: UnitOfWork, event: TextReceived, turn: list[Context]) -> Reply:
        """A typed line: an onboarding answer, a number answering the conversation's latest
        open prompt (from the prompt registry, so it works after a restart), or a comment.
        In a match's space, a line that answers no prompt is only counted as activity."""
        if event.where.kind is ConversationKind.SPACE:
            typed = await self._typed_in_space(uow, event, turn)
            if typed is not None:
                return await self._choice(uow, typed, turn)
            seen = MessageSeen(event.user, event.where, self.clock.now())
            return await self._dispatch(uow, seen, turn)
        here = self.programs_in(event.user.platform, event.user.workspace_id)
        if not here:
            return Reply().say(NO_PROGRAM_HERE)
        people: list[tuple[Context, Participant | None, OnboardingSession | None]] = []
        for program in here:
            ctx = await self._context(uow, program, event, turn, event.display_name)
            participant = await uow.participants.find(ctx.state_id, event.user)
            session = await uow.onboarding.get(participant.key) if participant else None
            people.append((ctx, participant, session))
        for ctx, participant, session in people:
            if participant and session and self.onboarding.takes_text(session, event.text):
                return _private(
                    await self.onboarding.answer_text(ctx, participant, session, event.text)
                )
        typed = await self._typed_choice(uow, event)
        if typed is not None:
            return await self._choice(uow, typed, turn)
        again = await self._ask_again(uow, event)
        if again is not None:
            return again
        for ctx, participant, session in people:
            if participant and session:
                return _private(
                    await self.onboarding.answer_text(ctx, participant, session, event.text)
                )
            if participant:
                comment = await engagement_chat.feedback_comment(ctx, participant, event.text)
                if comment is not None:
                    return comment
        command = people[-1][0].command
        return Reply().say(f"I only understand commands here. Try `{command} help`.")

    async def _typed_in_space(
        self, uow: UnitOfWork, event: TextReceived, turn: list[Context]
    ) -> ChoiceSelected | None:
        """A bare number typed in a match's space answers its latest prompt, but only for a
        member who has not answered it yet; anything else typed there is conversation."""
        if not event.text.strip().isdecimal():
            return None
        typed = await self._typed_choice(uow, event)
        prompt = PromptId.decode(typed.prompt_id) if typed is not None else None
        program = self._program_of(prompt, event.user)
        if typed is None or prompt is None or program is None:
            return None
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None or not await engagement_chat.still_open(ctx, participant, prompt):
            return None
        return typed

    async def _ask_again(self, uow: UnitOfWork, event: TextReceived) -> Reply | None:
        """A number that names no choice of the conversation's open prompt: the prompt again."""
        numbers = [t for t in re.split(r"[\s,;]+", event.text.strip()) if t]
        latest = await uow.prompts.latest(event.where)
        if not numbers or not all(t.isdecimal() for t in numbers) or latest is None:
            return None
        if not latest.open or not latest.choices:
            return None
        count = len(latest.choices)
        asked = (
            f"Please answer with a number from 1 to {count}:" if count > 1 else "Please answer 1:"
        )
        return Reply().say(dataclasses.replace(latest.as_prompt(), text=asked))

    async def _typed_choice(self, uow: UnitOfWork, event: TextReceived) -> ChoiceSelected | None:
        latest = await uow.prompts.latest(event.where)
        if latest is None or not latest.open:
            return None
        chosen = parse_choice_text(latest.as_prompt(), event.text)
        if not chosen:
            return None
        return ChoiceSelected(event.user, event.where, latest.prompt_id, chosen)

    async def shown(self, where: Conversation, prompt_id: str, message: MessageRef) -> None:
        """An adapter showed a prompt of core's reply as `message`: note it in the prompt
        registry, so a reaction to that message answers the prompt (even after a restart)."""
        async with self.store.transaction() as uow:
            found = await uow.prompts.find(where, prompt_id)
            if found is not None and found.id is not None:
                await uow.prompts.attach(found.id, message.message_id)

    async def _reaction(self, uow: UnitOfWork, event: ChoiceSelected) -> ChoiceSelected | None:
        """A choice on a message without a prompt id (a reaction: `1`, `2`, … or a label):
        the prompt registry says which prompt that message carries."""
        if event.message is None:
            return None
        found = await uow.prompts.by_message(event.message)
        if found is None:
            return None
        chosen = parse_choice_text(found.as_prompt(), ", ".join(event.choice_ids))
        if not chosen:
            return None
        return dataclasses.replace(event, prompt_id=found.prompt_id, choice_ids=chosen)

    async def _choice(self, uow: UnitOfWork, event: ChoiceSelected, turn: list[Context]) -> Reply:
        if not event.prompt_id:
            resolved = await self._reaction(uow, event)
            if resolved is None:
                return Reply().say("That message asks nothing I can answer any more.")
            event = resolved
        prompt = PromptId.decode(event.prompt_id)
        program = self._program_of(prompt, event.user)
        if prompt is None or program is None:
            return Reply().say("That question belongs to a program that no longer runs here.")
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None:
            return Reply().say(f"You're not enrolled. Send `{ctx.command} join` to start.")
        shown = await self._shown(uow, event) if prompt.kind not in EXPLAINS_REPEATS else None
        if shown is not None and shown.answered_at is not None:
            reply = Reply().say(f"You already answered this on {_when(shown.answered_at)}.")
            session = await uow.onboarding.get(participant.key)
            if session is not None:
                reply.say(*await self.onboarding.current(ctx, participant, session))
            return reply
        reply = await self._answer(ctx, participant, prompt, event)
        if shown is not None and shown.id is not None:
            await uow.prompts.answered(shown.id, ctx.now)
        return reply

    async def _shown(self, uow: UnitOfWork, event: ChoiceSelected) -> SentPrompt | None:
        """The registry's record of the prompt answered, when one person answers it (a DM)."""
        if event.where.kind is not ConversationKind.DM:
            return None  # a prompt in a match's space is answered by each member
        if event.message is not None:
            found = await uow.prompts.by_message(event.message)
            if found is not None and found.prompt_id == event.prompt_id:
                return found
        return await uow.prompts.find(event.where, event.prompt_id)

    async def _answer(
        self, ctx: Context, participant: Participant, prompt: PromptId, event: ChoiceSelected
    ) -> Reply:
        kind, arg = prompt.kind, prompt.arg
        if kind == "leave":
            return _private(
                await participant_verbs.confirm_leave(ctx, participant, event.choice_ids)
            )
        if kind == "forget":
            return _private(
                await participant_verbs.confirm_forget(ctx, participant, event.choice_ids)
            )
        engagement_answers = {
            "checkin": engagement_chat.answer_checkin,
            "goal": engagement_chat.answer_goal,
            "feedback": engagement_chat.answer_feedback,
            "end": engagement_chat.vote_end,
        }
        if kind in engagement_answers and event.choice_ids:
            return await engagement_answers[kind](ctx, participant, arg, event.choice_ids[0])
        if kind == "ask" and event.choice_ids:
            return _private(await requests.ask(ctx, participant, event.choice_ids[0]))
        if kind == "req" and event.choice_ids:
            reply, match_id = await requests.answer(ctx, participant, arg, event.choice_ids[0])
            if match_id is not None:
                program = ctx.program
                ctx.after_commit(lambda: self._open_space(program, match_id))
            return reply
        session = await ctx.uow.onboarding.get(participant.key)
        if session is None:
            return Reply().say("That question has already been answered.")
        return _private(
            await self.onboarding.choose(ctx, participant, session, prompt, event.choice_ids)
        )

    def _program_of(self, prompt: PromptId | None, user: PlatformUser) -> Program | None:
        """The program a prompt or form id names, if it still applies where the user is."""
        if prompt is None:
            return None
        here = self.programs_in(user.platform, user.workspace_id)
        return next((p for p in here if prompt.names_program(p.id)), None)

    async def _form(self, uow: UnitOfWork, event: FormSubmitted, turn: list[Context]) -> Reply:
        form_id = PromptId.decode(event.form_id)
        program = self._program_of(form_id, event.user)
        if form_id is None or program is None:
            return Reply().say("That form belongs to a program that no longer runs here.")
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None:
            return Reply().say(f"You're not enrolled. Send `{ctx.command} join` to start.")
        session = await uow.onboarding.get(participant.key)
        form = form_id.arg if form_id.kind == "form" else form_id.kind  # ids before the codec
        return _private(
            await self.onboarding.submit_form(ctx, participant, session, form, event.values)
        )

    async def _open_space(self, program: Program, match_id: int) -> Reply:
        await self.rounds.open_space(program, match_id)
        return Reply()


def _private(reply: Reply) -> Reply:
    """Onboarding answers, confirmations and requests are shown to the person alone."""
    reply.private = True
    return reply


def _when(at: datetime) -> str:
    """`Mon 2 March at 09:00 UTC`: when something happened, for a person to read."""
    return f"{at:%a} {at.day} {at:%B} at {at:%H:%M} UTC"


@dataclass(frozen=True, slots=True)
class Standing:
    enrolled: bool
    coordinator: bool

"""The one entry point adapters call: `MentorBot.handle(event)`, one transaction per event."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.commands import VERB_NAMES, help_text
from core.content import Choice, Content, Prompt, Reply
from core.context import Context
from core.coordinator import admin
from core.domain import MatchStatus, Participant, ParticipantStatus
from core.durations import InvalidDuration, describe_duration, parse_duration
from core.engagement import chat as engagement_chat
from core.engagement.flow import Outgoing, end_match
from core.engagement.health import match_health
from core.events import (
    ChoiceSelected,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageSeen,
    TextReceived,
)
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.onboarding.flow import PROFILE_FORM, Onboarding, form_for
from core.ports import ChatPort, Store, UnitOfWork
from core.programs.answers import describe_answer
from core.programs.program import Program, Role
from core.reminders.planning import plan_resume, schedule_round
from core.rounds import requests
from core.rounds.flow import Progress, Rounds

log = logging.getLogger(__name__)

Handler = Callable[[Context, tuple[str, ...]], Awaitable[Reply]]
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
        self.rounds = Rounds(store, ports, clock, command, matching)
        self._verbs: dict[str, Handler] = {
            "join": self._join,
            "profile": self._profile,
            "status": self._status,
            "pause": self._pause,
            "resume": self._resume,
            "request": self._request,
            "goals": self._goals,
            "leave": self._leave,
            "my-data": self._my_data,
            "forget-me": self._forget_me,
            "admin": self._admin,
        }

    async def handle(self, event: Event) -> Reply:
        """Handle one inbound event in one transaction; never raises for a person's mistake.

        Messages to other people are sent once the transaction has committed, then any long
        work the event started (a matching round) runs in transactions of its own.
        """
        turn: list[Context] = []
        try:
            async with self.store.transaction() as uow:
                reply = await self._dispatch(uow, event, turn)
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            return Reply().say(FAILURE)
        for ctx in turn:
            for to, content in ctx.outbox:
                await self._deliver(ctx.port, to, content)
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
        coordinator = await _coordinates(port, user, self.programs.values())
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

    async def _deliver(self, port: ChatPort, to: Conversation, content: Content) -> None:
        try:
            await port.send(to, content)
        except Exception:  # one failed notification must not undo the committed event
            log.exception("could not deliver a message on %s", port.platform)

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
        handler = self._verbs.get(event.verb)
        if handler is not None:
            return await handler(ctx, args)
        unknown = None if event.verb in VERB_NAMES else event.verb
        return Reply().say(
            help_text(self.command, coordinator=await self._is_coordinator(ctx), unknown=unknown)
        )

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
        return Reply().say(f"I only understand commands here. Try `{self.command} help`.")

    async def _choice(self, uow: UnitOfWork, event: ChoiceSelected, turn: list[Context]) -> Reply:
        key, _, rest = event.prompt_id.partition(":")
        kind, _, arg = rest.partition(":")
        program = self.programs.get(key)
        if program is None:
            return Reply().say("That question belongs to a program that no longer runs here.")
        ctx = await self._context(uow, program, event, turn)
        participant = await uow.participants.find(ctx.state_id, event.user)
        if participant is None:
            return Reply().say(f"You're not enrolled. Send `{self.command} join` to start.")
        if kind == "leave":
            return await self._confirm_leave(ctx, participant, event.choice_ids)
        if kind == "forget":
            return await self._confirm_forget(ctx, participant, event.choice_ids)
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
            return Reply().say(f"You're not enrolled. Send `{self.command} join` to start.")
        session = await uow.onboarding.get(participant.key)
        return await self.onboarding.submit_form(ctx, participant, session, form, event.values)

    async def _is_coordinator(self, ctx: Context) -> bool:
        return await _coordinates(ctx.port, ctx.user, [ctx.program])

    async def _participant(self, ctx: Context) -> Participant | None:
        return await ctx.uow.participants.find(ctx.state_id, ctx.user)

    async def _enrolled(self, ctx: Context) -> Participant | Reply:
        """The person's active or paused profile, or a reply telling them to join first."""
        participant = await self._participant(ctx)
        if participant and participant.status in (
            ParticipantStatus.ACTIVE,
            ParticipantStatus.PAUSED,
        ):
            return participant
        if participant and participant.status is ParticipantStatus.ONBOARDING:
            return Reply().say(f"You haven't finished joining yet — send `{self.command} join`.")
        return Reply().say(
            f"You're not enrolled in *{ctx.program.name}* yet. Send `{self.command} join` to start."
        )

    # --- participant verbs ----------------------------------------------------------------

    async def _join(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._participant(ctx)
        return await self.onboarding.start(ctx, participant, args[0] if args else None)

    async def _profile(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._enrolled(ctx)
        if isinstance(participant, Reply):
            return participant
        questions = ctx.program.questions_for(participant.roles)
        if args and args[0] == "edit":
            if len(args) < 2 and ctx.port.capabilities.modals:
                return Reply().say(form_for(ctx, PROFILE_FORM, questions, participant.answers))
            target = args[1] if len(args) > 1 else ""
            question = None
            if target.isdigit() and 1 <= int(target) <= len(questions):
                question = questions[int(target) - 1]
            else:
                question = next((q for q in questions if q.id == target), None)
            if question is None:
                return Reply().say(
                    f"Tell me which answer to change: `{self.command} profile edit N` "
                    f"with N from 1 to {len(questions)}."
                )
            return await self.onboarding.edit(ctx, participant, question)
        lines = [f"*Your profile in {ctx.program.name}* ({participant.role_label})"]
        for number, question in enumerate(questions, start=1):
            answer = describe_answer(question, participant.answers.get(question.id))
            lines.append(f"{number}. {question.prompt}\n    {answer}")
        if Role.MENTOR in participant.roles:
            lines.append(f"Mentee capacity: {participant.capacity}")
        lines.append(f"Change an answer with `{self.command} profile edit N`.")
        return Reply().say("\n".join(lines))

    async def _status(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._participant(ctx)
        if participant is None or participant.status is ParticipantStatus.LEFT:
            return Reply().say(
                f"You're not enrolled in *{ctx.program.name}*. Send `{self.command} join` to start."
            )
        if participant.status is ParticipantStatus.ONBOARDING:
            session = await ctx.uow.onboarding.get(participant.key)
            questions = ctx.program.questions_for(session.roles) if session else []
            done = sum(1 for q in questions if session and q.id in session.draft)
            progress = f" ({done} of {len(questions)} questions answered)" if questions else ""
            return Reply().say(
                f"You're part-way through joining *{ctx.program.name}*{progress}. "
                f"Send `{self.command} join` to carry on."
            )
        state = "active"
        if participant.is_paused(ctx.now):
            until = participant.paused_until
            state = f"paused until {until:%a %d %b %Y}" if until else "paused until you `resume`"
        lines = [f"*{ctx.program.name}*: enrolled as a {participant.role_label}, {state}."]
        matches = await ctx.uow.matches.for_participant(participant.key)
        for found in matches:
            others = [
                other.safe_name
                for member in found.members
                if member.participant_id != participant.key
                and (other := await ctx.uow.participants.get(member.participant_id))
            ]
            where = f" in #{found.space.name}" if found.space else ""
            health = await match_health(ctx.uow, ctx.program, found, ctx.now)
            lines.append(
                f"• matched with {', '.join(others)} since {found.created_at:%d %b}{where} "
                f"— {health.value}"
            )
            checkin = await ctx.uow.reminders.next_due(match_id=found.key, kind="checkin")
            if checkin is not None:
                lines.append(f"  next check-in: {checkin:%a %d %b}")
        if not matches:
            lines.append("No match yet — you'll hear from me when the next matching round runs.")
        return Reply().say("\n".join(lines))

    async def _pause(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._enrolled(ctx)
        if isinstance(participant, Reply):
            return participant
        until = None
        if args:
            try:
                length: timedelta = parse_duration("".join(args))
            except InvalidDuration as error:
                return Reply().say(str(error))
            until = ctx.now + length
        participant.status = ParticipantStatus.PAUSED
        participant.paused_until = until
        await ctx.uow.participants.save(participant)
        await plan_resume(ctx.uow, ctx.program, participant)
        when = (
            f"for {describe_duration(until - ctx.now)} (until {until:%a %d %b %Y})"
            if until
            else "until you send `resume`"
        )
        return Reply().say(
            f"Paused {when}. You won't be matched or reminded meanwhile; "
            f"`{self.command} resume` ends the pause early."
        )

    async def _resume(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._enrolled(ctx)
        if isinstance(participant, Reply):
            return participant
        if participant.status is not ParticipantStatus.PAUSED:
            return Reply().say("You're not paused — nothing to resume.")
        participant.status, participant.paused_until = ParticipantStatus.ACTIVE, None
        await ctx.uow.participants.save(participant)
        return Reply().say(f"Welcome back to *{ctx.program.name}*! You're active again.")

    async def _leave(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._participant(ctx)
        if participant is None or participant.status is ParticipantStatus.LEFT:
            return Reply().say(f"You're not enrolled in *{ctx.program.name}*.")
        return _confirm(
            ctx,
            "leave",
            f"Leave *{ctx.program.name}*? You won't be matched or contacted any more.",
            yes="Yes, leave",
            no="No, stay",
        )

    async def _confirm_leave(
        self, ctx: Context, participant: Participant, choice: tuple[str, ...]
    ) -> Reply:
        if choice != ("yes",):
            return Reply().say("Good to have you — nothing changed.")
        if participant.status is ParticipantStatus.LEFT:
            return Reply().say("You have already left.")
        participant.status = ParticipantStatus.LEFT
        await ctx.uow.participants.save(participant)
        await ctx.uow.onboarding.delete(participant.key)
        await self._withdraw(ctx, participant)
        return Reply().say(
            f"You've left *{ctx.program.name}*. Your profile is kept in case you come back "
            f"(`{self.command} join`); `{self.command} forget-me` deletes it for good."
        )

    async def _my_data(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._participant(ctx)
        if participant is None:
            return Reply().say(f"I store nothing about you in *{ctx.program.name}*.")
        session = await ctx.uow.onboarding.get(participant.key)
        record = {
            "program": ctx.program.id,
            "user": str(participant.user),
            "display_name": participant.display_name,
            "roles": sorted(r.value for r in participant.roles),
            "status": participant.status.value,
            "capacity": participant.capacity,
            "joined_at": participant.joined_at.isoformat(),
            "paused_until": participant.paused_until and participant.paused_until.isoformat(),
            "policy_accepted_at": participant.policy_accepted_at
            and participant.policy_accepted_at.isoformat(),
            "answers": participant.answers,
            "unfinished_answers": session.draft if session else {},
            "matches": [
                {
                    "since": m.created_at.isoformat(),
                    "status": m.status.value,
                    "why": m.explanation,
                    "goals": [
                        {"goal": g.text, "progress": g.progress.value}
                        for g in await ctx.uow.engagement.goals(m.key)
                        if g.participant_id == participant.key
                    ],
                }
                for m in await ctx.uow.matches.for_participant(
                    participant.key, (MatchStatus.ACTIVE, MatchStatus.ENDED)
                )
            ],
            "feedback": [
                {"kind": f.kind, "rating": f.rating, "comment": f.comment}
                for f in await ctx.uow.engagement.feedback_of(participant.key)
            ],
        }
        return Reply().say(
            "Everything I store about you:\n```\n" + json.dumps(record, indent=2) + "\n```"
        )

    async def _forget_me(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        if await self._participant(ctx) is None:
            return Reply().say(f"I store nothing about you in *{ctx.program.name}*.")
        return _confirm(
            ctx,
            "forget",
            f"Delete your profile and answers in *{ctx.program.name}*? This cannot be undone.",
            yes="Yes, delete everything",
            no="No, keep it",
        )

    async def _confirm_forget(
        self, ctx: Context, participant: Participant, choice: tuple[str, ...]
    ) -> Reply:
        if choice != ("yes",):
            return Reply().say("Nothing was deleted.")
        await self._withdraw(ctx, participant)
        await ctx.uow.participants.delete(participant.key)
        return Reply().say("Done — your profile and answers are deleted.")

    # --- coordinator verbs -----------------------------------------------------------------

    async def _admin(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        if not await self._is_coordinator(ctx):
            return Reply().say(
                "Only coordinators of this program can use `admin` commands. "
                "Ask a coordinator if you think you should be one."
            )
        sub = args[0].lower() if args else "status"
        if sub == "status":
            return await admin.status(ctx)
        if sub == "stats":
            return await admin.stats(ctx)
        if sub == "export":
            return await admin.export(ctx)
        if sub == "broadcast":
            return await admin.broadcast(ctx, " ".join(args[1:]))
        if sub == "end-match":
            reply, out = await admin.end(ctx, args[1] if len(args) > 1 else "")
            self._send_later(ctx, out)
            return reply
        if sub in ("open", "close"):
            ctx.state.enrolment_open = sub == "open"
            await ctx.uow.programs.save(ctx.state)
            return Reply().say(
                f"Enrolment for *{ctx.program.name}* is now {admin.enrolment_word(ctx)}."
            )
        if sub == "match":
            action = args[1].lower() if len(args) > 1 else ""
            if action == "schedule":
                return await self._schedule_round(ctx, args[2:])
            if action not in ("preview", "commit"):
                return Reply().say(
                    f"Use `{self.command} admin match preview`, `… commit` or `… schedule 48h`."
                )
            return await self._admin_match(ctx, action)
        return Reply().say(help_text(self.command, coordinator=True, unknown=f"admin {sub}"))

    async def _goals(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._enrolled(ctx)
        if isinstance(participant, Reply):
            return participant
        return await engagement_chat.goals_verb(ctx, participant, args)

    async def _request(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        participant = await self._enrolled(ctx)
        if isinstance(participant, Reply):
            return participant
        if participant.is_paused(ctx.now):
            return Reply().say(f"You're paused; `{self.command} resume` first.")
        return await requests.suggestions(ctx, participant)

    async def _admin_match(self, ctx: Context, action: str) -> Reply:
        program, state_id, where, port = ctx.program, ctx.state_id, ctx.where, ctx.port
        if action == "preview":
            ctx.after_commit(lambda: self._preview(program, state_id))
            return Reply()
        ctx.after_commit(lambda: self._commit(program, state_id, where, port))
        return Reply()

    async def _schedule_round(self, ctx: Context, args: tuple[str, ...]) -> Reply:
        """Announce a round now and run it later, so people can pause before it."""
        try:
            delay = parse_duration("".join(args)) if args else None
        except InvalidDuration as error:
            return Reply().say(str(error))
        if delay is None:
            return Reply().say(f"Say when: `{self.command} admin match schedule 48h`.")
        runs_at = ctx.now + delay
        await schedule_round(ctx.uow, ctx.state_id, ctx.user, runs_at, ctx.now)
        return Reply().say(
            f"📣 The next *{ctx.program.name}* round runs on {runs_at:%a %d %b %H:%M} UTC. "
            "Everyone waiting for a match is told now, so they can pause if they'd rather sit "
            "it out; I'll send you the result."
        )

    async def _preview(self, program: Program, state_id: int) -> Reply:
        return Reply().say(await self.rounds.preview(program, state_id))

    async def _commit(
        self, program: Program, state_id: int, where: Conversation, port: ChatPort
    ) -> Reply:
        return Reply().say(await self.rounds.commit(program, state_id, Progress(port, where)))

    async def _open_space(self, program: Program, match_id: int) -> Reply:
        await self.rounds.open_space(program, match_id)
        return Reply()

    async def _withdraw(self, ctx: Context, participant: Participant) -> None:
        """Someone leaves: their reminders stop and their matches end (the others are told)."""
        await ctx.uow.reminders.cancel(participant_id=participant.key)
        out = Outgoing()
        for found in await ctx.uow.matches.for_participant(participant.key):
            await end_match(ctx.uow, ctx.program, found, ctx.now, out)
        self._send_later(ctx, out)

    def _send_later(self, ctx: Context, out: Outgoing) -> None:
        """Messages and space archiving decided in this event, done once it has committed."""
        for to, content in out.messages:
            ctx.notify(Conversation.dm(to) if isinstance(to, PlatformUser) else to, content)
        for space in out.archive:
            port = self.ports[space.platform]
            ctx.after_commit(lambda port=port, space=space: _archive(port, space))


async def _archive(port: ChatPort, space: SpaceRef) -> Reply:
    await port.archive_space(space)
    return Reply()


@dataclass(frozen=True, slots=True)
class Standing:
    enrolled: bool
    coordinator: bool


async def _coordinates(port: ChatPort, user: PlatformUser, programs: Iterable[Program]) -> bool:
    """Listed as a coordinator of one of `programs`, or an admin of the platform workspace."""
    if any(user.user_id in program.coordinators for program in programs):
        return True
    return (await port.user_info(user)).is_admin


def _confirm(ctx: Context, kind: str, question: str, *, yes: str, no: str) -> Reply:
    """A yes/no question whose answer comes back as a `<program>:<kind>` choice."""
    return Reply().say(
        Prompt(ctx.prompt_id(kind), question, (Choice("yes", yes), Choice("no", no)))
    )

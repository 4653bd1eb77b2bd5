"""Keeping matches alive: what each reminder says when the dispatcher delivers it.

Reminders are planned by `core.reminders.planning` when things happen. Delivery
(`Engagement.deliver`) first decides and records in one short transaction — idempotently,
because a failed send is retried — then sends with the reminder's idempotency key.

Each kind has its handler in one table (`Engagement.handlers`), checked against every
`ReminderKind` when the engagement is built: a kind without a handler stops the start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.clock import Clock
from core.content import Choice, Content, Prompt, Text, listing, plural, user_text
from core.coordinator.access import coordinates
from core.domain import (
    CheckInAnswer,
    GoalProgress,
    MatchRecord,
    MatchStatus,
    Participant,
    ParticipantStatus,
    RequestStatus,
)
from core.engagement.health import last_engaged
from core.identity import Conversation, PlatformUser, SpaceRef
from core.markup import shorten
from core.ports import ChatPort, Store, UnitOfWork, Unreachable, command_on
from core.programs.bindings import CoordinatorId
from core.programs.program import Program, Role
from core.prompt_ids import PromptId
from core.reminders.courier import Courier
from core.reminders.kinds import ReminderKind, require_handlers
from core.reminders.messages import decode, decode_conversation
from core.reminders.outbox import Reminder, match_recipient
from core.reminders.planning import members_of, plan_cycle_end, plan_reminder
from core.rounds.flow import Rounds

log = logging.getLogger(__name__)

CHECKIN_CHOICES = (
    Choice(CheckInAnswer.YES.value, "Yes"),
    Choice(CheckInAnswer.NOT_YET.value, "Not yet"),
    Choice(CheckInAnswer.RAIN_CHECK.value, "Rain check"),
)
GOAL_CHOICES = (
    Choice(GoalProgress.NOT_STARTED.value, "Not started"),
    Choice(GoalProgress.UNDER_WAY.value, "Under way"),
    Choice(GoalProgress.DONE.value, "Done"),
)
RATING_CHOICES = tuple(
    Choice(str(n), label)
    for n, label in enumerate(("1 — poor", "2", "3", "4", "5 — great"), start=1)
)
END_CHOICES = (Choice("extend", "Extend for another cycle"), Choice("close", "Close the match"))
MAX_GOALS = 3


async def _reach(
    uow: UnitOfWork, program: Program, listed: CoordinatorId, workspace: tuple[str, str]
) -> PlatformUser | None:
    """The workspace to reach a listed coordinator in: the alert's own when on the same
    platform, else the one the program is bound to there, else where they last coordinated."""
    platform, external_id = workspace
    if listed.platform == platform:
        return PlatformUser(platform, external_id, listed.user_id)
    binding = program.binding(listed.platform)
    if binding is not None and binding.home_workspace is not None:
        return PlatformUser(listed.platform, binding.home_workspace, listed.user_id)
    return await uow.coordinators.last_seen_as(listed.platform, listed.user_id)


# --- delivery --------------------------------------------------------------------------------


@dataclass(slots=True)
class Outgoing:
    """What one delivery sends, decided inside its transaction, sent after it commits."""

    messages: list[tuple[PlatformUser | Conversation, Content]] = field(default_factory=list)
    archive: list[SpaceRef] = field(default_factory=list)
    after: list[tuple[Program, int, PlatformUser]] = field(default_factory=list)  # rounds to run

    def dm(self, person: Participant, content: Content) -> None:
        self.messages.append((person.user, content))

    def space(self, match: MatchRecord, content: Content) -> None:
        if match.space is not None:
            self.messages.append((match.space.conversation, content))


Handler = Callable[[UnitOfWork, Program, Reminder, Outgoing], Awaitable[None]]


class Engagement:
    """Decides and sends what each reminder kind means; the dispatcher calls `deliver`."""

    def __init__(
        self,
        store: Store,
        ports: Mapping[str, ChatPort],
        programs: Mapping[str, Program],
        clock: Clock,
        rounds: Rounds,
    ) -> None:
        self.store, self.ports, self.programs, self.clock = store, ports, programs, clock
        self.rounds = rounds
        self.courier = Courier(store, ports, clock, rounds.outbox)
        self.handlers: dict[str, Handler] = {
            ReminderKind.CHECKIN: self._on_checkin,
            ReminderKind.INACTIVITY: self._on_inactivity,
            ReminderKind.NUDGE: self._on_nudge,
            ReminderKind.AT_RISK: self._on_at_risk,
            ReminderKind.GOALS: self._on_goals,
            ReminderKind.FEEDBACK: self._on_feedback,
            ReminderKind.CYCLE_END_ASK: self._on_cycle_end_ask,
            ReminderKind.CYCLE_END: self._on_cycle_end,
            ReminderKind.ROUND_NOTICE: self._on_round_notice,
            ReminderKind.ROUND: self._on_round,
            ReminderKind.ONBOARDING: self._on_onboarding,
            ReminderKind.REQUEST_REMINDER: self._on_request_reminder,
            ReminderKind.REQUEST_EXPIRY: self._on_request_expiry,
            ReminderKind.RESUME: self._on_resume,
            ReminderKind.MESSAGE: self._on_message,
            ReminderKind.UNREACHABLE: self._on_unreachable,
        }
        require_handlers(self.handlers)

    def _command(self, person: Participant) -> str:
        """The command as typed on the platform of the person a message goes to."""
        return command_on(self.ports, person.user.platform)

    async def deliver(self, reminder: Reminder) -> None:
        """Decide (one transaction), then send; a DM nobody can receive goes to the match
        space (see `Courier`), and raises `Unreachable` only once the rest is sent."""
        handler = self.handlers.get(reminder.kind)
        if handler is None:  # a row from a newer version, or a renamed kind: fail it visibly
            raise LookupError(f"no handler for reminder kind {reminder.kind!r}")
        out = Outgoing()
        async with self.store.transaction() as uow:
            program = await self._program_of(uow, reminder.program_state_id)
            if program is not None:
                await handler(uow, program, reminder, out)
        unreachable: Unreachable | None = None
        for number, (to, content) in enumerate(out.messages):
            where = Conversation.dm(to) if isinstance(to, PlatformUser) else to
            key = f"{reminder.idempotency_key}#{number}"
            try:
                await self.courier.send(reminder.program_state_id, where, content, key)
            except Unreachable as error:
                unreachable = unreachable or error
        for space in out.archive:
            await self.ports[space.platform].archive_space(space)
        for program, state_id, coordinator in out.after:
            summary = await self.rounds.commit(
                program, state_id, None, command_on(self.ports, coordinator.platform)
            )
            await self.ports[coordinator.platform].send(
                Conversation.dm(coordinator),
                Text(f"The scheduled *{program.name}* round has run. {summary}"),
                idempotency_key=f"{reminder.idempotency_key}#summary",
            )
        if unreachable is not None:
            raise unreachable

    async def give_up(self, reminder: Reminder, error: str) -> None:
        """A reminder that could not be delivered after every retry: tell the coordinators."""
        async with self.store.transaction() as uow:
            program = await self._program_of(uow, reminder.program_state_id)
            coordinators = await self._coordinators(uow, program, reminder.program_state_id)
        what = (
            "A message"  # a notification or an introduction: its kind says nothing more
            if reminder.kind == ReminderKind.MESSAGE
            else f"A *{reminder.kind.replace('_', ' ')}* message"
        )
        for user in coordinators:
            try:
                await self.ports[user.platform].send(
                    Conversation.dm(user),
                    Text(
                        f"⚠️ {what} could not be delivered after "
                        f"{plural(reminder.attempts, 'attempt')} ({shorten(error, 200)}). "
                        "Please check the bot's access to the platform."
                    ),
                    idempotency_key=f"{reminder.idempotency_key}#give-up:{user.user_id}",
                )
            except Exception:
                log.exception("could not tell a coordinator about a failed reminder")

    async def _program_of(self, uow: UnitOfWork, state_id: int) -> Program | None:
        state = await uow.programs.get(state_id)
        return None if state is None else self.programs.get(state.program_key)

    async def _coordinators(
        self, uow: UnitOfWork, program: Program | None, state_id: int
    ) -> list[PlatformUser]:
        """Everyone to alert about a program state, each once: the listed coordinators on the
        platforms the bot serves, and the admins and role holders who have acted as
        coordinators of it (`admin …`) and still are."""
        if program is None:
            return []
        state = await uow.programs.get(state_id)
        workspace = await uow.workspaces.get(state.workspace_id) if state else None
        if workspace is None:
            return []
        found: dict[PlatformUser, None] = {}
        for listed in program.coordinators:
            if listed.platform in self.ports:
                user = await _reach(uow, program, listed, workspace)
                if user is not None:
                    found[user] = None
        for user in await uow.coordinators.of(state_id):
            port = self.ports.get(user.platform)
            if user not in found and port is not None and await coordinates(port, user, [program]):
                found[user] = None
        return list(found)

    async def _active_match(self, uow: UnitOfWork, reminder: Reminder) -> MatchRecord | None:
        match = await uow.matches.get(reminder.match_id) if reminder.match_id else None
        return match if match is not None and match.status is MatchStatus.ACTIVE else None

    # --- one method per reminder kind --------------------------------------------------------

    async def _on_message(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        """A message decided in an event (`core.reminders.messages`): sent as it was written."""
        to = decode_conversation(reminder.payload["to"])
        out.messages.append((to, decode(reminder.payload["content"])))

    async def _on_unreachable(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        """Tell the coordinators, once per person, that someone can't be reached by DM."""
        name = str(reminder.payload.get("name", "someone"))
        reason = str(reminder.payload.get("reason", "")) or "the platform refused"
        then = (
            "I'm posting their messages in their match space instead."
            if reminder.payload.get("space")
            else "They have no match space yet, so my messages to them are not arriving."
        )
        for user in await self._coordinators(uow, program, reminder.program_state_id):
            out.messages.append(
                (
                    user,
                    Text(
                        f"⚠️ I can't DM {name} in *{program.name}* — {reason}. {then} "
                        "Could you ask them to allow direct messages from the bot?"
                    ),
                )
            )

    async def _on_checkin(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None:
            return
        number = int(reminder.payload.get("number", 1))
        now = self.clock.now()
        people = await members_of(uow, match)
        every = timedelta(days=program.cadence.checkin_every_days)
        if not reminder.payload.get("again"):
            await plan_reminder(
                uow,
                program,
                "checkin",
                f"checkin:{match.key}:{number + 1}",
                now + every,
                people,
                state_id=match.program_state_id,
                match_id=match.key,
                payload={"number": number + 1},
            )
        if any(p.is_paused(now) for p in people):
            return  # someone is on a break: no check-in this time
        names = listing([p.safe_name for p in people])
        out.space(
            match,
            Prompt(
                PromptId.of(program.id, "checkin", match.key, number).encode(),
                f"📅 Check-in time, {names}! Did you meet since "
                f"{'you were introduced' if number == 1 else 'the last check-in'}?",
                CHECKIN_CHOICES,
            ),
        )
        mentees = {p.key: p for p in people if p.key in match.ids(Role.MENTEE)}
        for goal in await uow.engagement.goals(match.key):
            owner = mentees.get(goal.participant_id)
            if owner is not None and goal.progress is not GoalProgress.DONE:
                out.dm(
                    owner,
                    Prompt(
                        PromptId(program.id, "goal", str(goal.id)).encode(),
                        f"🎯 How is the goal “{user_text(goal.text, limit=120)}” going?",
                        GOAL_CHOICES,
                    ),
                )

    async def _on_inactivity(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None:
            return
        now = self.clock.now()
        people = await members_of(uow, match)
        limit = program.cadence.nudge_after_days
        last = await last_engaged(uow, match)
        idle = (now.date() - last).days
        step = timedelta(days=max(1, limit // 2))
        await plan_reminder(
            uow,
            program,
            "inactivity",
            f"inactivity:{match.key}:{(now + step):%Y%m%d}",
            now + step,
            people,
            state_id=match.program_state_id,
            match_id=match.key,
        )
        if idle < limit or any(p.is_paused(now) for p in people):
            return
        # One nudge and one alert per quiet spell: the keys name the last active day.
        spell = f"{match.key}:{last:%Y%m%d}"
        kinds = ["nudge"] + (["at_risk"] if idle >= 2 * limit else [])
        for kind in kinds:
            await uow.reminders.plan(
                Reminder(
                    kind=kind,
                    program_state_id=match.program_state_id,
                    recipient=match_recipient(match.key),
                    due_at=now,
                    idempotency_key=f"{kind}:{spell}",
                    match_id=match.key,
                    payload={"idle": idle},
                )
            )

    async def _on_nudge(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None:
            return
        people = await members_of(uow, match)
        lead = next((p for p in people if p.key in match.ids(Role.MENTEE)), people[0])
        idle = _days(reminder.payload.get("idle"), "several")
        out.space(
            match,
            Text(
                f"👋 It's been {idle} since anyone wrote here. How about a short catch-up "
                f"this week? {lead.safe_name}, you could share one question you're thinking "
                "about, and pick a time together."
            ),
        )

    async def _on_at_risk(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None:
            return
        names = " & ".join(p.safe_name for p in await members_of(uow, match))
        idle = _days(reminder.payload.get("idle"), "many")
        for user in await self._coordinators(uow, program, match.program_state_id):
            out.messages.append(
                (
                    user,
                    Text(
                        f"🚩 The match {names} in *{program.name}* is *at risk*: no activity in "
                        f"their space for {idle}. A friendly word from you may help."
                    ),
                )
            )

    async def _on_goals(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        person = await uow.participants.get(reminder.participant_id or 0)
        if match is None or person is None or await uow.engagement.goals(match.key):
            return
        out.dm(
            person,
            Text(
                f"🎯 What would you like to achieve with your match in *{program.name}*? "
                f"Set up to {MAX_GOALS} goals with "
                f"`{self._command(person)} goals add <your goal>`; "
                "check-ins will ask how they are going."
            ),
        )

    async def _on_feedback(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await uow.matches.get(reminder.match_id or 0)
        person = await uow.participants.get(reminder.participant_id or 0)
        kind = str(reminder.payload.get("kind", "mid"))
        if match is None or person is None or person.status is ParticipantStatus.LEFT:
            return
        if kind == "mid" and match.status is not MatchStatus.ACTIVE:
            return
        if reminder.payload.get("early"):
            asked = f"📝 Your match in *{program.name}* has ended. How did your mentoring go?"
        else:
            moment = "half-way through" if kind == "mid" else "at the end of"
            asked = f"📝 We're {moment} the cycle in *{program.name}*. How is your mentoring going?"
        out.dm(
            person,
            Prompt(
                PromptId.of(program.id, "feedback", match.key, kind).encode(),
                f"{asked} (Only coordinators see your answer.)",
                RATING_CHOICES,
            ),
        )

    async def _on_cycle_end_ask(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None or match.ends_at is None:
            return
        out.space(
            match,
            Prompt(
                PromptId(program.id, "end", str(match.key)).encode(),
                f"⏳ This cycle ends on {match.ends_at:%a %d %b}. Would you like to extend your "
                "match for another cycle, or close it? (It's extended only if everyone says so.)",
                END_CHOICES,
            ),
        )

    async def _on_cycle_end(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        match = await self._active_match(uow, reminder)
        if match is None or match.ends_at is None:
            return
        now = self.clock.now()
        people = await members_of(uow, match)
        votes = await uow.engagement.votes(match.key)
        if people and all(votes.get(p.key) == "extend" for p in people):
            match.ends_at = match.ends_at + timedelta(days=program.cycle.length_days)
            await uow.matches.save(match)
            await plan_cycle_end(uow, program, match, people)
            out.space(
                match,
                Text(
                    "🔁 You all chose to extend: your match continues until "
                    f"{match.ends_at:%a %d %b}."
                ),
            )
            return
        await end_match(uow, program, match, now, out)

    async def _on_round_notice(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        when = datetime.fromisoformat(str(reminder.payload["runs_at"]))
        now = self.clock.now()
        matched = {
            pid
            for m in await uow.matches.list(reminder.program_state_id)
            for pid in m.ids(Role.MENTEE)
        }
        for person in await uow.participants.list(reminder.program_state_id):
            waiting = person.status is ParticipantStatus.ACTIVE and not person.is_paused(now)
            if waiting and (Role.MENTOR in person.roles or person.key not in matched):
                out.dm(
                    person,
                    Text(
                        f"📣 Heads-up: the next *{program.name}* matching round runs on "
                        f"{when:%a %d %b %H:%M} UTC. Rather sit this one out? "
                        f"`{self._command(person)} pause` — and "
                        f"`{self._command(person)} resume` when you're back."
                    ),
                )

    async def _on_round(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        """Runs the scheduled round; the round opens its own transactions, so it runs after."""
        coordinator = str(reminder.payload.get("coordinator", ""))
        state = await uow.programs.get(reminder.program_state_id)
        workspace = await uow.workspaces.get(state.workspace_id) if state else None
        if workspace is None:
            return
        user = PlatformUser(workspace[0], workspace[1], coordinator)
        out.after.append((program, reminder.program_state_id, user))

    async def _on_onboarding(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        person = await uow.participants.get(reminder.participant_id or 0)
        if person is None or person.status is not ParticipantStatus.ONBOARDING:
            return
        out.dm(
            person,
            Text(
                f"You're part-way through joining *{program.name}* — your answers are saved. "
                f"Send `{self._command(person)} join` to pick up where you left off."
            ),
        )

    async def _on_request_reminder(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        request = await uow.requests.get(int(reminder.payload.get("request", 0)))
        mentor = await uow.participants.get(reminder.participant_id or 0)
        if request is None or mentor is None or request.status is not RequestStatus.PENDING:
            return
        mentee = await uow.participants.get(request.mentee_id)
        who = mentee.safe_name if mentee else "A mentee"
        out.dm(
            mentor,
            Prompt(
                PromptId(program.id, "req", str(request.key)).encode(),
                f"⏰ {who} is still waiting for your answer (until {request.expires_at:%a %d %b}).",
                (Choice("accept", "Accept"), Choice("decline", "Decline")),
            ),
        )

    async def _on_request_expiry(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        request = await uow.requests.get(int(reminder.payload.get("request", 0)))
        if request is None or request.status is not RequestStatus.PENDING:
            return
        request.status, request.answered_at = RequestStatus.EXPIRED, self.clock.now()
        await uow.requests.save(request)
        mentee = await uow.participants.get(request.mentee_id)
        mentor = await uow.participants.get(request.mentor_id)
        if mentee is not None:
            out.dm(
                mentee,
                Text(
                    f"Your request to {mentor.safe_name if mentor else 'your mentor'} expired "
                    f"without an answer. Send `{self._command(mentee)} request` to ask "
                    "someone else."
                ),
            )
        if mentor is not None:
            out.dm(mentor, Text("A mentee's request to you expired; no action is needed."))

    async def _on_resume(
        self, uow: UnitOfWork, program: Program, reminder: Reminder, out: Outgoing
    ) -> None:
        person = await uow.participants.get(reminder.participant_id or 0)
        now = self.clock.now()
        if person is None or person.status is not ParticipantStatus.PAUSED:
            return
        if person.paused_until is None or person.paused_until > now:
            return  # paused again, or for longer: a later reminder takes over
        person.status, person.paused_until = ParticipantStatus.ACTIVE, None
        await uow.participants.save(person)
        out.dm(
            person,
            Text(
                f"🌱 Welcome back to *{program.name}*! Your pause is over and you're active again."
            ),
        )


class EndReason(StrEnum):
    """Why a match ends: its cycle ran out, a coordinator ended it, or a member left."""

    CYCLE = "cycle"
    COORDINATOR = "coordinator"
    LEFT = "left"


async def end_match(
    uow: UnitOfWork,
    program: Program,
    match: MatchRecord,
    now: datetime,
    out: Outgoing,
    why: EndReason = EndReason.CYCLE,
    leaver: Participant | None = None,
) -> None:
    """Close a match: it ends, enters the history, its space is archived, members give feedback
    (all but a member who left); the space is told why it ended."""
    match.status, match.ended_at = MatchStatus.ENDED, now
    await uow.matches.save(match)
    await uow.reminders.cancel(match_id=match.key)
    people = await members_of(uow, match)
    staying = [p for p in people if leaver is None or p.key != leaver.key]
    thanks = "Thank you both" if len(people) == 2 else "Thank you all"
    if why is EndReason.LEFT:
        role = "mentor" if leaver is not None and leaver.key in match.ids(Role.MENTOR) else "mentee"
        said = f"👋 A {role} has left *{program.name}*, so this match has ended. {thanks}!"
    elif why is EndReason.COORDINATOR:
        said = (
            f"🌟 A coordinator has ended your match in *{program.name}*. {thanks} for the time "
            "and care you gave each other! I'll ask each of you for short feedback."
        )
    else:
        said = (
            f"🌟 Your match in *{program.name}* has ended. {thanks} for the time and care "
            "you gave each other!"
        )
    out.space(match, Text(said))
    if program.cycle.archive_spaces and match.space is not None:
        out.archive.append(match.space)
    for person in staying:
        await plan_reminder(
            uow,
            program,
            "feedback",
            f"feedback:{match.key}:{person.key}:end",
            now,
            [person],
            state_id=match.program_state_id,
            match_id=match.key,
            participant_id=person.key,
            payload={"kind": "end", "early": why is not EndReason.CYCLE},
        )


def _days(count: object, otherwise: str) -> str:
    """`1 day`, `12 days`, or `several days` when the count is not known."""
    return plural(count, "day") if isinstance(count, int) else f"{otherwise} days"

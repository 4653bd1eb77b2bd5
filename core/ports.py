"""Ports: what core asks of the outside world. Adapters and storage implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from core.content import Choice, Content, Prompt
from core.domain import (
    AuditEntry,
    CheckIn,
    Cycle,
    Enrolled,
    Feedback,
    Goal,
    MatchRecord,
    MatchStatus,
    MentorRequest,
    OnboardingSession,
    Participant,
    ProgramEngagement,
    ProgramState,
)
from core.forms import TEXT_ONLY, FormLimits
from core.identity import Conversation, PlatformUser, SpaceRef
from core.programs.bindings import Binding
from core.reminders.outbox import Reminder, ReminderRepository


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform's UI can do; core picks native UI or the text fallback from these.

    `forms` says how much one form (modal) holds, or that there are none (`TEXT_ONLY`): core
    splits questionnaires into steps that fit (`core.forms.split_form`).
    """

    forms: FormLimits = TEXT_ONLY
    buttons: bool = False
    ephemeral: bool = False


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A sent message, so it can be updated (e.g. buttons disabled after a click)."""

    conversation: Conversation
    message_id: str


@dataclass(frozen=True, slots=True)
class UserInfo:
    """What a platform says about a person; core decides from it who coordinates.

    `is_admin`: a workspace admin (Slack admins/owners, Discord Manage Server, Matrix room
    admins). `roles`: the ids of the roles the person holds in the workspace (Discord), checked
    against a binding's `coordinator_role`. `power_levels`: the person's power level in each
    program room the adapter watches (Matrix; room id → level), checked against a binding's
    `coordinator_power_level`. Platforms without roles leave them empty.
    """

    display_name: str
    timezone: str | None = None
    is_admin: bool = False
    roles: frozenset[str] = frozenset()
    power_levels: Mapping[str, int] = field(default_factory=dict)


class Unreachable(Exception):
    """A person cannot be reached by direct message (DMs closed, the bot blocked, user gone).

    A port raises it from `send` to a DM instead of a generic error: it is permanent, so the
    message is not retried; core posts it in the person's match space instead and tells the
    program's coordinators once. `reason` is the platform's own short explanation.
    """

    def __init__(self, user: PlatformUser, reason: str) -> None:
        super().__init__(f"{user} cannot be reached by direct message: {reason}")
        self.user = user
        self.reason = reason


class ChatPort(Protocol):
    """One connected platform (Slack, Discord, Matrix, shell)."""

    @property
    def platform(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def command(self) -> str:
        """How a person types mentorbot's command here (`/mentor`, `!mentor`): core writes it
        into every message for this platform's people."""
        ...

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """Post a message. With `idempotency_key`, a platform that supports it (Matrix
        transaction ids, Discord nonces) delivers a retried send only once. Raises
        `Unreachable` when `to` is a DM the platform refuses for good."""
        ...

    async def update(self, message: MessageRef, content: Content) -> None: ...

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        """A private space for a match; `topic` is plain text (not markup) with people's names,
        which the adapter escapes and defuses like any text a person typed. `binding` is the
        program's binding for this platform (where to place spaces: a Discord channel or
        category, a Matrix Space), None when the program is not bound to it."""
        ...

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None: ...

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None: ...

    async def archive_space(self, space: SpaceRef) -> None: ...

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        """Give a match's space a new name and topic (plain text, escaped like `create_space`'s)
        — `forget-me` takes a person's name out of it. Returns the space as renamed, or None
        where the platform cannot rename this space (a group DM, an archived channel)."""
        ...

    async def user_info(self, user: PlatformUser) -> UserInfo: ...


DEFAULT_COMMAND = "/mentor"


def command_on(ports: Mapping[str, ChatPort], platform: str) -> str:
    """The command as typed on `platform` (the default for a platform not connected now)."""
    port = ports.get(platform)
    return port.command if port is not None else DEFAULT_COMMAND


class WorkspaceRepository(Protocol):
    async def ensure(self, platform: str, external_id: str) -> int:
        """The id of the workspace row, created on first sight."""
        ...

    async def get(self, workspace_id: int) -> tuple[str, str] | None:
        """(platform, external id) of a workspace row."""
        ...


class ProgramRepository(Protocol):
    async def ensure(self, workspace_id: int, program_key: str) -> ProgramState: ...

    async def get(self, state_id: int) -> ProgramState | None: ...

    async def all(self) -> list[ProgramState]: ...

    async def save(self, state: ProgramState) -> None: ...


class ParticipantRepository(Protocol):
    async def find(self, program_state_id: int, user: PlatformUser) -> Participant | None: ...

    async def get(self, participant_id: int) -> Participant | None: ...

    async def add(self, participant: Participant) -> Participant:
        """Insert and return the participant with its id set."""
        ...

    async def save(self, participant: Participant) -> None:
        """Update the row and replace its answers."""
        ...

    async def delete(self, participant_id: int) -> None:
        """Delete the participant with their answers and onboarding progress."""
        ...

    async def list(self, program_state_id: int) -> list[Participant]: ...

    async def everywhere(self, user: PlatformUser) -> list[Participant]:
        """The person's profile in every program of their workspace, ordered by id."""
        ...

    async def enrol_many(self, people: Sequence[Participant]) -> Enrolled:
        """Insert or update many people in a few statements (a roster import).

        Someone already in the program (same program state and user) gets the given roles,
        status, capacity, `paused_until` and exactly the given answers; their display name,
        join and policy dates stay. Everyone else is inserted as given. Unchanged rows are not
        written, so enrolling the same people twice changes nothing.
        """
        ...


class OnboardingRepository(Protocol):
    async def get(self, participant_id: int) -> OnboardingSession | None: ...

    async def save(self, session: OnboardingSession) -> None:
        """Insert or update."""
        ...

    async def delete(self, participant_id: int) -> None: ...


class CycleRepository(Protocol):
    async def current(self, program_state_id: int) -> Cycle | None:
        """The newest cycle of the program, if any."""
        ...

    async def add(self, cycle: Cycle) -> Cycle: ...

    async def all(self, program_state_id: int) -> list[Cycle]:
        """Every cycle of the program, oldest first."""
        ...


class MatchRepository(Protocol):
    async def add(self, match: MatchRecord) -> MatchRecord:
        """Insert with its members; a second add with the same idempotency key returns the first."""
        ...

    async def get(self, match_id: int) -> MatchRecord | None: ...

    async def list(
        self, program_state_id: int, statuses: Sequence[MatchStatus] = (MatchStatus.ACTIVE,)
    ) -> list[MatchRecord]: ...

    async def for_participant(
        self, participant_id: int, statuses: Sequence[MatchStatus] = (MatchStatus.ACTIVE,)
    ) -> list[MatchRecord]: ...

    async def by_space(self, space: SpaceRef) -> MatchRecord | None: ...

    async def save(self, match: MatchRecord) -> None:
        """Update status, space and its name, introduced_at, ended_at (members never change)."""
        ...

    async def pairs(self, program_state_id: int) -> set[tuple[int, int]]:
        """(mentee id, mentor id) of every match the program ever formed: no repeat pairs."""
        ...

    async def add_many(self, matches: Sequence[MatchRecord]) -> int:
        """Insert matches with their members in a few statements; keys already stored are
        skipped. Returns how many were inserted."""
        ...


class RequestRepository(Protocol):
    async def add(self, request: MentorRequest) -> MentorRequest: ...

    async def get(self, request_id: int) -> MentorRequest | None: ...

    async def pending_for_mentee(self, mentee_id: int) -> MentorRequest | None: ...

    async def pending_for_mentor(self, mentor_id: int) -> list[MentorRequest]: ...

    async def save(self, request: MentorRequest) -> None: ...

    async def declined_pairs(self, program_state_id: int) -> set[tuple[int, int]]:
        """(mentee id, mentor id) of requests the mentor declined."""
        ...


class EngagementRepository(Protocol):
    """Activity counts, check-ins, goals, feedback and end-of-cycle votes of matches."""

    async def record_activity(self, match_id: int, participant_id: int, day: date) -> None:
        """Count one message on that day (never its text)."""
        ...

    async def last_activity(self, match_id: int) -> date | None: ...

    async def engagement_in(self, program_state_id: int) -> ProgramEngagement:
        """Every match's activity days (oldest first), check-ins and goals, in a few queries."""
        ...

    async def record_checkin(self, match_id: int, checkin: CheckIn) -> None:
        """Insert or replace the member's answer to that check-in."""
        ...

    async def checkins(self, match_id: int) -> list[CheckIn]: ...

    async def goals(self, match_id: int) -> list[Goal]: ...

    async def add_goal(self, goal: Goal) -> Goal: ...

    async def save_goal(self, goal: Goal) -> None: ...

    async def delete_goal(self, goal_id: int) -> None: ...

    async def save_feedback(self, feedback: Feedback) -> None:
        """Insert or update (match, participant, kind)."""
        ...

    async def feedback_of(self, participant_id: int) -> list[Feedback]: ...

    async def feedback_for(self, program_state_id: int) -> list[Feedback]: ...

    async def vote(self, match_id: int, participant_id: int, choice: str, at: datetime) -> None:
        """Record `extend` or `close` (a later vote replaces an earlier one)."""
        ...

    async def votes(self, match_id: int) -> dict[int, str]: ...


@dataclass(frozen=True, slots=True)
class Activity:
    """How many messages a person wrote in a match's space on one day (never the text)."""

    match_id: int
    day: date
    messages: int


@dataclass(frozen=True, slots=True)
class Vote:
    """A person's end-of-cycle vote on a match: `extend` or `close`."""

    match_id: int
    choice: str
    answered_at: datetime


class PrivacyRepository(Protocol):
    """Everything held about one person beyond their profile, forgetting it, and retention
    (`core/participants`: `my-data`, `forget-me`, `MENTORBOT_RETENTION_DAYS`)."""

    async def activity(self, participant_id: int) -> list[Activity]: ...

    async def checkins(self, participant_id: int) -> list[tuple[int, CheckIn]]:
        """(match id, check-in) of every check-in the person answered, oldest first."""
        ...

    async def votes(self, participant_id: int) -> list[Vote]: ...

    async def requests(self, participant_id: int) -> list[MentorRequest]:
        """Requests the person made (as mentee) or received (as mentor), oldest first."""
        ...

    async def pending(self, participant_id: int, recipients: Sequence[str]) -> list[Reminder]:
        """Unfinished outbox rows about the person, addressed to one of `recipients`, or for
        one of their matches (its check-ins), soonest first."""
        ...

    async def forget(
        self,
        participant_id: int,
        *,
        user: PlatformUser,
        recipients: Sequence[str],
        names: Sequence[str],
        replacement: str,
        at: datetime,
    ) -> None:
        """Turn the person's profile into an anonymous placeholder (`domain.FORGOTTEN`).

        Deleted: answers, onboarding progress, goals, prompts shown in their DM, their
        coordinator record, and unfinished outbox rows addressed to `recipients`. Emptied:
        feedback comments (ratings stay) and the content of finished outbox rows about them or
        to `recipients`. `names` become `replacement` in the explanations of their matches and
        requests; their pending requests expire. Match membership, check-ins, activity counts
        and votes stay: others' history, the no-repeat rule and statistics do not change.
        """
        ...

    async def expire_answers(self, left_before: datetime) -> int:
        """Delete the answers and onboarding drafts of people who left before `left_before`,
        and empty delivered messages about them or their matches; how many people lost
        answers."""
        ...


class AuditLog(Protocol):
    """What coordinators did (`core.coordinator.audit`), newest first when read."""

    async def record(self, entry: AuditEntry) -> None: ...

    async def page(self, program_state_id: int, offset: int, limit: int) -> list[AuditEntry]:
        """Entries newest first (ties by id), `limit` of them from `offset`."""
        ...

    async def count(self, program_state_id: int) -> int: ...


class CoordinatorRepository(Protocol):
    """People who acted as coordinators of a program state without being listed (admins,
    role holders), so alerts reach them too."""

    async def record(self, program_state_id: int, user: PlatformUser, at: datetime) -> None:
        """Insert, or move `last_seen_at` forward."""
        ...

    async def of(self, program_state_id: int) -> list[PlatformUser]:
        """Everyone recorded for the program state, most recently seen first."""
        ...

    async def last_seen_as(self, platform: str, user_id: str) -> PlatformUser | None:
        """Where a platform user last acted as a coordinator (of any program), if ever."""
        ...


@dataclass(slots=True)
class SentPrompt:
    """A prompt as shown in a conversation, so an answer finds it after a restart.

    `message_id` is the platform's message when core sent it itself (None for a prompt in a
    reply, which the adapter shows); `answered_at` is set once a person in a DM answered it.
    """

    conversation: Conversation
    prompt_id: str
    choices: tuple[Choice, ...]
    sent_at: datetime
    multiple: bool = False
    max_choices: int | None = None
    message_id: str | None = None
    answered_at: datetime | None = None
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.answered_at is None

    def as_prompt(self) -> Prompt:
        """Enough of the prompt to read a typed answer (`parse_choice_text`)."""
        return Prompt(self.prompt_id, "", self.choices, self.multiple, self.max_choices)


class PromptRegistry(Protocol):
    """Which conversation (and message) carries which prompt, and whether it was answered."""

    async def record(self, prompt: SentPrompt) -> SentPrompt:
        """Insert and return the record with its id set."""
        ...

    async def latest(self, conversation: Conversation) -> SentPrompt | None:
        """The newest prompt shown in the conversation (answered or not)."""
        ...

    async def find(self, conversation: Conversation, prompt_id: str) -> SentPrompt | None:
        """The newest showing of `prompt_id` in the conversation."""
        ...

    async def by_message(self, message: MessageRef) -> SentPrompt | None:
        """The prompt a platform message carries (a reaction to it answers it)."""
        ...

    async def answered(self, record_id: int, at: datetime) -> None: ...

    async def attach(self, record_id: int, message_id: str) -> None:
        """Note the platform message that shows a prompt core returned in a reply."""
        ...


class Locks(Protocol):
    async def participant(self, participant_id: int) -> None:
        """Hold the participant's row until the transaction ends (capacity checks).

        PostgreSQL: `SELECT … FOR UPDATE`; SQLite: transactions are already serialized.
        """
        ...


class UnitOfWork(Protocol):
    workspaces: WorkspaceRepository
    programs: ProgramRepository
    participants: ParticipantRepository
    onboarding: OnboardingRepository
    cycles: CycleRepository
    matches: MatchRepository
    requests: RequestRepository
    reminders: ReminderRepository
    engagement: EngagementRepository
    coordinators: CoordinatorRepository
    privacy: PrivacyRepository
    audit: AuditLog
    prompts: PromptRegistry
    locks: Locks


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction: commits when the block exits normally, rolls back on an exception."""
        ...

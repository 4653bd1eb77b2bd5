"""SQLModel tables. Repositories map them to core's dataclasses; core never sees these classes.

The tables use their own SQLAlchemy registry and `MetaData` (not SQLModel's process-wide default)
with a naming convention, so every constraint has a stable name: Alembic needs names to drop or
alter constraints, especially in SQLite batch mode. The migrations in `storage/migrations` must
describe exactly these tables; a test compares them with Alembic's autogenerate.

Tables filled by the foundation: workspace, program_state, participant, answer,
onboarding_session. Created now for the next issues, so the migration history starts complete:
cycle, match, match_member, space, reminder. Added by matching (0002): match.introduced_at
and mentor_request. Added by engagement (0003): reminder.recipient/attempt_at, match.ends_at,
activity, checkin, goal, feedback, end_vote. Added by program bindings (0006):
program_coordinator. Added by coordinator tools (0009): audit_entry. Added by privacy (0010):
participant.left_at.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, json_type

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

MATCH_STATUSES = ("proposed", "active", "ended")
REMINDER_STATUSES = ("pending", "claimed", "sent", "failed")
MEMBER_ROLES = ("mentor", "mentee")
PARTICIPANT_STATUSES = ("onboarding", "active", "paused", "left")
REQUEST_STATUSES = ("pending", "accepted", "declined", "expired")
CHECKIN_ANSWERS = ("yes", "not_yet", "rain_check")
GOAL_PROGRESS = ("not_started", "under_way", "done")
FEEDBACK_KINDS = ("mid", "end")
END_CHOICES = ("extend", "close")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


def _when(*, nullable: bool) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class TableBase(SQLModel, registry=registry(metadata=metadata)):
    """Base of mentorbot's tables: binds them to `storage.tables.metadata`."""


class WorkspaceRow(TableBase, table=True):
    """One Slack team, Discord guild or Matrix homeserver/space the bot serves."""

    __tablename__: ClassVar[str] = "workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(32))
    external_id: str = Field(sa_type=String(255))


class ProgramStateRow(TableBase, table=True):
    """A program's state in one workspace; the definition itself is YAML, named by program_key."""

    __tablename__: ClassVar[str] = "program_state"
    __table_args__ = (UniqueConstraint("workspace_id", "program_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    program_key: str = Field(sa_type=String(64))
    enrolment_open: bool = Field(default=True)


class ParticipantRow(TableBase, table=True):
    """A person enrolled in a program.

    `platform`, `workspace_id` and `user_id` are the PlatformUser: `workspace_id` here is the
    platform's workspace id (text), not the `workspace` row id.
    """

    __tablename__: ClassVar[str] = "participant"
    __table_args__ = (
        UniqueConstraint("program_state_id", "platform", "workspace_id", "user_id"),
        Index("ix_participant_user", "platform", "workspace_id", "user_id"),
        _one_of("status", PARTICIPANT_STATUSES, "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE")
    platform: str = Field(sa_type=String(32))
    workspace_id: str = Field(sa_type=String(255))
    user_id: str = Field(sa_type=String(255))
    display_name: str = Field(sa_type=String(255))
    roles: str = Field(default="", sa_type=String(32), description='"mentee" or "mentor,mentee"')
    status: str = Field(default="onboarding", sa_type=String(16))
    capacity: int = Field(default=0)
    paused_until: datetime | None = _when(nullable=True)
    policy_accepted_at: datetime | None = _when(nullable=True)
    joined_at: datetime = _when(nullable=False)
    left_at: datetime | None = _when(nullable=True)  # added by 0010: answers expire after it


class AnswerRow(TableBase, table=True):
    """One questionnaire answer of a participant; `value` is JSON (str, number, list or null)."""

    __tablename__: ClassVar[str] = "answer"
    __table_args__ = (UniqueConstraint("participant_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    question_id: str = Field(sa_type=String(64))
    value: Any = Field(default=None, sa_column=Column(json_type(), nullable=False))


class OnboardingSessionRow(TableBase, table=True):
    """Questionnaire progress of a participant; at most one at a time."""

    __tablename__: ClassVar[str] = "onboarding_session"

    participant_id: int = Field(primary_key=True, foreign_key="participant.id", ondelete="CASCADE")
    step: str = Field(sa_type=String(16))
    roles: str = Field(default="", sa_type=String(32))
    question_id: str | None = Field(default=None, sa_type=String(64))
    draft: Any = Field(default=None, sa_column=Column(json_type(), nullable=False))
    started_at: datetime = _when(nullable=False)
    updated_at: datetime = _when(nullable=False)


class CycleRow(TableBase, table=True):
    """One matching period of a program; `number` counts from 1 within the program."""

    __tablename__: ClassVar[str] = "cycle"
    __table_args__ = (UniqueConstraint("program_state_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE")
    number: int
    starts_at: datetime = _when(nullable=False)
    ends_at: datetime = _when(nullable=False)


class MatchRow(TableBase, table=True):
    """A pair or group formed in a cycle.

    `idempotency_key` is unique, so committing the same round twice (a retry after a timeout, two
    instances) cannot create the match twice.
    """

    __tablename__: ClassVar[str] = "match"
    __table_args__ = (
        Index("ix_match_program_state_id_status", "program_state_id", "status"),
        _one_of("status", MATCH_STATUSES, "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE")
    cycle_id: int = Field(foreign_key="cycle.id", ondelete="CASCADE", index=True)
    status: str = Field(default="proposed", sa_type=String(16))
    score: float = Field(default=0.0)
    explanation: Any = Field(default=None, sa_column=Column(json_type(), nullable=False))
    created_at: datetime = _when(nullable=False)
    ended_at: datetime | None = _when(nullable=True)
    idempotency_key: str = Field(sa_type=String(255), unique=True)
    introduced_at: datetime | None = _when(nullable=True)
    ends_at: datetime | None = _when(nullable=True)


class MatchMemberRow(TableBase, table=True):
    """A participant in a match, with the role they have in it."""

    __tablename__: ClassVar[str] = "match_member"
    __table_args__ = (_one_of("role", MEMBER_ROLES, "role"),)

    match_id: int = Field(primary_key=True, foreign_key="match.id", ondelete="CASCADE")
    participant_id: int = Field(
        primary_key=True, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    role: str = Field(sa_type=String(16))


class SpaceRow(TableBase, table=True):
    """The private channel, thread or room of a match on its platform."""

    __tablename__: ClassVar[str] = "space"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", ondelete="CASCADE", unique=True)
    platform: str = Field(sa_type=String(32))
    workspace_id: str = Field(sa_type=String(255))
    external_id: str = Field(sa_type=String(255))
    name: str = Field(sa_type=String(255))
    archived_at: datetime | None = _when(nullable=True)


class ReminderRow(TableBase, table=True):
    """A scheduled message to deliver: the outbox the dispatcher claims from.

    The dispatcher claims `pending` rows whose `due_at` has passed (index on status, due_at), marks
    them `claimed`, and `sent` or `failed` after delivery. `idempotency_key` is unique so planning
    the same reminder twice keeps one row. `platform` is the platform that delivers it: a
    dispatcher claims only the platforms its process serves.
    """

    __tablename__: ClassVar[str] = "reminder"
    __table_args__ = (
        Index("ix_reminder_status_due_at", "status", "due_at"),
        Index("ix_reminder_status_attempt_at", "status", "attempt_at"),
        Index("ix_reminder_recipient_status_due_at", "recipient", "status", "due_at"),
        _one_of("status", REMINDER_STATUSES, "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(64))
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE", index=True)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    match_id: int | None = Field(
        default=None, foreign_key="match.id", ondelete="CASCADE", index=True
    )
    due_at: datetime = _when(nullable=False)
    status: str = Field(default="pending", sa_type=String(16))
    attempts: int = Field(default=0)
    idempotency_key: str = Field(sa_type=String(255), unique=True)
    payload: Any = Field(default=None, sa_column=Column(json_type(), nullable=False))
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    recipient: str = Field(default="", sa_type=String(64))
    attempt_at: datetime = _when(nullable=False)
    platform: str = Field(default="", sa_type=String(32))  # whose port delivers it


class MentorRequestRow(TableBase, table=True):
    """A mentee asking one mentor for a match; pending until accepted, declined or expired."""

    __tablename__: ClassVar[str] = "mentor_request"
    __table_args__ = (
        Index("ix_mentor_request_mentee_id_status", "mentee_id", "status"),
        Index("ix_mentor_request_mentor_id_status", "mentor_id", "status"),
        _one_of("status", REQUEST_STATUSES, "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE", index=True)
    mentee_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    status: str = Field(default="pending", sa_type=String(16))
    explanation: Any = Field(default=None, sa_column=Column(json_type(), nullable=False))
    created_at: datetime = _when(nullable=False)
    expires_at: datetime = _when(nullable=False)
    answered_at: datetime | None = _when(nullable=True)


class ActivityRow(TableBase, table=True):
    """Messages a member wrote in a match's space on one day: a count, never the text."""

    __tablename__: ClassVar[str] = "activity"

    match_id: int = Field(primary_key=True, foreign_key="match.id", ondelete="CASCADE")
    participant_id: int = Field(
        primary_key=True, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    day: date = Field(primary_key=True)
    messages: int = Field(default=0)


class CheckInRow(TableBase, table=True):
    """One member's answer to check-in number `number` of a match."""

    __tablename__: ClassVar[str] = "checkin"
    __table_args__ = (_one_of("answer", CHECKIN_ANSWERS, "answer"),)

    match_id: int = Field(primary_key=True, foreign_key="match.id", ondelete="CASCADE")
    participant_id: int = Field(
        primary_key=True, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    number: int = Field(primary_key=True)
    answer: str = Field(sa_type=String(16))
    answered_at: datetime = _when(nullable=False)


class GoalRow(TableBase, table=True):
    """A mentee's goal for a match, with its progress."""

    __tablename__: ClassVar[str] = "goal"
    __table_args__ = (_one_of("progress", GOAL_PROGRESS, "progress"),)

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", ondelete="CASCADE", index=True)
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE", index=True)
    text: str = Field(sa_type=String(300))
    progress: str = Field(default="not_started", sa_type=String(16))
    created_at: datetime = _when(nullable=False)
    updated_at: datetime = _when(nullable=False)


class FeedbackRow(TableBase, table=True):
    """A member's mid- or end-of-cycle rating (1-5) and optional comment; coordinators only."""

    __tablename__: ClassVar[str] = "feedback"
    __table_args__ = (
        _one_of("kind", FEEDBACK_KINDS, "kind"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    match_id: int = Field(primary_key=True, foreign_key="match.id", ondelete="CASCADE")
    participant_id: int = Field(
        primary_key=True, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    kind: str = Field(primary_key=True, sa_type=String(8))
    rating: int | None = Field(default=None)
    comment: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime = _when(nullable=False)


class EndVoteRow(TableBase, table=True):
    """Near a cycle's end, each member says whether to extend the match or close it."""

    __tablename__: ClassVar[str] = "end_vote"
    __table_args__ = (_one_of("choice", END_CHOICES, "choice"),)

    match_id: int = Field(primary_key=True, foreign_key="match.id", ondelete="CASCADE")
    participant_id: int = Field(
        primary_key=True, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    choice: str = Field(sa_type=String(8))
    answered_at: datetime = _when(nullable=False)


class ProgramCoordinatorRow(TableBase, table=True):
    """Someone who acted as a coordinator of a program state without being listed in the
    program file (a platform admin, a role holder): alerts reach them too. Added by 0006."""

    __tablename__: ClassVar[str] = "program_coordinator"
    __table_args__ = (
        UniqueConstraint(  # named: the conventional name is longer than PostgreSQL allows
            "program_state_id",
            "platform",
            "workspace_id",
            "user_id",
            name="uq_program_coordinator_person",
        ),
        Index("ix_program_coordinator_platform_user_id", "platform", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE")
    platform: str = Field(sa_type=String(32))
    workspace_id: str = Field(sa_type=String(255))
    user_id: str = Field(sa_type=String(255))
    last_seen_at: datetime = _when(nullable=False)


class AuditEntryRow(TableBase, table=True):
    """A coordinator's action on a program (commit, export, end-match, …): who, what, when.

    The actor is kept as a platform identity, like participants; `actor_name` is the name they
    had then. `detail` is short and holds no answers. Added by 0009."""

    __tablename__: ClassVar[str] = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_program_state_id_at", "program_state_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    program_state_id: int = Field(foreign_key="program_state.id", ondelete="CASCADE")
    platform: str = Field(sa_type=String(32))
    workspace_id: str = Field(sa_type=String(255))
    user_id: str = Field(sa_type=String(255))
    actor_name: str = Field(sa_type=String(255))
    action: str = Field(sa_type=String(32))
    detail: str = Field(default="", sa_type=String(500))
    at: datetime = _when(nullable=False)


ALL_TABLES = (
    WorkspaceRow,
    ProgramStateRow,
    ParticipantRow,
    AnswerRow,
    OnboardingSessionRow,
    CycleRow,
    MatchRow,
    MatchMemberRow,
    SpaceRow,
    ReminderRow,
    MentorRequestRow,
    ActivityRow,
    CheckInRow,
    GoalRow,
    FeedbackRow,
    EndVoteRow,
    ProgramCoordinatorRow,
    AuditEntryRow,
)

__all__ = [
    "ALL_TABLES",
    "MATCH_STATUSES",
    "MEMBER_ROLES",
    "NAMING_CONVENTION",
    "PARTICIPANT_STATUSES",
    "REMINDER_STATUSES",
    "AnswerRow",
    "AuditEntryRow",
    "CycleRow",
    "MatchMemberRow",
    "MatchRow",
    "OnboardingSessionRow",
    "ParticipantRow",
    "ProgramCoordinatorRow",
    "ProgramStateRow",
    "ReminderRow",
    "SpaceRow",
    "TableBase",
    "WorkspaceRow",
    "metadata",
]

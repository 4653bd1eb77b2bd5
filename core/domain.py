"""Domain records core works with; storage maps its tables to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from core.content import user_text
from core.identity import PlatformUser, SpaceRef
from core.programs.program import Role

FORGOTTEN = "forgotten"
"""The platform of a forgotten person's placeholder (`forgotten:<participant id>`)."""
FORGOTTEN_NAME = "someone who left"
"""What a forgotten person is called wherever their match history is shown."""


MAX_KEY = 2**63 - 1  # the largest key a database column (BIGINT) holds


def key_of(text: str) -> int | None:
    """A record's key as a person typed it (or a payload carried it); None unless it is a
    whole number a key can be, so a typo never reaches the database as a key it can't hold."""
    text = text.strip()
    if not text.isdecimal() or len(text) > 19:
        return None
    key = int(text)
    return key if 1 <= key <= MAX_KEY else None


class ParticipantStatus(StrEnum):
    ONBOARDING = "onboarding"  # started `join`, questionnaire or policy not finished
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class OnboardingStep(StrEnum):
    ROLE = "role"  # choosing mentor / mentee / both
    QUESTION = "question"  # answering `question_id`
    FORM = "form"  # answering the questionnaire as a form, step by step
    STOPPED = "stopped"  # `cancel` part-way: the draft is kept, `join` carries on
    POLICY = "policy"  # accepting the program policy
    EDIT = "edit"  # changing one answer of a finished profile (`question_id`)


@dataclass(slots=True)
class ProgramState:
    """A program's state in one workspace (the definition itself lives in YAML)."""

    id: int
    workspace_id: int
    program_key: str
    enrolment_open: bool = True


@dataclass(slots=True)
class Participant:
    program_state_id: int
    user: PlatformUser
    display_name: str
    joined_at: datetime
    roles: frozenset[Role] = frozenset()
    status: ParticipantStatus = ParticipantStatus.ONBOARDING
    capacity: int = 0
    paused_until: datetime | None = None
    policy_accepted_at: datetime | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    left_at: datetime | None = None  # when they last left (answers expire after retention)
    id: int | None = None

    def is_paused(self, now: datetime) -> bool:
        """Paused without an end date, or until a moment still in the future."""
        if self.status is not ParticipantStatus.PAUSED:
            return False
        return self.paused_until is None or self.paused_until > now

    @property
    def key(self) -> int:
        """The database id; only saved participants reach the code that asks for it."""
        if self.id is None:
            raise ValueError("participant has not been saved")
        return self.id

    @property
    def forgotten(self) -> bool:
        """Deleted by `forget-me`: an anonymous placeholder that keeps match history whole."""
        return self.user.platform == FORGOTTEN

    @property
    def safe_name(self) -> str:
        """The display name as others may see it: no pings, no markup."""
        return user_text(self.display_name, limit=80)

    @property
    def role_label(self) -> str:
        return " and ".join(sorted(r.value for r in self.roles)) or "no role yet"


@dataclass(frozen=True, slots=True)
class Enrolled:
    """What `ParticipantRepository.enrol_many` did: everyone's id, and how many were new."""

    ids: dict[PlatformUser, int]
    created: int


@dataclass(slots=True)
class OnboardingSession:
    """Questionnaire progress, persisted after every answer so a restart resumes it."""

    participant_id: int
    step: OnboardingStep
    started_at: datetime
    updated_at: datetime
    roles: frozenset[Role] = frozenset()
    question_id: str | None = None
    draft: dict[str, Any] = field(default_factory=dict)


class MatchStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(slots=True)
class Cycle:
    """One matching period of a program; matches belong to the cycle that formed them."""

    id: int
    program_state_id: int
    number: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class MatchMember:
    participant_id: int
    role: Role


@dataclass(slots=True)
class MatchRecord:
    """A pair or group formed in a cycle, with its private space once that exists."""

    program_state_id: int
    cycle_id: int
    members: tuple[MatchMember, ...]
    score: float
    explanation: list[str]
    created_at: datetime
    idempotency_key: str
    status: MatchStatus = MatchStatus.ACTIVE
    space: SpaceRef | None = None
    introduced_at: datetime | None = None
    ended_at: datetime | None = None
    ends_at: datetime | None = None  # end of the cycle it runs in (moves on when extended)
    id: int | None = None

    @property
    def key(self) -> int:
        if self.id is None:
            raise ValueError("match has not been saved")
        return self.id

    def ids(self, role: Role) -> list[int]:
        return [m.participant_id for m in self.members if m.role is role]


@dataclass(slots=True)
class MentorRequest:
    """A mentee asking one mentor; the mentor accepts or declines before `expires_at`."""

    program_state_id: int
    mentee_id: int
    mentor_id: int
    created_at: datetime
    expires_at: datetime
    explanation: list[str] = field(default_factory=list)
    status: RequestStatus = RequestStatus.PENDING
    answered_at: datetime | None = None
    id: int | None = None

    @property
    def key(self) -> int:
        if self.id is None:
            raise ValueError("request has not been saved")
        return self.id


class CheckInAnswer(StrEnum):
    YES = "yes"
    NOT_YET = "not_yet"
    RAIN_CHECK = "rain_check"


class GoalProgress(StrEnum):
    NOT_STARTED = "not_started"
    UNDER_WAY = "under_way"
    DONE = "done"


class Health(StrEnum):
    """How a match is doing, from activity in its space and its check-ins."""

    ACTIVE = "active"
    QUIET = "quiet"
    AT_RISK = "at risk"


@dataclass(slots=True)
class Goal:
    match_id: int
    participant_id: int
    text: str
    created_at: datetime
    updated_at: datetime
    progress: GoalProgress = GoalProgress.NOT_STARTED
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckIn:
    number: int
    participant_id: int
    answer: CheckInAnswer
    answered_at: datetime


@dataclass(slots=True)
class Feedback:
    """A rating of 1-5 with an optional comment; `comment` None means not asked yet."""

    match_id: int
    participant_id: int
    kind: str  # "mid" or "end"
    answered_at: datetime
    rating: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ProgramEngagement:
    """Every match's activity days, check-ins and goals in a program, read at once (stats and
    exports of programs with thousands of matches), each keyed by match id."""

    active_days: dict[int, list[date]]
    checkins: dict[int, list[CheckIn]]
    goals: dict[int, list[Goal]]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A coordinator's action on a program: who, what, when (`action` is an `AuditAction`),
    with a short `detail` (a match number, `anonymised`, a count — never people's answers)."""

    program_state_id: int
    actor: PlatformUser
    actor_name: str
    action: str
    at: datetime
    detail: str = ""
    id: int | None = None

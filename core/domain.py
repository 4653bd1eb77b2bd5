"""Domain records core works with; storage maps its tables to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.identity import PlatformUser
from core.program import Role


class ParticipantStatus(StrEnum):
    ONBOARDING = "onboarding"  # started `join`, questionnaire or policy not finished
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class OnboardingStep(StrEnum):
    ROLE = "role"  # choosing mentor / mentee / both
    QUESTION = "question"  # answering `question_id`
    FORM = "form"  # a modal with every question is open
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
    def role_label(self) -> str:
        return " and ".join(sorted(r.value for r in self.roles)) or "no role yet"


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

"""Who and where: platform users and the conversations they talk in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class PlatformUser:
    """How a person is reached: (platform, workspace id, user id)."""

    platform: str
    workspace_id: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace_id}:{self.user_id}"


class ConversationKind(StrEnum):
    DM = "dm"
    SPACE = "space"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where an event happened or a message goes: a DM with a user, a match space, a channel."""

    platform: str
    workspace_id: str
    kind: ConversationKind
    id: str

    @classmethod
    def dm(cls, user: PlatformUser) -> Conversation:
        return cls(user.platform, user.workspace_id, ConversationKind.DM, user.user_id)


@dataclass(frozen=True, slots=True)
class SpaceRef:
    """A private space (channel, thread or room) of a match on its platform."""

    platform: str
    workspace_id: str
    space_id: str
    name: str

    @property
    def conversation(self) -> Conversation:
        return Conversation(self.platform, self.workspace_id, ConversationKind.SPACE, self.space_id)

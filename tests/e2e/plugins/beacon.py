"""A test-only adapter, registered through MENTORBOT_EXTRA_ADAPTERS=beacon=beacon:create.

A singleton that holds no real connection: on start it prints `BEACON serving <pid>`, so a test
can see which `mentorbot run` process holds the lease.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from core.adapter import AdapterServices
from core.content import Content
from core.identity import Conversation, PlatformUser, SpaceRef
from core.ports import Capabilities, ChatPort, MessageRef, UserInfo
from core.programs.bindings import Binding


class BeaconPort:
    """Sends nothing: the beacon has no people."""

    @property
    def platform(self) -> str:
        return "beacon"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        raise NotImplementedError("the beacon has nobody to talk to")

    async def update(self, message: MessageRef, content: Content) -> None:
        raise NotImplementedError

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        raise NotImplementedError

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        raise NotImplementedError

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        raise NotImplementedError

    async def archive_space(self, space: SpaceRef) -> None:
        raise NotImplementedError

    async def user_info(self, user: PlatformUser) -> UserInfo:
        return UserInfo(display_name=user.user_id)


class BeaconAdapter:
    platform = "beacon"
    singleton = True

    def __init__(self) -> None:
        self._port = BeaconPort()

    @property
    def port(self) -> ChatPort:
        return self._port

    async def start(self, services: AdapterServices) -> None:
        print(f"BEACON serving {os.getpid()}", flush=True)

    async def close(self) -> None:
        print(f"BEACON closed {os.getpid()}", flush=True)


def create(settings: Any, context: Any) -> BeaconAdapter:
    return BeaconAdapter()

"""`FakeChat`: a `ChatPort` that records everything, for tests of core without a platform."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.content import Content
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.ports import Capabilities, MessageRef, Unreachable, UserInfo
from core.programs.bindings import Binding


@dataclass
class FakeChat:
    """A ChatPort that records everything; `admins` are platform admins, `roles` and
    `power_levels` what the platform reports of a person's roles and room power levels."""

    caps: Capabilities = field(default_factory=Capabilities)
    admins: set[str] = field(default_factory=set)
    name: str = "fake"  # the platform
    command: str = "/mentor"  # how the command is typed on it
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    power_levels: dict[str, dict[str, int]] = field(default_factory=dict)
    sent: list[tuple[Conversation, Content]] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, MessageRef] = field(default_factory=dict)
    archived: list[SpaceRef] = field(default_factory=list)
    renamed: list[tuple[SpaceRef, str]] = field(default_factory=list)  # (space, topic)
    spaces: list[SpaceRef] = field(default_factory=list)
    fail_after_create: int = 0  # the next N create_space calls "crash" after creating
    fail_space_sends: int = 0  # the next N messages into a space fail
    unreachable: dict[str, str] = field(default_factory=dict)  # user id -> why DMs fail
    attempts: list[str | None] = field(default_factory=list)  # every send's idempotency key

    @property
    def platform(self) -> str:
        return self.name

    @property
    def capabilities(self) -> Capabilities:
        return self.caps

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        self.attempts.append(idempotency_key)
        if idempotency_key is not None and idempotency_key in self.keys:
            return self.keys[idempotency_key]
        if to.kind is ConversationKind.DM and to.id in self.unreachable:
            user = PlatformUser(to.platform, to.workspace_id, to.id)
            raise Unreachable(user, self.unreachable[to.id])
        if to.kind is ConversationKind.SPACE and self.fail_space_sends:
            self.fail_space_sends -= 1
            raise ConnectionError("platform unavailable")
        self.sent.append((to, content))
        ref = MessageRef(to, str(len(self.sent)))
        if idempotency_key is not None:
            self.keys[idempotency_key] = ref
        return ref

    async def update(self, message: MessageRef, content: Content) -> None:
        self.sent.append((message.conversation, content))

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        space = next((s for s in self.spaces if s.name == name), None)
        if space is None:  # like the real adapters: creating by name is idempotent
            space = SpaceRef(self.name, workspace_id, f"space-{len(self.spaces) + 1}", name)
            self.spaces.append(space)
            self.members[space.space_id] = [m.user_id for m in members]
        if self.fail_after_create:
            self.fail_after_create -= 1
            raise TimeoutError("the platform timed out after creating the space")
        return space

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        members = self.members.setdefault(space.space_id, [])
        members.extend(u.user_id for u in users if u.user_id not in members)

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        gone = {u.user_id for u in users}
        members = self.members.get(space.space_id, [])
        members[:] = [m for m in members if m not in gone]

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        renamed = SpaceRef(space.platform, space.workspace_id, space.space_id, name)
        self.renamed.append((renamed, topic))
        return renamed

    async def archive_space(self, space: SpaceRef) -> None:
        self.archived.append(space)

    async def user_info(self, user: PlatformUser) -> UserInfo:
        return UserInfo(
            user.user_id.title(),
            is_admin=user.user_id in self.admins,
            roles=self.roles.get(user.user_id, frozenset()),
            power_levels=self.power_levels.get(user.user_id, {}),
        )

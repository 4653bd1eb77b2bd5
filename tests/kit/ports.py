"""Each `ChatPort` as the port contract test sees it: the port plus a view of its platform.

A `PortUnderTest` bundles a port with three people who exist on its platform and read-only
observers of the platform's side (what a conversation shows, who is in a space, whether it is
archived), so the contract can check that a call did something, not only that it returned.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.discord.app import DiscordAdapter, DiscordConfig
from adapters.shell.adapter import ShellAdapter
from adapters.slack.port import SlackPort
from core.clock import ManualClock
from core.content import as_text
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.ports import ChatPort
from tests.kit.discord import BOT_ID, GUILD, TOKEN, FakeDiscord
from tests.kit.discord import USERS as DISCORD_USERS
from tests.kit.fake_port import FakeChat
from tests.kit.harness import START
from tests.kit.matrix.synapse import Synapse
from tests.kit.matrix.world import World
from tests.kit.slack import BOT_TOKEN, BOT_USER, TEAM, USERS, FakeSlack

People = tuple[PlatformUser, PlatformUser, PlatformUser]


@dataclass
class PortUnderTest:
    port: ChatPort
    workspace: str
    people: People
    """Ana, Ben and Cora (display names exactly those), as users of the platform."""
    shown: Callable[[Conversation], list[str]]
    """Every message the conversation shows now, oldest first, as text (labels included)."""
    members: Callable[[SpaceRef], set[str]]
    """User ids in the space, the bot itself left out."""
    archived: Callable[[SpaceRef], bool]


def three(user: Callable[[str], PlatformUser], ana: str, ben: str, cora: str) -> People:
    return user(ana), user(ben), user(cora)


@asynccontextmanager
async def fake_chat_port() -> AsyncIterator[PortUnderTest]:
    port = FakeChat()

    def shown(where: Conversation) -> list[str]:
        return [as_text(c) for w, c in port.sent if (w.kind, w.id) == (where.kind, where.id)]

    yield PortUnderTest(
        port,
        "ws1",
        three(lambda name: PlatformUser("fake", "ws1", name), "ana", "ben", "cora"),
        shown,
        lambda space: set(port.members.get(space.space_id, [])),
        lambda space: space in port.archived,
    )


def shell_shown(lines: list[str], where: Conversation) -> list[str]:
    """The shell's output for one conversation, a message per entry."""
    header = (
        f"  mentorbot → {where.id}"
        if where.kind is ConversationKind.DM
        else f"  mentorbot in #{where.id}"
    )
    return [line for line in lines if line.startswith(header)]


@asynccontextmanager
async def shell_port() -> AsyncIterator[PortUnderTest]:
    lines: list[str] = []
    shell = ShellAdapter(lines.append)
    yield PortUnderTest(
        shell,
        "local",
        three(shell.user, "ana", "ben", "cora"),
        lambda where: shell_shown(lines, where),
        lambda space: set(shell.state.rooms[space.space_id].members),
        lambda space: shell.state.rooms[space.space_id].archived,
    )


def slack_text(message: dict[str, Any]) -> str:
    return f"{message.get('text') or ''}\n{json.dumps(message.get('blocks') or [])}"


def slack_channel(where: Conversation) -> str:
    """The channel the fake Slack posts to: a person's id means their DM (`U…` → `D…`)."""
    return "D" + where.id[1:] if where.id.startswith("U") else where.id


@asynccontextmanager
async def slack_port() -> AsyncIterator[PortUnderTest]:
    fake = await FakeSlack(dict(USERS)).start()

    async def token(team: str) -> str | None:
        return BOT_TOKEN if team == TEAM else None

    port = SlackPort(token, base_url=fake.base_url)

    def shown(where: Conversation) -> list[str]:
        channel = slack_channel(where)
        return [slack_text(m) for (ch, _), m in fake.messages.items() if ch == channel]

    try:
        yield PortUnderTest(
            port,
            TEAM,
            three(lambda uid: PlatformUser("slack", TEAM, uid), "U0ANA", "U0BEN", "U0CORA"),
            shown,
            lambda space: fake.channels[space.space_id].members - {BOT_USER},
            lambda space: fake.channels[space.space_id].archived,
        )
    finally:
        await port.close()
        await fake.close()


def discord_shown(fake: FakeDiscord, where: Conversation) -> list[str]:
    """A DM shows the messages to that person; a space those posted in its channel."""
    if where.kind is ConversationKind.DM:
        found = [s for s in fake.shown if s.owner == where.id and s.kind == "message"]
    else:
        found = fake.seen_in(where.id)
    return [
        f"{s.data.get('content') or ''}\n{json.dumps(s.data.get('components') or [])}"
        for s in found
    ]


@asynccontextmanager
async def discord_port(fake: FakeDiscord | None = None) -> AsyncIterator[PortUnderTest]:
    """The Discord port on discord.py's HTTP client, against the loopback fake (REST only)."""
    fake = await (fake or FakeDiscord()).start()
    adapter = DiscordAdapter(DiscordConfig(TOKEN, (int(GUILD),), fake.base_url, fake.gateway_url))
    adapter.point()
    port = adapter.port
    ids = sorted(DISCORD_USERS)[:3]  # Ana, Ben, Cora (Cy and Dee come after)
    try:
        yield PortUnderTest(
            port,
            GUILD,
            three(lambda uid: PlatformUser("discord", GUILD, uid), *ids),
            lambda where: discord_shown(fake, where),
            lambda space: fake.space_members(fake.channels[space.space_id]),
            lambda space: fake_archived(fake, space.space_id),
        )
    finally:
        await adapter.client.close()
        await fake.close()


def fake_archived(fake: FakeDiscord, space_id: str) -> bool:
    """A thread archived and locked, or a channel its members can no longer write in."""
    channel = fake.channels[space_id]
    if channel.type == 12:
        return channel.archived and channel.locked
    members = [o for o in channel.overwrites.values() if int(o.get("type") or 0) == 1]
    members = [o for o in members if str(o["id"]) != BOT_ID]
    return bool(members) and all(int(o.get("deny") or 0) & (1 << 11) for o in members)


class _Settled:
    """The Matrix port, each call followed by the people's clients catching up with it (a
    client shows a message only after its next sync): the calls themselves are the port's."""

    def __init__(self, port: ChatPort, world: World) -> None:
        self._port, self._world = port, world

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._port, name)
        if not asyncio.iscoroutinefunction(found):
            return found

        async def settled(*args: Any, **kwargs: Any) -> Any:
            result = await found(*args, **kwargs)
            await self._world.settle()
            return result

        return settled


@asynccontextmanager
async def matrix_port(synapse: Synapse, directory: Path) -> AsyncIterator[PortUnderTest]:
    """The Matrix port of a running adapter on a real Synapse; people read with their clients."""
    world = await World.create(synapse, directory)
    await world.start_bot(f"sqlite:///{directory / 'bot.db'}", ManualClock(START))
    assert world.adapter is not None
    bot = world.bot
    by_id = {p.user_id: p for p in world.people.values()}

    def shown(where: Conversation) -> list[str]:
        if where.kind is ConversationKind.DM:
            person = by_id[where.id]
            room = world.adapter.port.book.dms.get(where.id) if world.adapter else None
            seen = person.rooms.get(room or "", [])
        else:
            seen = next(
                (p.rooms[where.id] for p in world.people.values() if where.id in p.rooms), []
            )
        return [s.text for s in seen if s.sender == bot.user_id]

    def state(room: str, path: str) -> dict[str, Any]:
        return synapse.request(
            "GET", f"/_matrix/client/v3/rooms/{room}/{path}", token=bot.access_token
        )

    def members(space: SpaceRef) -> set[str]:
        chunk = state(space.space_id, "members")["chunk"]
        present = {
            e["state_key"]
            for e in chunk  # type: ignore[union-attr]
            if e["content"].get("membership") in ("join", "invite")
        }
        return present - {bot.user_id}

    def archived(space: SpaceRef) -> bool:
        """Read-only for its members, reactions included (as a remaining member reads it); the
        bot stays in it, as its moderator, so that `forget-me` can still act on it."""
        room = f"/_matrix/client/v3/rooms/{space.space_id}/state"
        for person in world.people.values():
            token = person.account.access_token
            try:
                levels = synapse.request("GET", f"{room}/m.room.power_levels", token=token)
            except OSError:
                continue  # not a member
            users = dict(levels.get("users") or {})  # type: ignore[call-overload]
            mine = int(users.get(person.user_id, levels.get("users_default", 0)))
            events = dict(levels.get("events") or {})  # type: ignore[call-overload]
            return min(int(levels.get("events_default", 0)), int(events["m.reaction"])) > mine
        return False

    try:
        yield PortUnderTest(
            _Settled(world.adapter.port, world),  # type: ignore[arg-type]
            "localhost",
            three(
                lambda key: PlatformUser("matrix", "localhost", world.people[key].user_id),
                "ana",
                "ben",
                "cora",
            ),
            shown,
            members,
            archived,
        )
    finally:
        await world.close()

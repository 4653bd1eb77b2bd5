"""The Matrix adapter: nio's sync loop in, `MatrixPort` out, end-to-end encrypted.

`start` logs in (restoring the stored device), uploads keys, and runs one sync before it
returns. On the very first start that sync only learns the rooms (old messages are not
commands for this bot); after a restart the stored sync token makes it deliver exactly what
arrived while the bot was away. Each handled event id is also checked with `first_time`, so
nothing runs twice even if a sync is replayed. Events are handled one after another per person,
off the sync loop, so a long command (a commit) never stalls it.

Invitations are accepted by policy: rooms named by a program binding from anyone; other rooms
(DMs) from people on `allowed_servers` (the bot's own homeserver when empty). Undecryptable
messages are logged with their session id and the key is requested, never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    InviteMemberEvent,
    JoinError,
    MatrixRoom,
    MegolmEvent,
    ReactionEvent,
    RoomMessageText,
    SyncError,
    SyncResponse,
)

from adapters.matrix.parse import RoomKind, Seen, event_of
from adapters.matrix.port import MatrixPort, RoomBook, Synced
from adapters.matrix.session import MatrixConfig, client_for, log_in
from core.adapter import AdapterServices
from core.content import Content, Prompt, Reply, Text
from core.events import Event
from core.identity import Conversation, ConversationKind

log = logging.getLogger(__name__)


class MatrixAdapter:
    """One bot account on one homeserver (a singleton: one sync loop per device)."""

    def __init__(self, config: MatrixConfig) -> None:
        config.check()
        self.config = config
        self.client: AsyncClient = client_for(config)
        self.book = RoomBook.load(config.store_path / "rooms.json")
        self.synced = Synced()
        self._port = MatrixPort(self.client, config, self.book, self.synced)
        self._services: AdapterServices | None = None
        self._loop: asyncio.Task[None] | None = None
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._joining: set[str] = set()
        self.undecryptable: list[MegolmEvent] = []
        self.handled: deque[str] = deque(maxlen=1000)  # event ids just handled (tests wait on it)

    @property
    def platform(self) -> str:
        return "matrix"

    @property
    def port(self) -> MatrixPort:
        return self._port

    @property
    def singleton(self) -> bool:
        return True

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self, services: AdapterServices) -> None:
        self._services = services
        await log_in(self.client, self.config)
        if self.client.olm is not None:
            key = self.client.olm.account.identity_keys["ed25519"]
            log.info(
                "matrix: %s on device %s (key %s): compare it when verifying the bot",
                self.client.user_id,
                self.client.device_id,
                key,
            )
        for info in await services.spaces(self.platform, self._port.workspace):
            self.book.matches.add(info.space.space_id)
        resuming = self.client.loaded_sync_token is not None
        if resuming:
            self._listen()  # what arrived while the bot was away is for it
        first = await self.client.sync(timeout=0, full_state=True, set_presence="offline")
        if not isinstance(first, SyncResponse):
            raise OSError(f"the first sync with {self.config.homeserver} failed: {first}")
        await self._after_sync()
        if not resuming:
            self._listen()  # the first time: history is not commands for this bot
        for room in list(self.client.invited_rooms.values()):  # invited while it was away
            await self._consider(room.room_id, room.inviter or "", is_direct=False)
        self._loop = asyncio.create_task(self._sync_forever(), name="matrix-sync")

    async def close(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        for task in list(self._chains.values()):
            task.cancel()
        await asyncio.gather(*self._chains.values(), return_exceptions=True)
        self._chains.clear()
        await self.client.close()

    def _listen(self) -> None:
        self.client.add_event_callback(self._on_text, (RoomMessageText,))
        self.client.add_event_callback(self._on_reaction, (ReactionEvent,))
        self.client.add_event_callback(self._on_undecryptable, (MegolmEvent,))
        self.client.add_event_callback(self._on_invite, (InviteMemberEvent,))

    async def _sync_forever(self) -> None:
        """Long-poll syncs; errors and lost connections are retried with growing pauses,
        resuming from the last sync token."""
        delay = 1.0
        while True:
            try:
                done = await self.client.sync(
                    timeout=self.config.sync_timeout_ms, set_presence="offline"
                )
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                done = SyncError(str(error) or type(error).__name__)
            if isinstance(done, SyncError):
                log.warning("matrix: sync failed (%s); retrying in %.0f s", done.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_backoff)
                continue
            delay = 1.0
            try:
                await self._after_sync()
            except Exception:
                log.exception("matrix: key maintenance after a sync failed")

    async def _after_sync(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        await self._port.refresh_keys()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await self.synced.notify()

    # --- inbound ------------------------------------------------------------------------------

    def _kind(self, room: MatrixRoom) -> RoomKind:
        if room.room_id in self.book.matches:
            return RoomKind.MATCH
        if self.book.dm_user(room.room_id) is not None:
            return RoomKind.DM
        return RoomKind.OTHER

    def _fresh(self, room: MatrixRoom, sender: str, timestamp: int) -> bool:
        if sender == self.client.user_id:
            return False
        return timestamp >= self.book.joined_at.get(room.room_id, 0)

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if not self._fresh(room, event.sender, event.server_timestamp):
            return
        if (event.source.get("content") or {}).get("m.relates_to", {}).get("rel_type") == (
            "m.replace"
        ):
            return  # an edit: the first version was the command
        name = room.user_name(event.sender)
        seen = Seen(room.room_id, self._kind(room), event.sender, event.body, display_name=name)
        self._spawn(event.sender, self._handle(event.event_id, seen))

    async def _on_reaction(self, room: MatrixRoom, event: ReactionEvent) -> None:
        if not self._fresh(room, event.sender, event.server_timestamp):
            return
        seen = Seen(
            room.room_id, self._kind(room), event.sender, reacts_to=event.reacts_to, key=event.key
        )
        self._spawn(event.sender, self._handle(event.event_id, seen))

    async def _on_undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        self.undecryptable.append(event)
        log.warning(
            "matrix: cannot decrypt %s from %s in %s (session %s); asking for the key",
            event.event_id,
            event.sender,
            room.room_id,
            event.session_id,
        )
        with contextlib.suppress(Exception):
            await self.client.request_room_key(event)

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key != self.client.user_id or event.membership != "invite":
            return
        direct = bool((event.content or {}).get("is_direct"))
        await self._consider(room.room_id, event.sender, is_direct=direct)

    async def _consider(self, room_id: str, inviter: str, *, is_direct: bool) -> None:
        """Join by the invitation policy: program rooms from anyone, others (DMs) from people
        on an allowed homeserver."""
        if room_id in self._joining or room_id in self.client.rooms:
            return
        server = inviter.partition(":")[2]
        allowed = self.config.allowed_servers or frozenset({self.config.server_name})
        program_room = room_id in self.config.program_rooms
        if not program_room and server not in allowed:
            log.info("matrix: declined an invitation from a user on %s (not allowed)", server)
            return
        self._joining.add(room_id)
        try:
            joined = await self.client.join(room_id)
        finally:
            self._joining.discard(room_id)
        if isinstance(joined, JoinError):
            log.warning("matrix: could not join %s: %s", room_id, joined.message)
            return
        self.book.joined_at[room_id] = int(time.time() * 1000)
        if is_direct and not program_room:
            self.book.remember_dm(inviter, room_id)

    def _spawn(self, sender: str, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the sender's earlier events (their order kept), off the sync loop."""
        before = self._chains.get(sender)

        async def run() -> None:
            if before is not None:
                await asyncio.gather(before, return_exceptions=True)
            try:
                await work
            except Exception:
                log.exception("matrix: handling an event failed")

        task = asyncio.create_task(run())
        self._chains[sender] = task
        task.add_done_callback(
            lambda done: (
                self._chains.pop(sender, None) if self._chains.get(sender) is done else None
            )
        )

    async def _handle(self, event_id: str, seen: Seen) -> None:
        services = self._services
        assert services is not None
        try:
            event = event_of(seen, self._port.workspace, self.config.prefix)
            if event is None or not await services.first_time(event_id):
                return
            reply = await services.handle(event)
            await self.show(event, reply)
        finally:
            self.handled.append(event_id)
            await self.synced.notify()

    async def show(self, event: Event, reply: Reply) -> None:
        """Core's reply where the person acted, or in their DM when it is private."""
        where = event.where
        if reply.private and where.kind is not ConversationKind.DM:
            where = Conversation.dm(event.user)
        messages: list[Content] = list(reply.messages)
        if reply.form_errors:
            messages.extend(Text(f"⚠️ {error}") for error in reply.form_errors.values())
        for content in messages:
            ref = await self._port.send(where, content)
            if isinstance(content, Prompt) and self._services is not None:
                await self._services.shown(event.where, content.id, ref)

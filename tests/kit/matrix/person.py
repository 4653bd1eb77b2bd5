"""A person on the test Synapse: a real nio client with end-to-end encryption, as a chat app.

It logs in on a device of its own (fresh store), uploads its keys, syncs in the background,
accepts the bot's invitations, and keeps what each room shows, decrypted (edits applied).
It types messages and reacts — encrypted, as a modern client does. Attachments are fetched
(authenticated media) and decrypted when they arrive, as a client does to show them; one it
cannot fetch or decrypt is listed in `broken_files`. `undecryptable` collects events it could
not decrypt, so a test can fail loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    DownloadError,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomMessage,
    RoomSendResponse,
    SyncResponse,
)
from nio.crypto.attachments import decrypt_attachment

from tests.kit.matrix.synapse import Synapse, User


@dataclass
class Shown:
    event_id: str
    sender: str
    body: str
    formatted: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    file: bytes | None = None  # an attachment's bytes, decrypted

    @property
    def text(self) -> str:
        return f"{self.body}\n{self.formatted}"


class Person:
    """One registered user with a running client; `start()` then `close()`."""

    def __init__(self, synapse: Synapse, account: User, store: Path, name: str) -> None:
        self.synapse = synapse
        self.account = account
        self.name = name
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            synapse.base_url,
            account.user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        self.rooms: dict[str, list[Shown]] = {}
        self.undecryptable: list[MegolmEvent] = []
        self.broken_files: list[str] = []  # attachments it could not fetch or decrypt
        self.seen_ids: set[str] = set()  # every message event this client received
        self.accept_from: set[str] = set()  # whose invitations to accept ("" = anyone)
        self._loop: asyncio.Task[None] | None = None
        self._synced = asyncio.Condition()
        self._batches = 0

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def start(self) -> Person:
        done = await self.client.login(self.account.password, device_name=f"{self.name}-phone")
        assert isinstance(done, LoginResponse), done
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(self._on_message, (RoomMessage,))
        self.client.add_event_callback(self._on_undecryptable, (MegolmEvent,))
        self.client.add_event_callback(self._on_invite, (InviteMemberEvent,))
        await self._sync(0)
        self._loop = asyncio.create_task(self._forever(), name=f"person-{self.name}")
        return self

    async def close(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self.client.close()

    async def _sync(self, poll_ms: int) -> None:
        done = await self.client.sync(timeout=poll_ms, set_presence="offline")
        if isinstance(done, SyncResponse):
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
        async with self._synced:
            self._batches += 1
            self._synced.notify_all()

    async def _forever(self) -> None:
        while True:
            try:
                await self._sync(5000)
            except Exception:  # a test server hiccup: keep syncing
                await asyncio.sleep(0.2)

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        mine = event.state_key == self.user_id and event.membership == "invite"
        if mine and ("" in self.accept_from or event.sender in self.accept_from):
            await self.client.join(room.room_id)

    async def _on_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        content = dict(event.source.get("content") or {})
        self._show(room.room_id, event, content, await self._attachment(content))
        self.seen_ids.add(event.event_id)  # after the download: `received` means shown

    async def _attachment(self, content: dict[str, Any]) -> bytes | None:
        """A file's bytes: fetched, and decrypted when it came encrypted (`file`)."""
        if content.get("msgtype") != "m.file":
            return None
        secret = content.get("file") or {}
        fetched = await self.client.download(str(secret.get("url") or content.get("url")))
        try:
            if isinstance(fetched, DownloadError):
                raise OSError(fetched.message)
            if not secret:
                return bytes(fetched.body)
            return decrypt_attachment(
                fetched.body, secret["key"]["k"], secret["hashes"]["sha256"], secret["iv"]
            )
        except Exception as error:  # shown without its bytes; the test reads `broken_files`
            self.broken_files.append(f"{content.get('body')!r}: {error}")
            return None

    def _show(
        self, room_id: str, event: RoomMessage, content: dict[str, Any], file: bytes | None
    ) -> None:
        relates = content.get("m.relates_to") or {}
        shown = self.rooms.setdefault(room_id, [])
        if relates.get("rel_type") == "m.replace":
            new = content.get("m.new_content") or {}
            for item in shown:
                if item.event_id == relates.get("event_id"):
                    item.body = str(new.get("body", ""))
                    item.formatted = str(new.get("formatted_body", ""))
            return
        shown.append(
            Shown(
                event.event_id,
                event.sender,
                str(content.get("body", "")),
                str(content.get("formatted_body", "")),
                content,
                file,
            )
        )

    async def _on_undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        self.undecryptable.append(event)
        self.seen_ids.add(event.event_id)

    # --- acting -----------------------------------------------------------------------------

    async def caught_up(self, within: float = 20) -> None:
        """Until a sync that began after this call has been processed."""
        async with self._synced:
            target = self._batches + 1
            await asyncio.wait_for(self._synced.wait_for(lambda: self._batches >= target), within)

    async def until(self, room_id: str, seen: Any, within: float = 20) -> None:
        """Until `seen(list of what the room shows)` is true."""
        deadline = time.monotonic() + within
        while not seen(self.rooms.get(room_id, [])):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: room {room_id} never showed it")
            async with self._synced:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._synced.wait(), 1)

    async def received(self, event_ids: set[str], within: float = 15) -> None:
        """Until this client has received every one of `event_ids` (or `within` seconds passed)."""
        deadline = time.monotonic() + within
        while not event_ids <= self.seen_ids and time.monotonic() < deadline:
            async with self._synced:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._synced.wait(), 1)

    async def joined(self, room_id: str, within: float = 20) -> None:
        deadline = time.monotonic() + within
        while room_id not in self.client.rooms:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} never joined {room_id}")
            await self.caught_up()

    async def _encrypted_send(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        client = self.client
        room = client.rooms[room_id]
        if not room.encrypted:
            done = await client.room_send(room_id, kind, content, ignore_unverified_devices=True)
            assert isinstance(done, RoomSendResponse), done
            return str(done.event_id)
        if not room.members_synced:
            await client.joined_members(room_id)
        if client.olm is not None:
            client.olm.update_tracked_users(room)  # invited members too
        if client.should_query_keys:
            await client.keys_query()
        if client.olm is not None and client.olm.should_share_group_session(room_id):
            await client.share_group_session(room_id, ignore_unverified_devices=True)
        kind, content = client.encrypt(room_id, kind, content)
        method, path, data = Api.room_send(
            client.access_token, room_id, kind, content, uuid.uuid4()
        )
        done = await client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(done, RoomSendResponse), done
        return str(done.event_id)

    async def say(self, room_id: str, text: str) -> str:
        """Type `text` in a room (encrypted where the room is)."""
        return await self._encrypted_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": text}
        )

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """React to a message; encrypted in an encrypted room, as Element does."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self._encrypted_send(room_id, "m.reaction", content)

    async def open_dm(self, bot: str) -> str:
        """Start an encrypted direct chat with the bot, as a client's "new DM" does."""
        done = await self.client.room_create(
            is_direct=True,
            invite=[bot],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        room_id = str(done.room_id)  # type: ignore[union-attr]
        await self.joined(room_id)
        while bot not in self.client.rooms[room_id].users:  # the invitation seen, as a client
            await self.caught_up()
        return room_id

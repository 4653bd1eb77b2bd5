"""The Slack `ChatPort`: messages, modals and private channels through slack-sdk's web client.

One `AsyncWebClient` per workspace (the bot token of that team), all with slack-sdk's rate-limit
retry handler, so a burst of channel creations during a matching round waits out `429`s
(`Retry-After`) instead of failing. The Slack errors that have a sensible answer are handled here:
`name_taken` (reuse the bot's own channel of that name, else a suffixed name), `already_in_channel`,
`missing_scope` and friends (a group DM instead of a private channel), `not_in_channel`.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.parse import PLATFORM, split_interaction
from adapters.slack.text import channel_name, clip, escape
from core.content import Content, File, Form
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.markup import defuse_mass_mentions
from core.ports import Capabilities, MessageRef, Unreachable, UserInfo
from core.programs.bindings import Binding

TokenSource = Callable[[str], Awaitable[str | None]]
NO_CHANNEL_SCOPE = frozenset(
    {"missing_scope", "restricted_action", "not_allowed_token_type", "no_permission"}
)
NAME_ATTEMPTS = 20
FORM_TTL = 3600.0
USER_TTL = 60.0
TOPIC = 250
SENT_KEYS = 10_000
ALT_TEXT = 1000  # Slack's limit for a file's alt text


class SlackPortError(RuntimeError):
    """A Slack call that failed in a way the person should hear about; `str()` says what to do."""


@dataclass(slots=True)
class PendingForm:
    """A multi-page modal in progress: the form and the answers of the pages already submitted."""

    form: Form
    values: dict[str, Any] = field(default_factory=dict)
    expires: float = 0.0

    def merged(self) -> dict[str, Any]:
        """Every field's value: what was submitted so far, else what the form was opened with."""
        return {f.id: f.initial for f in self.form.fields} | self.values

    def prefilled(self) -> Form:
        fields = tuple(
            dataclasses.replace(f, initial=self.values[f.id]) if f.id in self.values else f
            for f in self.form.fields
        )
        return dataclasses.replace(self.form, fields=fields)


class PendingForms:
    """This instance's multi-page forms, by key; each page's answers also reach core's draft."""

    def __init__(self) -> None:
        self._forms: dict[str, PendingForm] = {}

    def add(self, form: Form) -> str:
        now = time.monotonic()
        self._forms = {k: v for k, v in self._forms.items() if v.expires > now}
        key = secrets.token_urlsafe(9)
        self._forms[key] = PendingForm(form, expires=now + FORM_TTL)
        return key

    def get(self, key: str) -> PendingForm | None:
        found = self._forms.get(key)
        return found if found and found.expires > time.monotonic() else None

    def pop(self, key: str) -> None:
        self._forms.pop(key, None)


def file_label(content: Content) -> str:
    return repr(content.name) if isinstance(content, File) else "upload"


def error_of(error: SlackApiError) -> str:
    return str(error.response.get("error") or "")


UNREACHABLE_BY_DM = {
    "cannot_dm_bot": "they are a bot user, which can't receive direct messages",
    "user_not_found": "Slack doesn't know them any more",
    "user_disabled": "their Slack account is deactivated",
    "channel_not_found": "Slack found no direct-message channel with them",
    "not_in_channel": "Slack won't let me open a direct message with them",
    "is_archived": "their direct-message channel is archived",
    "messages_tab_disabled": "they have turned off direct messages to apps",
    "restricted_action": "the workspace doesn't allow me to message them",
}
"""`chat.postMessage` errors that mean a person can't be DMed, for good (not worth retrying)."""


class SlackPort:
    """`ChatPort` for Slack. `tokens(team_id)` gives the bot token of a workspace."""

    def __init__(
        self,
        tokens: TokenSource,
        *,
        base_url: str | None = None,
        group_dms: bool = False,
        max_retries: int = 8,
        command: str = "/mentor",
    ) -> None:
        self._tokens = tokens
        self._command = command
        self._base_url = base_url or AsyncWebClient.BASE_URL
        self._group_dms = group_dms
        self._max_retries = max_retries
        self._clients: dict[str, AsyncWebClient] = {}
        self._bot_users: dict[str, str] = {}
        self._users: dict[tuple[str, str], tuple[float, UserInfo]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._sent: dict[str, MessageRef] = {}
        self.forms = PendingForms()

    # --- clients --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    def retry_handlers(self) -> list[Any]:
        return [
            AsyncRateLimitErrorRetryHandler(max_retry_count=self._max_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ]

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def new_client(self, token: str | None) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            base_url=self._base_url,
            session=self.session(),
            retry_handlers=self.retry_handlers(),
        )

    async def client(self, team_id: str) -> AsyncWebClient:
        found = self._clients.get(team_id)
        if found is None:
            token = await self._tokens(team_id)
            if not token:
                raise SlackPortError(f"mentorbot is not installed in Slack workspace {team_id}")
            found = self._clients[team_id] = self.new_client(token)
        return found

    async def bot_user_id(self, team_id: str) -> str:
        found = self._bot_users.get(team_id)
        if found is None:
            client = await self.client(team_id)
            found = self._bot_users[team_id] = str((await client.auth_test())["user_id"])
        return found

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._clients.clear()

    # --- ChatPort ---------------------------------------------------------------------------

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(forms=render.FORM_LIMITS, buttons=True, ephemeral=True)

    @property
    def command(self) -> str:
        """The slash command of the Slack app (its manifest must declare the same)."""
        return self._command

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """A message to a person (their DM with the app) or into a channel.

        Slack has no idempotency key for `chat.postMessage`; a key sent again within this
        instance's memory (the last 10,000) returns the earlier message instead of posting twice.
        """
        if idempotency_key is not None and idempotency_key in self._sent:
            return self._sent[idempotency_key]
        client = await self.client(to.workspace_id)
        try:
            if isinstance(content, File):
                ref = await self._upload(client, to, content)
            else:
                response = await client.chat_postMessage(channel=to.id, **render.message([content]))
                ref = MessageRef(to, f"{response['channel']}/{response['ts']}")
        except SlackApiError as error:
            code = error_of(error)
            if to.kind is ConversationKind.DM and code in UNREACHABLE_BY_DM:
                user = PlatformUser(to.platform, to.workspace_id, to.id)
                raise Unreachable(user, f"{UNREACHABLE_BY_DM[code]} ({code})") from error
            if code in ("not_in_channel", "channel_not_found", "is_archived"):
                raise SlackPortError(
                    f"I can't post in that conversation ({error_of(error)}); "
                    "invite me to it, or use the command in a direct message with me."
                ) from error
            raise
        except SlackRequestError as error:  # the upload step itself failed
            raise SlackPortError(
                f"Slack did not take the file {file_label(content)}; please try again."
            ) from error
        if idempotency_key is not None:
            self._sent[idempotency_key] = ref
            while len(self._sent) > SENT_KEYS:
                self._sent.pop(next(iter(self._sent)))
        return ref

    async def _upload(self, client: AsyncWebClient, to: Conversation, file: File) -> MessageRef:
        """Slack's upload in three steps (`files_upload_v2`): get an upload URL, POST the bytes,
        complete the upload into the conversation (a person's DM channel for a DM)."""
        channel = to.id
        if to.kind is ConversationKind.DM:
            opened = await client.conversations_open(users=to.id)
            channel = str(opened["channel"]["id"])
        response = await client.files_upload_v2(
            channel=channel,
            file=file.data,
            filename=file.name,
            title=file.name,
            alt_txt=clip(file.alt_text, ALT_TEXT) or None,
        )
        uploaded = response.get("files") or [response.get("file") or {}]
        return MessageRef(to, f"{channel}/file:{uploaded[0].get('id', '')}")

    async def update(self, message: MessageRef, content: Content) -> None:
        channel, _, ts = message.message_id.partition("/")
        client = await self.client(message.conversation.workspace_id)
        await client.chat_update(channel=channel, ts=ts, **render.message([content]))

    async def open_form(
        self, interaction: str, form: Form, *, intro: Sequence[str] = (), channel: str = ""
    ) -> None:
        """Open `form` as a modal (page 1 of n) with the trigger_id in `interaction`.

        Raises `SlackApiError` (`expired_trigger_id`, …) when Slack refuses: the caller offers a
        button that opens it again with a fresh trigger.
        """
        team, trigger = split_interaction(interaction)
        total = len(render.pages(form))
        key = self.forms.add(form) if total > 1 else ""
        meta = render.FormMeta(form.id, 0, total, channel, key)
        client = await self.client(team)
        try:
            await client.views_open(
                trigger_id=trigger, view=render.form_view(form, meta, intro=intro)
            )
        except SlackApiError:
            self.forms.pop(key)
            raise

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        """A private channel for the match, members invited; a group DM without channel scopes.

        Safe to retry: when the name is taken by a channel this bot created (an earlier attempt
        of the same commit), that channel is reused, so a retried commit never makes two.
        """
        client = await self.client(workspace_id)
        bot = await self.bot_user_id(workspace_id)
        users = [m.user_id for m in members if m.user_id != bot]
        if self._group_dms:
            return await self._group_dm(client, workspace_id, name, users)
        channel_id, chosen = None, ""
        for attempt in range(1, NAME_ATTEMPTS + 1):
            chosen = channel_name(name, "" if attempt == 1 else f"-{attempt}")
            try:
                created = await client.conversations_create(name=chosen, is_private=True)
                channel_id = str(created["channel"]["id"])
                break
            except SlackApiError as error:
                code = error_of(error)
                if code in NO_CHANNEL_SCOPE:
                    return await self._group_dm(client, workspace_id, name, users)
                if code != "name_taken":
                    raise
                channel_id = await self._own_channel(client, chosen, bot)
                if channel_id is not None:
                    break
        if channel_id is None:
            raise SlackPortError(f"no free channel name for {name!r} after {NAME_ATTEMPTS} tries")
        if topic:
            try:
                await client.conversations_setTopic(
                    channel=channel_id, topic=clip(escape(defuse_mass_mentions(topic)), TOPIC)
                )
            except SlackApiError as error:
                if error_of(error) not in NO_CHANNEL_SCOPE:
                    raise
        await self._invite(client, channel_id, users)
        return SpaceRef(PLATFORM, workspace_id, channel_id, chosen)

    async def _own_channel(self, client: AsyncWebClient, name: str, bot: str) -> str | None:
        """The id of the unarchived private channel `name` this bot created, if any."""
        cursor: str | None = None
        while True:
            page = await client.conversations_list(
                types="private_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") == bot:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def _invite(self, client: AsyncWebClient, channel: str, users: Sequence[str]) -> None:
        if not users:
            return
        try:
            await client.conversations_invite(channel=channel, users=",".join(users))
        except SlackApiError as error:
            if error_of(error) != "already_in_channel":
                raise
            for user in users:  # some were in already (a retry): invite the rest one by one
                try:
                    await client.conversations_invite(channel=channel, users=user)
                except SlackApiError as again:
                    if error_of(again) != "already_in_channel":
                        raise

    async def _group_dm(
        self, client: AsyncWebClient, workspace_id: str, name: str, users: Sequence[str]
    ) -> SpaceRef:
        opened = await client.conversations_open(users=",".join(users))
        return SpaceRef(PLATFORM, workspace_id, str(opened["channel"]["id"]), name)

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        client = await self.client(space.workspace_id)
        await self._invite(client, space.space_id, [u.user_id for u in users])

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        """Kick each person; an archived channel is reopened for it and archived again."""
        client = await self.client(space.workspace_id)

        async def kick() -> None:
            for user in users:
                try:
                    await client.conversations_kick(channel=space.space_id, user=user.user_id)
                except SlackApiError as error:
                    if error_of(error) not in ("not_in_channel", "cant_kick_self"):
                        raise

        await self._even_archived(client, space.space_id, kick)

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        """Rename the channel (a free name: `-2`, `-3`, … when taken) and set its topic; an
        archived channel is reopened for it and archived again. None for a group DM."""
        client = await self.client(space.workspace_id)
        chosen: list[str] = []

        async def rename() -> None:
            for attempt in range(1, NAME_ATTEMPTS + 1):
                wanted = channel_name(name, "" if attempt == 1 else f"-{attempt}")
                try:
                    await client.conversations_rename(channel=space.space_id, name=wanted)
                except SlackApiError as error:
                    if error_of(error) != "name_taken":
                        raise
                    continue
                chosen.append(wanted)
                break
            await client.conversations_setTopic(
                channel=space.space_id, topic=clip(escape(defuse_mass_mentions(topic)), TOPIC)
            )

        try:
            await self._even_archived(client, space.space_id, rename)
        except SlackApiError as error:
            if error_of(error) in ("method_not_supported_for_channel_type", *NO_CHANNEL_SCOPE):
                return None
            raise
        return dataclasses.replace(space, name=chosen[0]) if chosen else None

    async def _even_archived(
        self, client: AsyncWebClient, channel: str, action: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `action` on a channel; if Slack says it is archived, unarchive, run, archive."""
        try:
            await action()
            return
        except SlackApiError as error:
            if error_of(error) != "is_archived":
                raise
        await client.conversations_unarchive(channel=channel)
        try:
            await action()
        finally:
            await client.conversations_archive(channel=channel)

    async def archive_space(self, space: SpaceRef) -> None:
        client = await self.client(space.workspace_id)
        try:
            await client.conversations_archive(channel=space.space_id)
        except SlackApiError as error:
            code = error_of(error)
            if code == "method_not_supported_for_channel_type":  # a group DM: just close it
                await client.conversations_close(channel=space.space_id)
            elif code != "already_archived":
                raise

    async def user_info(self, user: PlatformUser) -> UserInfo:
        """Name, timezone and whether they are a workspace admin/owner (cached for a minute)."""
        key = (user.workspace_id, user.user_id)
        cached = self._users.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        client = await self.client(user.workspace_id)
        data = (await client.users_info(user=user.user_id))["user"]
        profile = data.get("profile") or {}
        info = UserInfo(
            display_name=profile.get("display_name")
            or data.get("real_name")
            or data.get("name")
            or user.user_id,
            timezone=data.get("tz"),
            is_admin=bool(data.get("is_admin") or data.get("is_owner")),
        )
        self._users[key] = (time.monotonic() + USER_TTL, info)
        return info

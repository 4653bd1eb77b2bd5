"""The Discord adapter: discord.py's gateway client, the `/mentor` commands, and every
interaction turned into a core event.

Every interaction is acknowledged before any work (a deferral, a modal, or an edit of the clicked
message), so Discord's 3-second deadline holds whatever the database or a matching round is
doing; the answer follows as an ephemeral follow-up or an edit of the deferred response.
Buttons and selects are never registered as discord.py views: they are handled by `custom_id`
(`adapters.discord.ids`), which names the prompt from core's prompt registry, so a click on a
message sent before a restart still answers its prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from discord import InteractionResponseType
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord import commands, ids, parse, ui
from adapters.discord.port import DiscordPort
from adapters.discord.steps import Steps
from core.adapter import AdapterConfigError, AdapterServices
from core.content import Content, Form, Reply, Text
from core.events import CommandInvoked, Event, FormSubmitted, TextReceived
from core.identity import Conversation, ConversationKind
from core.verbs import ADMIN, COORDINATOR_VERBS, PARTICIPANT_VERBS

log = logging.getLogger(__name__)

ACK_FIRST = 0.02  # seconds work waits after an ack, so a burst's acks are not queued behind it
READY_TIMEOUT = 60.0
EXPIRED = (
    "This form has expired — your answers so far are saved. "
    "Send `{command} join` (or `{command} profile`) to carry on."
)


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """The Discord settings the adapter needs (built from `bot.settings.Settings`)."""

    token: str | None = None
    guild_ids: tuple[int, ...] = ()
    api_base_url: str | None = None  # e.g. http://127.0.0.1:8080/api/v10 (tests)
    gateway_url: str | None = None  # e.g. ws://127.0.0.1:8080/gateway (tests)
    command: str = "/mentor"
    guild_ready_timeout: float = 2.0


@dataclass(slots=True)
class DiscordAdapter:
    """The Discord platform: a gateway client for interactions and messages, and the port."""

    config: DiscordConfig
    port: DiscordPort = field(init=False)
    client: discord.Client = field(init=False)
    _services: AdapterServices | None = field(init=False, default=None)
    _runner: asyncio.Task[None] | None = field(init=False, default=None)
    _raw: dict[int, dict[str, Any]] = field(init=False, default_factory=dict)
    _steps: Steps = field(init=False, default_factory=Steps)
    _homes: dict[str, str] = field(init=False, default_factory=dict)  # user → last guild
    _spaces: set[str] = field(init=False, default_factory=set)
    _tasks: set[asyncio.Task[Any]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.client = self._new_client()
        self.port = DiscordPort(self.client, self.config.token or "", command=self.config.command)

    def _new_client(self) -> discord.Client:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True  # activity in match spaces: author and time, no content
        intents.dm_messages = True
        return discord.Client(intents=intents, guild_ready_timeout=self.config.guild_ready_timeout)

    @property
    def platform(self) -> str:
        return parse.PLATFORM

    @property
    def singleton(self) -> bool:
        return True  # one gateway session per bot token

    @property
    def services(self) -> AdapterServices:
        if self._services is None:
            raise RuntimeError("the Discord adapter is not started (no services yet)")
        return self._services

    # --- lifecycle ----------------------------------------------------------------------------

    def point(self) -> None:
        """Aim discord.py at the configured endpoints (process-wide, as discord.py keeps them)."""
        if self.config.api_base_url:
            Route.BASE = self.config.api_base_url.rstrip("/")
        if self.config.gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.config.gateway_url)

    async def start(self, services: AdapterServices) -> None:
        """Log in, sync `/mentor`, connect the gateway; return once READY."""
        if not self.config.token:
            raise AdapterConfigError("Discord needs DISCORD_TOKEN (Developer Portal → Bot → Token)")
        self._services = services
        self.point()
        if self.client.is_closed():
            self.client = self._new_client()
            self.port.client = self.client
        self._hook(self.client)
        try:
            await self.port.http()
        except discord.LoginFailure:
            await self.client.close()
            raise AdapterConfigError("Discord refused DISCORD_TOKEN (401)") from None
        try:
            await self.sync_commands()
            self._runner = asyncio.create_task(self.client.connect(reconnect=True))
            ready = asyncio.create_task(self.client.wait_until_ready())
            done, _ = await asyncio.wait(
                {ready, self._runner}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if self._runner in done:
                    self._runner.result()  # the gateway's own error
                raise TimeoutError("the Discord gateway sent no READY in time")
        except BaseException:
            await self.close()
            raise
        for guild in self.client.guilds:
            await self._load_spaces(str(guild.id))
        log.info("discord: connected to %d guild(s)", len(self.client.guilds))

    async def sync_commands(self) -> None:
        """Put `/mentor` on the configured guilds (at once), or globally (within an hour)."""
        http = await self.port.http()
        app = self.client.application_id
        definition = commands.definition(
            self.config.command,
            (*PARTICIPANT_VERBS, ADMIN),
            COORDINATOR_VERBS,
            "Mentoring: join, see your matches, check in",
        )
        if self.config.guild_ids:
            for guild in self.config.guild_ids:
                await http.bulk_upsert_guild_commands(app, guild, [definition])
        else:
            await http.bulk_upsert_global_commands(app, [definition])

    def _hook(self, client: discord.Client) -> None:
        """Keep each interaction's and message's raw payload for the pure parsers."""
        parsers = client._connection.parsers  # discord.py keeps no raw payload
        on_interaction, on_message = parsers["INTERACTION_CREATE"], parsers["MESSAGE_CREATE"]

        def interaction(data: dict[str, Any]) -> None:
            self._raw[int(data["id"])] = data
            on_interaction(data)

        def message(data: dict[str, Any]) -> None:
            self._spawn(self._on_message(data))
            on_message(data)

        parsers["INTERACTION_CREATE"] = interaction
        parsers["MESSAGE_CREATE"] = message
        client.event(self.on_interaction)

    async def _load_spaces(self, guild: str) -> None:
        for space in await self.services.spaces(parse.PLATFORM, guild):
            self._spaces.add(space.space.space_id)

    async def idle(self, limit: float = 30.0) -> None:
        """Wait until the work started by earlier events is done (tests, shutdown)."""
        deadline = time.monotonic() + limit
        await asyncio.sleep(0)
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=0.5)

    async def close(self) -> None:
        await self.idle(limit=10.0)
        with contextlib.suppress(Exception):
            await self.client.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(BaseException):
                await self._runner
            self._runner = None

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _guild(self, raw: dict[str, Any], user_id: str) -> str:
        """The interaction's guild; in a DM the guild the person was last seen in."""
        guild = raw.get("guild_id")
        if guild:
            self._homes[user_id] = str(guild)
            return str(guild)
        home = self._homes.get(user_id)
        if home:
            return home
        if self.config.guild_ids:
            return str(self.config.guild_ids[0])
        return str(self.client.guilds[0].id) if self.client.guilds else ""

    # --- inbound ------------------------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        raw = self._raw.pop(interaction.id, None)
        if raw is None:
            return
        self._track()
        user_id = str(parse.author_of(raw).get("id") or "")
        guild = self._guild(raw, user_id)
        if raw.get("member"):
            self.port.remember_member(guild, raw["member"])
        try:
            if raw["type"] == parse.APPLICATION_COMMAND:
                await interaction.response.defer(ephemeral=True, thinking=True)
                await self._command(interaction, parse.command_event(raw, guild))
            elif raw["type"] == parse.MESSAGE_COMPONENT:
                await self._component(interaction, raw, guild)
            elif raw["type"] == parse.MODAL_SUBMIT:
                await self._modal(interaction, raw, guild)
        except discord.HTTPException as error:
            log.warning("discord: an interaction failed: %s (%s)", error.status, error.code)
        except Exception:
            log.exception("discord: handling an interaction failed")
            await self._sorry(interaction)

    async def _sorry(self, interaction: discord.Interaction) -> None:
        """Tell the person something went wrong (best effort: the interaction may be gone)."""
        text = "Sorry — something went wrong on my side. Please try again in a moment."
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    async def _handle(self, event: Event) -> Reply:
        await asyncio.sleep(ACK_FIRST)  # let a burst's acks go out before the work they started
        return await self.services.handle(event)

    async def _command(self, interaction: discord.Interaction, event: CommandInvoked) -> None:
        reply = await self._handle(event)
        await self._reply(interaction, reply)

    async def _component(
        self, interaction: discord.Interaction, raw: dict[str, Any], guild: str
    ) -> None:
        data = raw.get("data") or {}
        parsed = ids.parse(str(data.get("custom_id") or ""))
        if parsed.form_key:
            await self._form_component(interaction, raw, guild, parsed)
            return
        click = parse.click_event(raw, guild)
        if click is None:
            await interaction.response.defer()
            return
        where = click.event.where
        message = raw.get("message") or {}
        if where.kind is ConversationKind.DM:
            # the answer replaces the buttons at once: the prompt can't be answered twice
            text = ui.answered(str(message.get("content") or ""), click.labels)
            await interaction.response.edit_message(content=text, view=None)
        else:  # a space's prompt stays for the other members; the clicker hears privately
            await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self._handle(click.event)
        await self._reply(interaction, reply)

    # --- forms --------------------------------------------------------------------------------

    async def _form_component(
        self, interaction: discord.Interaction, raw: dict[str, Any], guild: str, parsed: ids.Parsed
    ) -> None:
        step = self._steps.get(parsed.form_key)
        if step is None:
            await interaction.response.send_message(
                EXPIRED.format(command=self.config.command), ephemeral=True
            )
            return
        state = step.state
        if parsed.action == "back" and step.previous and self._steps.get(step.previous):
            made = self._steps.message(step.previous)  # as answered; sent again from there
            await interaction.response.edit_message(content=made.content, view=made.view)
            return
        if parsed.action.startswith("f:"):  # a select of the step: kept until Next
            item = next((f for f in state.form.fields if f.id == parsed.action[2:]), None)
            values = [str(v) for v in (raw.get("data") or {}).get("values") or ()]
            await interaction.response.defer()
            if item is not None:
                multi = item.kind.value == "multi_choice"
                state.values[item.id] = values if multi else (values[0] if values else None)
            return
        if state.inputs:
            await interaction.response.send_modal(ui.form_modal(state, parsed.form_key))
            return
        await interaction.response.defer()
        await self._submit(interaction, raw, guild, parsed.form_key, state)

    async def _modal(
        self, interaction: discord.Interaction, raw: dict[str, Any], guild: str
    ) -> None:
        data = raw.get("data") or {}
        parsed = ids.parse(str(data.get("custom_id") or ""))
        step = self._steps.get(parsed.form_key) if parsed.form_key else None
        if step is None:
            await interaction.response.send_message(
                EXPIRED.format(command=self.config.command), ephemeral=True
            )
            return
        await interaction.response.defer()
        step.state.values.update(ui.modal_values(data.get("components") or []))
        await self._submit(interaction, raw, guild, parsed.form_key, step.state)

    async def _submit(
        self,
        interaction: discord.Interaction,
        raw: dict[str, Any],
        guild: str,
        key: str,
        state: ui.FormState,
    ) -> None:
        """A step's answers to core; the step's message then shows what comes next."""
        user = parse.user_of(raw, guild)
        event = FormSubmitted(user, Conversation.dm(user), state.form.id, state.merged())
        reply = await self._handle(event)
        mine = {f.id for f in state.form.fields}
        errors = {k: v for k, v in reply.form_errors.items() if k in mine}
        if errors:
            state.errors = errors
            made = self._steps.message(key)
            await interaction.edit_original_response(
                content=made.content, view=made.view, allowed_mentions=made.allowed_mentions
            )
            return
        state.errors = {}  # kept (answered) for Back from the next step
        others = [Text(f"⚠️ {m}") for k, m in reply.form_errors.items() if k not in mine]
        reply.messages[:0] = others
        await self._reply(interaction, reply, edit=True, previous=key)

    # --- showing replies ----------------------------------------------------------------------

    def _rendered(
        self, contents: Sequence[Content], previous: str | None = None
    ) -> list[ui.Message]:
        made: list[ui.Message] = []
        texts: list[Content] = []
        for content in contents:
            if isinstance(content, Form):
                made.extend(ui.messages(texts))
                texts = []
                made.append(self._steps.message(self._steps.add(content, previous)))
            else:
                texts.append(content)
        made.extend(ui.messages(texts))
        return made

    async def _reply(
        self,
        interaction: discord.Interaction,
        reply: Reply,
        *,
        edit: bool = False,
        previous: str | None = None,
    ) -> None:
        """Core's reply to the person who acted, ephemeral: the deferred response first (or the
        step message it replaces), then follow-ups. Replies never go to a shared channel."""
        thinking = interaction.response.type is InteractionResponseType.deferred_channel_message
        made = self._rendered(reply.messages, previous)
        if not made and not (edit or thinking):
            return  # a click already shown as answered; nothing more to say
        made = made or [ui.Message("✓ Done.")]
        first, *rest = made
        if edit or thinking:
            kwargs: dict[str, Any] = {"content": first.content or None, "view": first.view}
            if first.file is not None:
                kwargs["attachments"] = [first.discord_file()]
            await interaction.edit_original_response(
                **kwargs, allowed_mentions=first.allowed_mentions
            )
        else:
            rest = made
        for message in rest:
            kwargs = {"view": message.view} if message.view is not None else {}
            file = message.discord_file()
            if file is not None:
                kwargs["file"] = file
            await interaction.followup.send(
                message.content or discord.utils.MISSING,
                ephemeral=True,
                allowed_mentions=message.allowed_mentions,
                **kwargs,
            )

    async def _on_message(self, data: dict[str, Any]) -> None:
        try:
            await self._message(data)
        except Exception:
            log.exception("discord: handling a message failed")

    async def _message(self, data: dict[str, Any]) -> None:
        author = str((data.get("author") or {}).get("id") or "")
        guild = self._guild(data, author)
        bot = str(self.client.user.id) if self.client.user else None
        spaces = frozenset(self._spaces | set(self.port.spaces()))
        event = parse.message_event(data, guild, bot, spaces)
        if event is None:
            return
        reply = await self.services.handle(event)
        if isinstance(event, TextReceived):  # a DM: answered in the DM
            for content in reply.messages:
                await self.port.send(Conversation.dm(event.user), content)

"""Bolt wiring: slash commands, clicks, modal submissions and events → `MentorBot.handle`.

Every listener acknowledges first and works afterwards, so Slack's 3-second deadline holds
whatever the database or a matching round is doing; the result then arrives through the
`response_url` (ephemeral), a `views.update` of the modal, the person's DM, or App Home.
A modal submission is the exception Slack allows none for: its answer *is* the ack, so
`handle` gets two seconds and, if slower, the modal shows "saving…" and is updated after.

Runs in Socket Mode when an app token is configured, otherwise as an HTTP server
(`/slack/events`, plus `/slack/install` and `/slack/oauth_redirect` with OAuth).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse, render
from adapters.slack.home import HomeData, home_view
from adapters.slack.oauth import InstallationStore, OAuthStateStore, SlackPersistence
from adapters.slack.port import SlackPort, SlackPortError, error_of
from core.adapter import AdapterConfigError, AdapterServices
from core.content import Content, File, Form, Reply, Text
from core.events import CommandInvoked, Event, FormSubmitted, TextReceived
from core.identity import Conversation, PlatformUser
from core.prompt_ids import PromptId
from core.service import Standing

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[None]]
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "groups:write",
    "groups:read",
    "groups:history",
    "mpim:write",
    "mpim:history",
    "users:read",
    "files:write",
)
WORKING_AFTER = 1.5  # seconds before a slow command says "working on it"
ACK_FIRST = 0.02  # seconds work waits after an ack, so acks of a burst are not queued behind it
SUBMIT_BUDGET = 2.0  # seconds `handle` gets inside a view_submission ack (Slack allows 3)
TRIGGER_ERRORS = frozenset({"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"})
EVENTS_PATH = "/slack/events"
CONNECT_TIMEOUT = 30.0  # seconds to open the Socket Mode websocket before trying again later
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}
)


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """The Slack settings the adapter needs (built from `bot.settings.Settings`)."""

    command: str = "/mentor"
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    api_base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 3000
    group_dms: bool = False

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


@dataclass(slots=True)
class Where:
    """Where the person acted, so the reply is shown there."""

    user: PlatformUser
    respond: Respond | None = None  # ephemeral in the channel (slash command, message click)
    channel: str = ""
    view_id: str | None = None  # a modal showing the interaction
    title: str = "mentorbot"
    home: bool = False
    interaction: str | None = None
    replace: bool = False  # replace the "working on it" note


@dataclass(slots=True)
class SlackAdapter:
    """The Slack platform: a Bolt app (HTTP or Socket Mode) and the `ChatPort` (`port`).

    Built from its config (and, for OAuth, where installations are kept); the bot's services
    arrive with `start`.
    """

    config: SlackConfig
    persistence: SlackPersistence | None = None
    port: SlackPort = field(init=False)
    bolt: AsyncApp | None = field(init=False, default=None)
    installations: InstallationStore | None = field(init=False, default=None)
    oauth_states: OAuthStateStore | None = field(init=False, default=None)
    _services: AdapterServices | None = field(init=False, default=None)
    _runner: web.AppRunner | None = field(init=False, default=None)
    _socket: AsyncSocketModeHandler | None = field(init=False, default=None)
    _tasks: set[asyncio.Task[Any]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.port = SlackPort(
            self._token_for,
            base_url=self.config.api_base_url,
            group_dms=self.config.group_dms,
            command=self.config.command,
        )
        if self.persistence is not None:
            self.installations = InstallationStore(self.persistence.installations)
            self.oauth_states = OAuthStateStore(self.persistence.states)

    @property
    def platform(self) -> str:
        return self.port.platform

    @property
    def singleton(self) -> bool:
        """Socket Mode holds one websocket per app; HTTP mode scales behind a load balancer."""
        return self.config.socket_mode

    @property
    def services(self) -> AdapterServices:
        if self._services is None:
            raise RuntimeError("the Slack adapter is not started (no services yet)")
        return self._services

    async def _token_for(self, team_id: str) -> str | None:
        if self.config.oauth and self.installations is not None:
            bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
            return bot.bot_token if bot else None
        return self.config.bot_token

    # --- lifecycle ----------------------------------------------------------------------------

    def build(self) -> AsyncApp:
        """The Bolt app with mentorbot's listeners (no network until it serves)."""
        kwargs: dict[str, Any] = {
            "name": "mentorbot",
            "signing_secret": self.config.signing_secret or "",
            "raise_error_for_unhandled_request": False,
        }
        if self.config.oauth:
            if self.installations is None:
                raise AdapterConfigError("Slack OAuth needs an installation store")
            settings = AsyncOAuthSettings(
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=self.installations,
                state_store=self.oauth_states,
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            )
            kwargs["oauth_flow"] = AsyncOAuthFlow(
                client=self.port.new_client(None), settings=settings
            )
            kwargs["installation_store"] = self.installations
            kwargs["client"] = self.port.new_client(None)
        else:
            if not self.config.bot_token:
                raise AdapterConfigError(
                    "Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID/SECRET for OAuth)"
                )
            kwargs["client"] = self.port.new_client(self.config.bot_token)
        bolt = AsyncApp(**kwargs)
        bolt.use(self._dedupe)
        bolt.command(self.config.command)(self._on_command)
        bolt.action(re.compile(f"^{render.ACTION_CHOICE}:"))(self._on_choice)
        bolt.action(render.ACTION_DONE)(self._on_choice)
        bolt.action(render.ACTION_MULTI)(self._ack_only)
        bolt.action(re.compile(f"^{render.ACTION_COMMAND}"))(self._on_command_button)
        bolt.view(render.FORM_CALLBACK)(self._on_submit)
        bolt.event("app_home_opened")(self._on_home)
        bolt.event("message")(self._on_message)
        bolt.event("member_joined_channel")(self._on_member)
        bolt.event("member_left_channel")(self._on_member)
        self.bolt = bolt
        return bolt

    async def start(self, services: AdapterServices) -> None:
        """Serve: Socket Mode with an app token, else HTTP on `config.host:config.port`."""
        if not self.config.socket_mode and not self.config.signing_secret:
            raise AdapterConfigError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)"
            )
        self._services = services
        bolt = self.build()
        if self.config.socket_mode:
            socket = AsyncSocketModeHandler(bolt, self.config.app_token)
            try:
                await _connect(socket)
            except BaseException:
                with contextlib.suppress(Exception):
                    await socket.close_async()
                raise
            self._socket = socket
            log.info("slack: connected in Socket Mode")
            return
        server = AsyncSlackAppServer(
            port=self.config.port, path=EVENTS_PATH, app=bolt, host=self.config.host
        )
        server.web_app.add_routes([web.get("/healthz", _healthz)])
        runner = web.AppRunner(server.web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except BaseException:  # e.g. the port is taken: free what was set up, then retry later
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("slack: serving %s on %s:%s", EVENTS_PATH, self.config.host, self.bound_port)

    @property
    def bound_port(self) -> int:
        """The HTTP port actually bound (useful with port 0)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the Slack adapter is not serving HTTP")
        return int(self._runner.addresses[0][1])

    async def idle(self, limit: float = 30.0) -> None:
        """Wait until the work started by earlier requests is done (tests, shutdown)."""
        deadline = asyncio.get_running_loop().time() + limit
        while self._tasks and asyncio.get_running_loop().time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=0.5)

    async def close(self) -> None:
        await self.idle(limit=10.0)
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.port.close()

    # --- plumbing ----------------------------------------------------------------------------

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _dedupe(self, body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not await self._first_time(event_id):
            log.info("slack: ignoring a retried event")
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def _first_time(self, event_id: str) -> bool:
        """Shared across instances: the bot's event log in its database."""
        return await self.services.first_time(event_id)

    async def _run(
        self, event: Event, notice: Callable[[], Awaitable[None]] | None = None
    ) -> tuple[Reply, bool]:
        """Handle the event, calling `notice` once if it takes over 1.5 s; (reply, noticed)."""
        handle = self.services.handle
        await asyncio.sleep(ACK_FIRST)  # let a burst's acks go out before the work they started
        task = asyncio.ensure_future(handle(event))
        noticed = False
        if notice is not None:
            done, _ = await asyncio.wait({task}, timeout=WORKING_AFTER)
            if not done:
                with contextlib.suppress(Exception):
                    await notice()
                    noticed = True
        return await task, noticed

    def _responder(self, body: dict[str, Any]) -> Respond | None:
        """Post to the payload's `response_url` on the adapter's shared HTTP session.

        (Bolt's `respond` opens a new session per call, which costs more than the ack itself
        when a burst of commands arrives.)
        """
        url = body.get("response_url")
        if not isinstance(url, str) or not url:
            return None
        session = self.port.session()

        async def respond(**message: Any) -> None:
            async with session.post(url, json=message) as response:
                if response.status >= 400:
                    raise OSError(f"response_url answered HTTP {response.status}")

        return respond

    async def _ack_only(self, ack: Callable[..., Awaitable[Any]]) -> None:
        await ack()

    # --- listeners ---------------------------------------------------------------------------

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self._track()
        respond = self._responder(body)
        event = parse.command_event(body, self.config.command)
        where = Where(
            event.user,
            respond,
            str(body.get("channel_id") or ""),
            interaction=event.interaction,
        )

        async def working() -> None:
            if respond is not None:
                await respond(text="⏳ Working on it…", response_type="ephemeral")

        reply, where.replace = await self._run(event, working)
        await self._deliver(reply, where, _retry_line(event))

    async def _on_command_button(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        self._track()
        respond = self._responder(body)
        line = str((body.get("actions") or [{}])[0].get("value") or "help")
        event = parse.command_line_event(body, line, self.config.command)
        view = body.get("view") or {}
        home = view.get("type") == "home"
        where = Where(event.user, None if home else respond, interaction=event.interaction)
        where.home = home
        if view.get("type") == "modal":
            where.view_id, where.title = str(view.get("id")), _title(view)
        reply, _ = await self._run(event)
        await self._deliver(reply, where, _retry_line(event))
        if home:
            await self.publish_home(client, event.user)

    async def _on_choice(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self._track()
        click = parse.click_event(body)
        if click is None:
            return
        event = click.event
        container = body.get("container") or {}
        where = Where(event.user, self._responder(body))
        where.interaction = event.interaction
        if container.get("type") == "view":
            view = body.get("view") or {}
            where.view_id, where.title = str(view.get("id")), _title(view)
            where.respond = None
        elif container.get("type") == "message":
            # Show the answer in place of the buttons first, so the prompt can't be answered twice.
            blocks = (body.get("message") or {}).get("blocks") or []
            done = render.answered(blocks, event.prompt_id, click.labels)
            text = "✓ " + ", ".join(click.labels)
            try:
                if event.message is not None:
                    channel, _, ts = event.message.message_id.partition("/")
                    await client.chat_update(channel=channel, ts=ts, text=text, blocks=done)
                elif where.respond is not None:
                    await where.respond(text=text, blocks=done, replace_original=True)
            except SlackApiError as error:
                log.warning(
                    "slack: could not update the clicked message: %s", error.response.get("error")
                )
        reply, _ = await self._run(event)
        await self._deliver(reply, where, "join")

    async def _on_submit(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        self._track()
        view = body.get("view") or {}
        meta = render.FormMeta.loads(str(view.get("private_metadata") or ""))
        if meta is None:
            await ack()
            return
        user = parse.user_of(body)
        submitted = parse.view_values(view)
        pending = self.port.forms.get(meta.key) if meta.key else None
        if meta.pages > 1 and pending is None:
            first = next(iter(submitted), None)
            await ack(
                response_action="errors",
                errors={
                    first: "This form timed out. Close it and open it again — your "
                    "answers so far are saved."
                }
                if first
                else {},
            )
            return
        values = submitted
        field_ids = list(submitted)
        if pending is not None:
            pending.values.update(submitted)
            values = pending.merged()
            field_ids = [f.id for f in render.pages(pending.form)[meta.page]]
        event = FormSubmitted(user, Conversation.dm(user), meta.form_id, values)
        task = asyncio.ensure_future(self._run(event))
        try:
            reply, _ = await asyncio.wait_for(asyncio.shield(task), SUBMIT_BUDGET)
        except TimeoutError:
            await ack(response_action="update", view=render.working_view(_title(view)))
            reply, _ = await task
            await self._late_submit(client, str(view.get("id")), view, reply, user)
            return
        errors = render.page_errors(reply.form_errors, field_ids)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        last = meta.page >= meta.pages - 1
        if pending is not None and not last and reply.form_errors:
            following = render.FormMeta(
                meta.form_id, meta.page + 1, meta.pages, meta.channel, meta.key
            )
            await ack(
                response_action="update", view=render.form_view(pending.prefilled(), following)
            )
            return
        if meta.key:
            self.port.forms.pop(meta.key)
        if reply.form_errors:  # errors on fields this page does not show (a stale form)
            reply.say(*(Text(f"⚠️ {message}") for message in reply.form_errors.values()))
        form = next((c for c in reply.messages if isinstance(c, Form)), None)
        if form is not None:
            total = len(render.pages(form))
            key = self.port.forms.add(form) if total > 1 else ""
            meta = render.FormMeta(form.id, 0, total, meta.channel, key)
            await ack(response_action="update", view=render.form_view(form, meta))
        elif reply.messages:
            await ack(
                response_action="update", view=render.result_view(_title(view), reply.messages)
            )
        else:
            await ack(response_action="clear")

    async def _late_submit(
        self,
        client: AsyncWebClient,
        view_id: str,
        view: dict[str, Any],
        reply: Reply,
        user: PlatformUser,
    ) -> None:
        """The submission was answered with "saving…"; now show what core said."""
        contents: list[Content] = [c for c in reply.messages if not isinstance(c, Form)]
        if reply.form_errors:
            contents.insert(0, Text("Some answers need another look:"))
            contents.extend(Text(f"⚠️ {msg}") for msg in reply.form_errors.values())
            contents.append(Text(f"Send `{self.config.command} join` to open the form again."))
        step = next((c for c in reply.messages if isinstance(c, Form)), None)
        if step is not None and not reply.form_errors:  # the next step, too late to show
            form = PromptId.decode(step.id)
            verb = "profile edit" if form is not None and form.arg == "profile" else "join"
            contents.append(
                Text(f"Saved. Send `{self.config.command} {verb}` to open the next step.")
            )
        try:
            await client.views_update(
                view_id=view_id, view=render.result_view(_title(view), contents or [Text("Saved.")])
            )
        except SlackApiError:
            await self._dm(user, contents or [Text("Saved.")])

    async def _on_home(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        self._track()
        user = parse.PlatformUser(parse.PLATFORM, parse.team_of(body), str(event.get("user")))
        await self.publish_home(client, user)

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        self._track()
        parsed = parse.message_event(event, parse.team_of(body), context.get("bot_user_id"))
        if parsed is None:
            return
        reply, _ = await self._run(parsed)
        if isinstance(parsed, TextReceived):
            await self._deliver(reply, Where(parsed.user), "join")

    async def _on_member(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        self._track()
        parsed = parse.member_event(event, parse.team_of(body))
        if parsed is not None:
            await self._run(parsed)

    # --- showing replies ---------------------------------------------------------------------

    async def _deliver(self, reply: Reply, where: Where, retry_line: str) -> None:
        """Core's reply where the person acted; a form opens as a modal (or offers a button).

        Replies are only ever shown to the person who acted (ephemeral, in a modal, or in their
        DM), so a private reply never reaches a channel; files go to their DM, since an
        ephemeral message cannot carry one.
        """
        files = [c for c in reply.messages if isinstance(c, File)]
        contents = [c for c in reply.messages if not isinstance(c, File)]
        extra: list[render.Block] = []
        index = next((i for i, c in enumerate(contents) if isinstance(c, Form)), None)
        if index is not None:
            form = contents[index]
            assert isinstance(form, Form)
            intro = [c.body for c in contents[:index] if isinstance(c, Text)]
            rest = [c for i, c in enumerate(contents) if i > index or not isinstance(c, Text)]
            rest = [c for c in rest if c is not form]
            if await self._open(form, intro, where):
                contents = rest
            else:
                contents = [*(Text(t) for t in intro), *rest]
                extra = [
                    render.context("The form could not open in time. Click to open it:"),
                    {
                        "type": "actions",
                        "block_id": "mentor_reopen",
                        "elements": [
                            render.command_button("Open the form", retry_line, style="primary")
                        ],
                    },
                ]
        if contents or extra:
            await self._show(contents, extra, where)
        for file in files:
            try:
                await self.port.send(Conversation.dm(where.user), file)
            except SlackPortError as error:
                await self._show([Text(f"⚠️ {error}")], [], where)
            except SlackApiError as error:
                note = f"⚠️ I couldn't send you the file ({error_of(error)}); please try again."
                await self._show([Text(note)], [], where)

    async def _open(self, form: Form, intro: Sequence[str], where: Where) -> bool:
        try:
            if where.view_id:
                total = len(render.pages(form))
                key = self.port.forms.add(form) if total > 1 else ""
                meta = render.FormMeta(form.id, 0, total, where.channel, key)
                client = await self.port.client(where.user.workspace_id)
                await client.views_update(
                    view_id=where.view_id, view=render.form_view(form, meta, intro=intro)
                )
                return True
            if where.interaction:
                await self.port.open_form(
                    where.interaction, form, intro=intro, channel=where.channel
                )
                return True
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if code not in TRIGGER_ERRORS:
                log.warning("slack: could not open a form: %s", code)
        return False

    async def _show(
        self, contents: Sequence[Content], extra: list[render.Block], where: Where
    ) -> None:
        body = render.message(contents)
        body["blocks"] = [*body["blocks"], *extra][: render.MESSAGE_BLOCKS]
        try:
            if where.view_id:
                client = await self.port.client(where.user.workspace_id)
                view = render.result_view(where.title, contents)
                view["blocks"] = [*view["blocks"], *extra][: render.VIEW_BLOCKS]
                await client.views_update(view_id=where.view_id, view=view)
                return
            if where.respond is not None:
                await where.respond(
                    **body, response_type="ephemeral", replace_original=where.replace
                )
                return
        except (SlackApiError, OSError) as error:
            log.warning("slack: falling back to a DM: %s", type(error).__name__)
        await self._dm(where.user, contents, extra)

    async def _dm(
        self, user: PlatformUser, contents: Sequence[Content], extra: Sequence[render.Block] = ()
    ) -> None:
        client = await self.port.client(user.workspace_id)
        body = render.message(contents)
        body["blocks"] = [*body["blocks"], *extra][: render.MESSAGE_BLOCKS]
        try:
            await client.chat_postMessage(channel=user.user_id, **body)
        except SlackApiError as error:
            log.warning("slack: could not DM a reply: %s", error.response.get("error"))

    # --- App Home -----------------------------------------------------------------------------

    async def _standing(self, user: PlatformUser) -> Standing:
        try:
            return await self.services.standing(user)
        except (SlackApiError, SlackPortError):  # users.info failed: show the personal part
            return Standing(enrolled=True, coordinator=False)

    async def publish_home(self, client: AsyncWebClient, user: PlatformUser) -> None:
        """Build the Home tab from core's own `status`, `profile` and `admin status` replies."""
        dm = Conversation.dm(user)

        async def ask(verb: str, *args: str) -> list[Content]:
            reply, _ = await self._run(CommandInvoked(user, dm, verb, args))
            return [c for c in reply.messages if not isinstance(c, Form)]

        standing = await self._standing(user)
        status = await ask("status")
        profile = await ask("profile") if standing.enrolled else []
        coordinator = await ask("admin", "status") if standing.coordinator else None
        view = home_view(HomeData(status, profile, coordinator, self.config.command))
        try:
            await client.views_publish(user_id=user.user_id, view=view)
        except SlackApiError as error:
            log.warning("slack: could not publish App Home: %s", error.response.get("error"))


async def _connect(socket: AsyncSocketModeHandler) -> None:
    """Open the Socket Mode websocket, failing instead of retrying forever as slack-sdk does.

    The websocket URL is asked for first: a refused app token is a configuration error (not
    retried), an unreachable Slack an `OSError` (retried by the runtime with backoff).
    """
    client = socket.client
    try:
        client.wss_uri = await client.issue_new_wss_url()
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await socket.connect_async()
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code in AUTH_ERRORS:
            raise AdapterConfigError(f"Slack refused SLACK_APP_TOKEN ({code})") from None
        raise
    except aiohttp.ClientError as error:
        raise ConnectionError(f"Slack Socket Mode: {error}") from error


def _title(view: dict[str, Any]) -> str:
    return str((view.get("title") or {}).get("text") or "mentorbot")


def _retry_line(event: CommandInvoked) -> str:
    """The command that opens the same form again with a fresh trigger."""
    return " ".join((event.verb, *event.args))


async def _healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")

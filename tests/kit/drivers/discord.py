"""The Discord adapter driven as Discord drives it: INTERACTION_CREATE and MESSAGE_CREATE over
the loopback fake's gateway into discord.py's real client, answers through its real HTTP code.

People use `/mentor` in the server's `#mentoring` channel (replies are ephemeral), click buttons
and selects on the messages the fake shows them, and fill in modals; the fake records what each
person and each channel sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.discord import commands
from adapters.discord.app import DiscordAdapter, DiscordConfig
from bot.app import App
from core.clock import ManualClock
from core.programs.program import Program
from core.verbs import ADMIN, COORDINATOR_VERBS, PARTICIPANT_VERBS
from tests.kit.discord import GUILD, SPACE_CHANNEL, TOKEN, USERS, FakeDiscord, Shown
from tests.kit.drivers.base import Answer, Answers, Joined, Space
from tests.kit.drivers.wiring import COMMAND, wire

IDS = {name.lower(): uid for uid, name in USERS.items()}
NAMES = {uid: name for name, uid in IDS.items()}
DEFINITION = commands.definition(COMMAND, (*PARTICIPANT_VERBS, ADMIN), COORDINATOR_VERBS, "x")
COMMAND_TYPE, COMPONENT, MODAL = 2, 3, 5


def command_data(line: str, programs: Collection[str] = ()) -> dict[str, Any]:
    """`/mentor admin match preview` as Discord sends it: nested subcommand options. A word
    naming one of `programs` right after the subcommand (`admin status second`) fills its
    `program` option, as the shell and Slack read it."""
    words = line.split()
    node: dict[str, Any] = DEFINITION
    data: dict[str, Any] = {"id": "1", "name": DEFINITION["name"], "type": 1, "options": []}
    options = data["options"]
    while words:
        sub = next(
            (o for o in node["options"] if o["type"] in (1, 2) and o["name"] == words[0]), None
        )
        if sub is None:
            break
        words = words[1:]
        entry: dict[str, Any] = {"name": sub["name"], "type": sub["type"], "options": []}
        options.append(entry)
        options, node = entry["options"], sub
    if node is not DEFINITION and words and words[0] in programs:
        options.append({"name": "program", "type": 3, "value": words.pop(0)})
    for option in node.get("options", []):  # typed as a person fills them in
        if not words or option["name"] == "program":
            break
        if option["name"] == "choice":
            if words[0] in [c["value"] for c in option["choices"]]:
                options.append({"name": "choice", "type": 3, "value": words.pop(0)})
            continue
        value: str | int = " ".join(words) if option["type"] == 3 else int(words[0])
        words = [] if option["type"] == 3 else words[1:]
        options.append({"name": option["name"], "type": option["type"], "value": value})
    assert not words, f"/mentor {line}: {words} fit no option"
    return data


def known(line: str) -> bool:
    """`/mentor` with one of its subcommands; anything else Discord's client sends as a plain
    message (`/mentor frobnicate` matches no command)."""
    if line != COMMAND and not line.startswith(COMMAND + " "):
        return False
    words = line[len(COMMAND) :].split()
    return not words or any(o["name"] == words[0] for o in DEFINITION["options"])


def labels(data: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for row in data.get("components") or []:
        for item in row.get("components") or []:
            for key in ("label", "placeholder"):
                if item.get(key):
                    found.append(str(item[key]))
            found.extend(str(o.get("label")) for o in item.get("options") or [])
    return found


def text(shown: Shown) -> str:
    data = shown.data
    head = str(data.get("content") or data.get("title") or "")
    return "\n".join([head, *labels(data)]).replace("\\", "")


class DiscordDriver:
    platform = "discord"
    lacks: frozenset[str] = frozenset()

    def __init__(
        self,
        database_url: str,
        program: Program,
        clock: ManualClock,
        programs: Sequence[Path] = (),
        *,
        fake: FakeDiscord | None = None,
        **settings: str,
    ) -> None:
        self.database_url, self.program, self.clock = database_url, program, clock
        self.programs = programs
        self.fake = fake or FakeDiscord()
        self.settings = settings
        self.adapter: DiscordAdapter | None = None
        self.wired: App | None = None
        self._seen = 0

    async def start(self) -> DiscordDriver:
        if not self.fake.root:
            await self.fake.start()
        config = DiscordConfig(
            TOKEN, (int(GUILD),), self.fake.base_url, self.fake.gateway_url, COMMAND, 0.1
        )
        self.adapter = DiscordAdapter(config)
        self.wired = await wire(
            self.database_url, self.adapter, self.clock, self.programs, **self.settings
        )
        return self

    async def _stop(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()
            self.adapter = None
        if self.wired is not None:
            await self.wired.close()
            self.wired = None

    async def restart(self) -> None:
        await self._stop()
        await self.start()

    async def close(self) -> None:
        await self._stop()
        await self.fake.close()

    # --- acting ---------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until every interaction sent was acknowledged and the work it started is done."""
        assert self.adapter is not None
        for _ in range(500):
            if all(i.acked for i in self.fake.interactions.values()):
                break
            await asyncio.sleep(0.01)
        for _ in range(3):  # a MESSAGE_CREATE has no ack: give the client a moment to read it
            await asyncio.sleep(0.03)
            await self.adapter.idle()

    def _new(self, who: str, in_space: str | None) -> str:
        fresh = self.fake.shown[self._seen :]
        self._seen = len(self.fake.shown)
        uid = IDS[who]
        return "\n".join(
            text(s) for s in fresh if s.owner == uid or (in_space and s.channel == in_space)
        )

    async def say(self, who: str, line: str, *, in_space: str | None = None) -> str:
        self._new(who, in_space)
        if known(line):
            assert self.wired is not None
            data = command_data(line[len(COMMAND) :].strip(), self.wired.bot.programs)
            await self.fake.interact(
                IDS[who], COMMAND_TYPE, data, channel=in_space or SPACE_CHANNEL
            )
        else:
            channel = in_space or self.fake.dm_of(IDS[who]).id
            await self.fake.post_message(IDS[who], channel, line)
        await self.settle()
        return self._new(who, in_space)

    def _component(
        self, who: str, label: str, in_space: str | None
    ) -> tuple[Shown, dict[str, Any], str | None]:
        uid = IDS[who]
        for shown in reversed(self.fake.shown):
            visible = shown.channel == in_space if in_space else shown.owner == uid
            if not visible or shown.kind == "modal":
                continue
            for row in shown.data.get("components") or []:
                for item in row.get("components") or []:
                    if item.get("type") == 2 and item.get("label") == label:
                        return shown, item, None
                    for option in item.get("options") or []:
                        if option.get("label") == label:
                            return shown, item, str(option["value"])
        raise AssertionError(f"no button or option {label!r} shown to {who}")

    def _channel_of(self, shown: Shown, who: str) -> str:
        if shown.channel:
            return shown.channel
        if shown.kind == "ephemeral":
            return str(shown.data.get("channel_id") or SPACE_CHANNEL)
        return self.fake.dm_of(IDS[who]).id

    async def click(self, who: str, label: str, *, in_space: str | None = None) -> str:
        self._new(who, in_space)
        shown, item, value = self._component(who, label, in_space)
        data: dict[str, Any] = {"custom_id": item["custom_id"], "component_type": item["type"]}
        if value is not None:
            data["values"] = [value]
        await self.fake.interact(
            IDS[who], COMPONENT, data, channel=self._channel_of(shown, who), message=shown.data
        )
        await self.settle()
        return self._new(who, in_space)

    def _step(self, who: str) -> Shown | None:
        uid = IDS[who]
        for shown in reversed(self.fake.shown):
            if shown.owner != uid or shown.kind == "modal":
                continue
            for row in shown.data.get("components") or []:
                for item in row.get("components") or []:
                    if str(item.get("custom_id") or "").endswith("¦next"):
                        return shown
            return None
        return None

    async def join(
        self, who: str, role: str, answers: Answers, *, first_try: Answers | None = None
    ) -> Joined:
        await self.say(who, f"{COMMAND} join {role}")
        pending = dict(first_try or {})
        reason, again = "", False
        for _ in range(20):
            step = self._step(who)
            if step is None:
                break
            asked = await self.answer_step(who, step, answers, pending)
            content = str(step.data.get("content") or "")
            if "⚠️" in content and not reason:
                reason = "\n".join(line for line in content.splitlines() if "⚠️" in line)
                again = self._step(who) is step and bool(asked & set(first_try or {}))
        done = await self.click(who, "I accept")
        return Joined(reason.replace("\\", ""), again, done)

    async def answer_step(
        self, who: str, step: Shown, answers: Answers, pending: dict[str, Answer] | None = None
    ) -> set[str]:
        """Answer one step of the questionnaire as a person does: pick in each select, press
        the step's button, fill in the modal it opens. `pending` answers go first (once)."""
        uid, first = IDS[who], pending if pending is not None else {}

        def pick(field: str) -> Answer:
            return first.pop(field) if field in first else answers.get(field)

        channel = self._channel_of(step, who)
        asked: set[str] = set()
        button: dict[str, Any] = {}
        for row in step.data.get("components") or []:
            for item in row.get("components") or []:
                custom = str(item.get("custom_id"))
                if item.get("type") == 3:
                    field = custom.rsplit("¦f:", 1)[1]
                    asked.add(field)
                    value = pick(field)
                    values = [] if value is None else value if isinstance(value, list) else [value]
                    data = {"custom_id": custom, "component_type": 3, "values": values}
                    await self.fake.interact(
                        uid, COMPONENT, data, channel=channel, message=step.data
                    )
                elif custom.endswith("¦next"):
                    button = item
        await self.settle()
        before = len(self.fake.shown)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        await self.fake.interact(uid, COMPONENT, data, channel=channel, message=step.data)
        await self.settle()
        modal = next((s for s in self.fake.shown[before:] if s.kind == "modal"), None)
        if modal is None:
            return asked
        rows = []
        for row in modal.data.get("components") or []:
            for item in row.get("components") or []:
                asked.add(item["custom_id"])
                value = pick(item["custom_id"])
                typed = {
                    "type": 4,
                    "custom_id": item["custom_id"],
                    "value": "" if value is None else str(value),
                }
                rows.append({"type": 1, "components": [typed]})
        data = {"custom_id": modal.data["custom_id"], "components": rows}
        await self.fake.interact(uid, MODAL, data, channel=channel, message=step.data)
        await self.settle()
        return asked

    def step_shown(self, who: str) -> Shown | None:
        """The newest questionnaire step shown to the person, if it is still open."""
        return self._step(who)

    async def advance(self, delta: timedelta) -> None:
        assert self.wired is not None
        self.clock.advance(delta)
        await self.wired.dispatcher.run_until_idle()
        await self.settle()

    # --- what Discord shows ---------------------------------------------------------------------

    def messages_to(self, who: str) -> list[str]:
        return [text(s) for s in self.fake.seen_by(IDS[who])]

    def files_to(self, who: str) -> list[tuple[str, bytes]]:
        return [
            self.fake.attachment(attachment)
            for shown in self.fake.seen_by(IDS[who])
            for attachment in shown.data.get("attachments") or []
        ]

    def messages_in(self, space: str) -> list[str]:
        return [text(s) for s in self.fake.seen_in(space)]

    def space_of(self, *people: str) -> Space | None:
        wanted = {IDS[p] for p in people}
        for channel in reversed(self.fake.spaces()):
            members = self.fake.space_members(channel)
            if wanted <= members:
                return Space(channel.id, frozenset(NAMES.get(m, m) for m in members))
        return None

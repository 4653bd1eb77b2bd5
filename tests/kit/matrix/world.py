"""A Matrix world for tests and the benchmark: the bot's account, people, a program room, a
program bound to it, and the bot built by the composition root around a real `MatrixAdapter`.
More programs can be bound to rooms of their own (`bind`): each program file is given a Matrix
binding naming its room.

Cora creates the program room (so she holds power level 100 there) and invites the bot; the
program's Matrix binding names that room with `coordinator_power_level: 50`, so she coordinates
because the platform says so, not because a list names her.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from adapters.matrix.adapter import MatrixAdapter
from adapters.matrix.session import MatrixConfig, Trust
from bot.app import App, build
from core.clock import Clock
from tests.kit.matrix.person import Person
from tests.kit.matrix.synapse import Synapse, User
from tests.kit.settings import ROOT, settings_for

PREFIX = "!mentor"
NAMES = {"ana": "Ana", "ben": "Ben", "cora": "Cora"}


def program_file(
    directory: Path, server: str, room_id: str, source: Path = ROOT / "programs" / "default.yaml"
) -> Path:
    """The program of `source`, bound to the homeserver with `room_id` naming its coordinators
    (written next to the others, as `<program id>.yaml`)."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    binding: dict[str, object] = {"homeserver": server}
    if room_id:
        binding.update(room=room_id, coordinator_power_level=50)
    data["platforms"] = {"matrix": binding}
    path = directory / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class World:
    synapse: Synapse
    directory: Path
    bot: User
    people: dict[str, Person] = field(default_factory=dict)
    program_room: str = ""
    adapter: MatrixAdapter | None = None
    app: App | None = None
    settled: set[tuple[str, str]] = field(default_factory=set)
    homeserver: str = ""  # where the bot connects, when not straight to Synapse (a proxy)
    allowed_servers: frozenset[str] = frozenset()  # the bot's invitation policy (its own: empty)
    trust: Trust = "tofu"
    bound: list[tuple[Path, str]] = field(default_factory=list)  # program file, its room

    @property
    def program_rooms(self) -> frozenset[str]:
        """Every room a program is bound to (the bot accepts their invitations)."""
        return frozenset({self.program_room, *(room for _, room in self.bound)} - {""})

    @classmethod
    async def create(
        cls, synapse: Synapse, directory: Path, names: dict[str, str] | None = None
    ) -> World:
        world = cls(synapse, directory, synapse.register("mentorbot", displayname="mentorbot"))
        accounts = {
            key: synapse.register(key, displayname=name) for key, name in (names or NAMES).items()
        }
        people = await asyncio.gather(
            *(
                Person(synapse, account, directory / f"person-{key}", key).start()
                for key, account in accounts.items()
            )
        )
        for person in people:
            person.accept_from.add(world.bot.user_id)
            world.people[person.name] = person
        return world

    async def open_program_room(self, owner: str = "cora") -> str:
        """`owner` makes the (first) program room and invites the bot: she coordinates."""
        self.program_room = await self._room_of(owner, "Mentoring program")
        return self.program_room

    async def bind(self, program: Path, owner: str) -> str:
        """Bind the program of file `program` to a new room `owner` makes: she coordinates it."""
        room = await self._room_of(owner, f"Program {program.stem}")
        self.bound.append((program, room))
        return room

    async def _room_of(self, owner: str, name: str) -> str:
        person = self.people[owner]
        made = await person.client.room_create(name=name, invite=[self.bot.user_id])
        room = str(made.room_id)  # type: ignore[union-attr]
        await person.joined(room)
        return room

    def config(self) -> MatrixConfig:
        return MatrixConfig(
            homeserver=self.homeserver or self.synapse.base_url,
            user_id=self.bot.user_id,
            password=self.bot.password,
            store_path=self.directory / "bot-store",
            prefix=PREFIX,
            program_rooms=self.program_rooms,
            allowed_servers=self.allowed_servers,
            trust=self.trust,
        )

    async def start_bot(self, database_url: str, clock: Clock) -> App:
        """Build the bot through the composition root and start the adapter."""
        bound = self.bound or [(ROOT / "programs" / "default.yaml", self.program_room)]
        files = [program_file(self.directory, "localhost", room, path) for path, room in bound]
        settings = settings_for(database_url, MENTORBOT_PROGRAMS=",".join(map(str, files)))
        adapter = MatrixAdapter(self.config())
        app = await build(settings, clock=clock, adapters=[adapter])
        try:
            await adapter.start(app.services(adapter))
        except BaseException:
            await adapter.close()
            await app.close()
            raise
        self.adapter, self.app = adapter, app
        rooms = self.program_rooms
        await adapter.synced.until(lambda: rooms <= set(adapter.client.rooms))
        return app

    async def stop_bot(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()
            self.adapter = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def close(self) -> None:
        await self.stop_bot()
        await asyncio.gather(*(p.close() for p in self.people.values()))

    async def settle(self, event_id: str | None = None, within: float = 60) -> None:
        """Until the bot has handled `event_id` and every client in a room the bot wrote to
        has received what it wrote."""
        assert self.adapter is not None
        adapter = self.adapter
        if event_id is not None:
            await adapter.synced.until(lambda: event_id in adapter.handled, within)
        fresh = [sent for sent in adapter.port.sent if sent not in self.settled]
        self.settled.update(fresh)

        async def caught_up(person: Person) -> None:
            client = person.client
            rooms = {room for room, _ in fresh}
            for room in rooms:
                if room in client.invited_rooms:
                    await person.joined(room)
            wanted = {event for room, event in fresh if room in client.rooms}
            await person.received(wanted)

        await asyncio.gather(*(caught_up(p) for p in self.people.values()))

"""The Matrix adapter against a real Synapse: what the issue asks beyond the conformance story.

Everyone here is a real nio client with its own device keys; the server only ever relays
ciphertext between them and the bot.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from nio import DownloadResponse
from nio.crypto.attachments import decrypt_attachment

from core.clock import ManualClock
from core.content import File
from core.identity import Conversation, PlatformUser, SpaceRef
from core.programs.bindings import MatrixBinding
from tests.kit.drivers.matrix import MatrixDriver
from tests.kit.harness import START
from tests.kit.matrix.synapse import Synapse
from tests.kit.matrix.world import World
from tests.kit.scenario import CHECKIN_EVERY, MENTEE, MENTOR


def history(synapse: Synapse, room_id: str, token: str) -> list[dict[str, Any]]:
    """The room's events as the server stores them (what a member may page back through)."""
    page = synapse.request(
        "GET", f"/_matrix/client/v3/rooms/{room_id}/messages?dir=b&limit=500", token=token
    )
    return list(page["chunk"])  # type: ignore[arg-type]


def no_one_failed_to_decrypt(driver: MatrixDriver) -> None:
    world = driver._world
    assert world.adapter is not None
    assert not world.adapter.undecryptable, world.adapter.undecryptable
    for person in world.people.values():
        assert not person.undecryptable, (person.name, person.undecryptable)


async def matched(driver: MatrixDriver) -> str:
    await driver.join("ana", "mentee", MENTEE)
    await driver.join("ben", "mentor", MENTOR)
    await driver.say("cora", "/mentor admin match commit")
    space = driver.space_of("ana", "ben")
    assert space is not None
    return space.id


async def test_a_match_room_holds_only_ciphertext_and_a_reaction_answers_the_checkin(
    driver: MatrixDriver, synapse: Synapse
) -> None:
    room = await matched(driver)
    intro = "\n".join(driver.messages_in(room))
    assert "Welcome" in intro, "the introduction was decrypted by the members"
    await driver.say("ana", "Hi Ben, looking forward to this!", in_space=room)
    app = driver._world.app
    assert app is not None
    async with app.store.transaction() as uow:
        match = await uow.matches.by_space(SpaceRef("matrix", "localhost", room, ""))
        assert match is not None
        assert await uow.engagement.last_activity(match.key) == START.date(), "activity counted"
    await driver.advance(CHECKIN_EVERY + timedelta(hours=1))
    checkin = next(s for s in reversed(driver._bot_said("ben", room)) if "Check-in time" in s.body)
    ben = driver._person("ben")
    reacted = await ben.react(room, checkin.event_id, "👍")
    await driver._world.settle(reacted)
    stats = await driver.say("cora", "/mentor admin stats")
    assert "met at 1 of 1 check-in;" in stats, stats

    events = history(synapse, room, ben.account.access_token)
    timeline = [e for e in events if "state_key" not in e]
    assert len(timeline) >= 4, timeline  # intro, ana's hello, the check-in, ben's reaction, …
    assert {e["type"] for e in timeline} == {"m.room.encrypted"}, [e["type"] for e in timeline]
    state = {e["type"]: e for e in events if "state_key" in e}
    assert state["m.room.encryption"]["content"]["algorithm"] == "m.megolm.v1.aes-sha2"
    no_one_failed_to_decrypt(driver)


async def test_after_a_restart_the_bot_decrypts_and_runs_nothing_twice(
    driver: MatrixDriver,
) -> None:
    world = driver._world
    assert world.adapter is not None
    device = world.adapter.client.device_id
    first = await driver.say("ana", "/mentor help")
    assert "!mentor join" in first, first
    before = driver.messages_to("ana")

    await driver.restart()
    await world.settle()
    assert world.adapter is not None
    assert world.adapter.client.device_id == device, "the same device after a restart"
    assert driver.messages_to("ana") == before, "an old command was run again"

    status = await driver.say("ana", "/mentor status")
    assert "join" in status.lower(), status
    assert len(driver.messages_to("ana")) == len(before) + 1

    # typed while the bot was down: answered once it is back (from the stored sync token)
    dm = driver._dm("ana")
    assert dm is not None
    await world.stop_bot()
    sent = await world.people["ana"].say(dm, "!mentor help")
    await world.start_bot(driver.database_url, driver.clock)
    await world.settle(sent)
    assert len(driver.messages_to("ana")) == len(before) + 2
    assert "!mentor join" in driver.messages_to("ana")[-1]
    no_one_failed_to_decrypt(driver)


async def test_a_private_answer_asked_in_a_shared_room_goes_to_the_dm(
    driver: MatrixDriver,
) -> None:
    world = driver._world
    await driver.join("ana", "mentee", MENTEE)
    cora, ana = world.people["cora"], world.people["ana"]
    ana.accept_from.add(cora.user_id)
    await cora.client.room_invite(world.program_room, ana.user_id)
    await ana.joined(world.program_room)

    shown = await driver.say("ana", "/mentor my-data", in_space=world.program_room)
    assert "Everything I store about you" in shown, shown
    in_room = driver._bot_said("cora", world.program_room)
    assert not any("Everything I store" in s.body for s in in_room), "shown to the whole room"
    assert any("Everything I store about you" in m for m in driver.messages_to("ana"))
    no_one_failed_to_decrypt(driver)


async def test_a_file_goes_as_an_encrypted_attachment(driver: MatrixDriver) -> None:
    world = driver._world
    assert world.adapter is not None
    ana = world.people["ana"]
    data = b"name,goal\nAna,Lead a team\n"
    to = Conversation.dm(PlatformUser("matrix", "localhost", ana.user_id))
    await world.adapter.port.send(to, File("my-data.csv", "text/csv", data, "Your data"))
    await world.settle()
    room = world.adapter.port.book.dms[ana.user_id]
    (event,) = [s.content for s in ana.rooms[room] if s.content.get("msgtype") == "m.file"]
    assert "url" not in event, "an encrypted room gets no plain attachment"
    secret = event["file"]
    fetched = await ana.client.download(secret["url"])
    assert isinstance(fetched, DownloadResponse), fetched
    assert fetched.body != data, "the server stores ciphertext"
    plain = decrypt_attachment(
        fetched.body, secret["key"]["k"], secret["hashes"]["sha256"], secret["iv"]
    )
    assert plain == data
    no_one_failed_to_decrypt(driver)


async def test_a_match_room_joins_the_programs_space(synapse: Synapse, tmp_path: Path) -> None:
    world = await World.create(synapse, tmp_path)
    try:
        cora = world.people["cora"]
        made = await cora.client.room_create(
            space=True,
            name="Mentoring program",
            invite=[world.bot.user_id],
            power_level_override={"users": {world.bot.user_id: 50}},  # may add rooms
        )
        space_id = str(made.room_id)  # type: ignore[union-attr]
        world.program_room = space_id  # bound, so the bot accepts the invitation
        await world.start_bot(f"sqlite:///{tmp_path / 'bot.db'}", ManualClock(START))
        assert world.adapter is not None
        people = [
            PlatformUser("matrix", "localhost", world.people[p].user_id) for p in ("ana", "ben")
        ]
        binding = MatrixBinding(homeserver="localhost", space=space_id)
        room = await world.adapter.port.create_space(
            "localhost", "mentoring-ana-ben", "Mentoring: Ana & Ben", people, binding=binding
        )
        state = "/_matrix/client/v3/rooms/{}/state/{}/{}"
        child = synapse.request(
            "GET",
            state.format(space_id, "m.space.child", room.space_id),
            token=cora.account.access_token,
        )
        assert child["via"] == ["localhost"]
        parent = synapse.request(
            "GET",
            state.format(room.space_id, "m.space.parent", space_id),
            token=world.bot.access_token,
        )
        assert parent["canonical"] is True
    finally:
        await world.close()

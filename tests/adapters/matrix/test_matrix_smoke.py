"""A first look: the bot answers `!mentor help` in an encrypted DM on a real Synapse."""

from __future__ import annotations

from pathlib import Path

from adapters.matrix.adapter import MatrixAdapter
from adapters.matrix.session import MatrixConfig
from core.clock import ManualClock
from tests.kit.drivers.wiring import wire
from tests.kit.harness import START
from tests.kit.matrix.person import Person
from tests.kit.matrix.synapse import Synapse


async def test_help_in_an_encrypted_dm(synapse: Synapse, tmp_path: Path) -> None:
    bot_account = synapse.register("mentorbot", displayname="mentorbot")
    config = MatrixConfig(
        homeserver=synapse.base_url,
        user_id=bot_account.user_id,
        password=bot_account.password,
        store_path=tmp_path / "bot-store",
    )
    adapter = MatrixAdapter(config)
    app = await wire(f"sqlite:///{tmp_path / 'bot.db'}", adapter, ManualClock(START))
    ana = await Person(
        synapse, synapse.register("ana", displayname="Ana"), tmp_path / "ana", "ana"
    ).start()
    try:
        room = await ana.open_dm(bot_account.user_id)
        await ana.until(
            room, lambda shown: any(s.sender == bot_account.user_id for s in shown) or True, 1
        )
        await ana.say(room, "!mentor help")
        await ana.until(room, lambda shown: any(s.sender == bot_account.user_id for s in shown))
        print([s.body for s in ana.rooms[room]])
        assert not ana.undecryptable
        assert not adapter.undecryptable
    finally:
        await ana.close()
        await adapter.close()
        await app.close()

"""Leases for singleton adapters: one holder at a time on PostgreSQL, always granted on SQLite."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.leases import SqlLeases, lock_key


def test_lock_keys_are_stable_64_bit_and_per_name() -> None:
    assert lock_key("slack") == lock_key("slack")
    assert lock_key("slack") != lock_key("discord")
    assert -(2**63) <= lock_key("slack") < 2**63


async def test_one_holder_at_a_time(database_engine: AsyncEngine, database_url: str) -> None:
    other_engine = create_engine(database_url)  # another instance: its own connections
    mine, theirs = SqlLeases(database_engine), SqlLeases(other_engine)
    shared = database_engine.dialect.name == "postgresql"
    try:
        assert await mine.try_acquire("slack")
        assert await mine.try_acquire("slack")  # held already: still mine
        assert await theirs.try_acquire("slack") is not shared  # SQLite: one instance anyway
        assert await theirs.try_acquire("discord")  # another name, another lease
        assert await mine.still_held("slack")
        await mine.release("slack")
        assert not await mine.still_held("slack")
        assert await theirs.try_acquire("slack")
    finally:
        await mine.release_all()
        await theirs.release_all()
        await other_engine.dispose()

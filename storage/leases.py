"""Named leases: at most one instance of the bot holds each, for singleton adapters.

On PostgreSQL a lease is a session-level advisory lock (`pg_try_advisory_lock`) taken on a
connection of its own, kept open while held. If the holder dies, or its connection drops, the
server releases the lock, and a stand-by's next `try_acquire` gets it. On SQLite there is only
ever one instance (the database is a local file), so every lease is simply granted.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
NAMESPACE = "mentorbot:lease:"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name` (PostgreSQL's `bigint`)."""
    digest = hashlib.sha256((NAMESPACE + name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SqlLeases:
    """Leases on the bot's database (advisory locks on PostgreSQL; always granted on SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held: dict[str, AsyncConnection | None] = {}

    @property
    def _shared(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    async def try_acquire(self, name: str) -> bool:
        """Take the lease `name` if nobody holds it; True when this instance holds it now."""
        if name in self._held:
            return True
        if not self._shared:
            self._held[name] = None
            return True
        connection = await self._engine.connect()
        try:
            query = text("SELECT pg_try_advisory_lock(:key)")
            taken = bool((await connection.execute(query, {"key": lock_key(name)})).scalar())
            await connection.commit()  # end the implicit transaction; the session lock stays
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._held[name] = connection
        return True

    async def still_held(self, name: str) -> bool:
        """False when the lease's connection has dropped (the server has released the lock)."""
        if name not in self._held:
            return False
        connection = self._held[name]
        if connection is None:
            return True
        try:
            await connection.execute(text("SELECT 1"))
            await connection.commit()
        except Exception as error:
            log.warning("lease %s: its database connection dropped (%s)", name, error)
            self._held.pop(name, None)
            await self._discard(connection)
            return False
        return True

    async def release(self, name: str) -> None:
        """Give the lease up (closing its connection releases the lock)."""
        connection = self._held.pop(name, None)
        if connection is not None:
            await self._discard(connection)

    async def release_all(self) -> None:
        for name in list(self._held):
            await self.release(name)

    @staticmethod
    async def _discard(connection: AsyncConnection) -> None:
        try:
            await connection.invalidate()  # never back to the pool with the lock still taken
            await connection.close()
        except Exception as error:
            log.debug("lease connection close failed: %s", error)

"""Recently seen ids, so an event Slack retries (`X-Slack-Retry-Num`) is processed once."""

from __future__ import annotations

import time
from collections import OrderedDict


class RecentIds:
    """A bounded, expiring set of ids for one adapter instance: the fallback when the bot
    does not hand the adapter its shared event log (`storage.event_log`)."""

    def __init__(self, size: int = 10_000, ttl: float = 3600.0) -> None:
        self._size, self._ttl = size, ttl
        self._ids: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (within the TTL), False for every repeat."""
        now = time.monotonic()
        while self._ids and (next(iter(self._ids.values())) < now or len(self._ids) > self._size):
            self._ids.popitem(last=False)
        if key in self._ids:
            return False
        self._ids[key] = now + self._ttl
        return True

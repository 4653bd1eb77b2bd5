"""Retention: the answers of people who left more than `days` ago are deleted.

`MENTORBOT_RETENTION_DAYS` turns it on; the scheduler runs `expire_answers` at start and then
every few hours. The profile row stays (an empty profile, status `left`) so match history and
statistics do not change; `forget-me` removes the rest at any time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.ports import Store


async def expire_answers(store: Store, now: datetime, days: int) -> int:
    """Delete the answers and unfinished drafts of everyone who left before `now - days`;
    how many people lost answers."""
    if days < 1:
        raise ValueError("retention must be at least one day")
    async with store.transaction() as uow:
        return await uow.privacy.expire_answers(now - timedelta(days=days))

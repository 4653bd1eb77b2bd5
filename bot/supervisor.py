"""Starting adapters side by side: one failing never stops the others.

Per adapter, `keep` (a task of its own):

* a *singleton* adapter first takes its lease — on stand-by, polling every `standby_poll`
  seconds, while another instance holds it — and is stopped again if the lease is lost;
* `start` is retried with exponential backoff (`retry_first` doubling up to `retry_cap`
  seconds) when the platform cannot be reached (`OSError`, `TimeoutError`);
* a configuration error, or any other failure, is reported once and not retried: `keep`
  raises `AdapterFailed` naming the adapter and the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Protocol

from core.adapter import Adapter, AdapterConfigError, AdapterServices

log = logging.getLogger(__name__)


class Leases(Protocol):
    """Named leases held by at most one instance of the bot (see `storage.leases`)."""

    async def try_acquire(self, name: str) -> bool: ...

    async def still_held(self, name: str) -> bool: ...

    async def release(self, name: str) -> None: ...


class AdapterFailed(RuntimeError):
    """An adapter that will not run in this process; `str()` names it and says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


TRANSIENT = (OSError, TimeoutError)


@dataclass(slots=True)
class Supervisor:
    leases: Leases
    retry_first: float = 1.0
    retry_cap: float = 60.0
    standby_poll: float = 5.0
    running: set[str] = field(default_factory=set)

    async def keep(self, name: str, adapter: Adapter, services: AdapterServices) -> None:
        """Run `adapter` (returns once started, or keeps watching a singleton's lease)."""
        while True:
            if adapter.singleton:
                await self._lease(name)
            try:
                await self._start(name, adapter, services)
            except BaseException:
                if adapter.singleton:
                    await self.leases.release(name)
                raise
            self.running.add(name)
            if not adapter.singleton:
                return
            await self._until_lost(name)
            log.warning("adapter %s: lost its lease; stopping it and standing by", name)
            self.running.discard(name)
            with contextlib.suppress(Exception):
                await adapter.close()

    async def _lease(self, name: str) -> None:
        if await self.leases.try_acquire(name):
            return
        log.info(
            "adapter %s: another instance runs it; standing by (checking every %gs)",
            name,
            self.standby_poll,
        )
        while True:  # polling: a lock released by a dead holder sends no notification
            await asyncio.sleep(self.standby_poll)
            if await self.leases.try_acquire(name):
                break
        log.info("adapter %s: taking over", name)

    async def _until_lost(self, name: str) -> None:
        while True:
            await asyncio.sleep(self.standby_poll)
            if not await self.leases.still_held(name):
                return

    async def _start(self, name: str, adapter: Adapter, services: AdapterServices) -> None:
        delay = self.retry_first
        while True:
            try:
                await adapter.start(services)
            except AdapterConfigError as error:
                log.error("adapter %s cannot start: %s", name, error)
                raise AdapterFailed(name, str(error)) from None
            except TRANSIENT as error:
                reason = str(error) or type(error).__name__
                log.warning("adapter %s could not start (%s); retrying in %gs", name, reason, delay)
                with contextlib.suppress(Exception):
                    await adapter.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_cap)
                continue
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                log.error("adapter %s cannot start: %s", name, reason)
                with contextlib.suppress(Exception):
                    await adapter.close()
                raise AdapterFailed(name, reason) from None
            log.info("adapter %s: started", name)
            return

"""A loopback fake chat platform for the reminder tests, and the client that sends to it.

The fake speaks a Matrix-like send API: `PUT /rooms/{recipient}/send/{txn_id}` with a JSON body.
Like Matrix, the transaction id makes a retried send idempotent: a second PUT with a txn id it
has already recorded answers with the same event id and records nothing. It counts attempts per
txn id and can be scripted per txn id and attempt number:

* `ok` — record (unless a duplicate) and answer 200;
* `429:<seconds>` — answer 429 with `Retry-After`; `500`/`503` — answer that status;
* `slow:<seconds>` — record, then answer only after that long (the client times out first);
* `hold-before` — announce the arrival and never record; answer 503 once released at teardown
  (the message is lost in flight);
* `hold-after` — record, announce, then hold the response until released (the platform has the
  message, the sender never hears back).

`PlatformClient.deliver` is what an adapter's send would do with the reminder: PUT with the
reminder's idempotency key as the txn id, and 429 / 5xx / timeouts as `TransientDeliveryError`.
The worker subprocesses import it too.
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
from aiohttp import web

from core.reminders.outbox import Reminder, TransientDeliveryError


@dataclass(frozen=True)
class Recorded:
    txn_id: str
    recipient: str
    text: str
    worker: str


@dataclass
class FakePlatform:
    messages: list[Recorded] = field(default_factory=list)
    attempts: collections.Counter[str] = field(default_factory=collections.Counter)
    scripts: dict[str, list[str]] = field(default_factory=dict)
    latency: float = 0.0
    arrivals: asyncio.Queue[tuple[str, str]] = field(default_factory=asyncio.Queue)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    _seen: set[str] = field(default_factory=set)
    _runner: web.AppRunner | None = None

    def script(self, txn_id: str, *actions: str) -> None:
        """Actions for the first, second, … attempt of `txn_id`; `ok` after the last."""
        self.scripts[txn_id] = list(actions)

    def recorded_keys(self) -> list[str]:
        return [m.txn_id for m in self.messages]

    def by_recipient(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = collections.defaultdict(list)
        for message in self.messages:
            out[message.recipient].append(message.txn_id)
        return dict(out)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_put("/rooms/{recipient}/send/{txn_id}", self._send)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def next_arrival(self) -> tuple[str, str]:
        """(txn id, action) of the next held request (wait under `asyncio.timeout`)."""
        return await self.arrivals.get()

    def _action(self, txn_id: str) -> str:
        self.attempts[txn_id] += 1
        script = self.scripts.get(txn_id, [])
        attempt = self.attempts[txn_id]
        return script[attempt - 1] if attempt <= len(script) else "ok"

    def _record(self, txn_id: str, recipient: str, body: dict[str, str]) -> web.Response:
        if txn_id not in self._seen:
            self._seen.add(txn_id)
            self.messages.append(Recorded(txn_id, recipient, body["text"], body["worker"]))
        return web.json_response({"event_id": f"$event-{quote(txn_id, safe='')}"})

    async def _send(self, request: web.Request) -> web.StreamResponse:
        txn_id = request.match_info["txn_id"]
        recipient = request.match_info["recipient"]
        body = await request.json()
        action = self._action(txn_id)
        if self.latency:
            await asyncio.sleep(self.latency)
        if action == "ok":
            return self._record(txn_id, recipient, body)
        if action.startswith("429:"):
            return web.json_response(
                {"errcode": "M_LIMIT_EXCEEDED"}, status=429, headers={"Retry-After": action[4:]}
            )
        if action.isdigit():
            return web.json_response({"errcode": "M_UNKNOWN"}, status=int(action))
        if action.startswith("slow:"):
            response = self._record(txn_id, recipient, body)
            await asyncio.sleep(float(action[5:]))
            return response
        if action == "hold-before":
            await self.arrivals.put((txn_id, action))
            await self.released.wait()
            return web.json_response({"errcode": "M_UNKNOWN"}, status=503)
        if action == "hold-after":
            response = self._record(txn_id, recipient, body)
            await self.arrivals.put((txn_id, action))
            await self.released.wait()
            return response
        raise AssertionError(f"unknown action {action!r}")


class PlatformClient:
    """Sends reminders to the fake platform the way an adapter would."""

    def __init__(self, base_url: str, *, worker: str = "test", timeout: float = 5.0) -> None:
        self._base_url = base_url
        self._worker = worker
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, reminder: Reminder) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        recipient = quote(reminder.recipient, safe="")
        txn_id = quote(reminder.idempotency_key, safe="")
        url = f"{self._base_url}/rooms/{recipient}/send/{txn_id}"
        body = {"text": f"{reminder.kind} {reminder.payload}", "worker": self._worker}
        try:
            async with self._session.put(url, json=body) as response:
                if response.status == 429:
                    retry_after = float(response.headers.get("Retry-After", "1"))
                    raise TransientDeliveryError("rate limited", retry_after=retry_after)
                if response.status >= 500:
                    raise TransientDeliveryError(f"platform error {response.status}")
                response.raise_for_status()
        except (TimeoutError, aiohttp.ClientConnectionError) as error:
            raise TransientDeliveryError(f"send failed: {type(error).__name__}") from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

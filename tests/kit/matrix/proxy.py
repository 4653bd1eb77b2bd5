"""A loopback proxy in front of the test Synapse that misbehaves as a busy homeserver does:
`M_LIMIT_EXCEEDED` (HTTP 429 with `retry_after_ms`) for the next sends, or failing syncs (HTTP
502, as a restarting reverse proxy answers). Everything else is passed through unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from aiohttp import web

HOP = {"content-length", "transfer-encoding", "connection", "content-encoding", "host"}


@dataclass
class Misbehaviour:
    limited_sends: int = 0  # the next N message sends are refused with M_LIMIT_EXCEEDED
    retry_after_ms: int = 300
    failed_syncs: int = 0  # the next N syncs get a 502
    refused: int = 0  # how many requests were refused so far


class Proxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.bad = Misbehaviour()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    async def start(self) -> Proxy:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if request.method == "PUT" and "/send/" in path and self.bad.limited_sends > 0:
            self.bad.limited_sends -= 1
            self.bad.refused += 1
            body = {
                "errcode": "M_LIMIT_EXCEEDED",
                "error": "Too Many Requests",
                "retry_after_ms": self.bad.retry_after_ms,
            }
            return web.json_response(body, status=429)
        if path.endswith("/sync") and self.bad.failed_syncs > 0:
            self.bad.failed_syncs -= 1
            self.bad.refused += 1
            return web.Response(status=502, text="Bad Gateway")
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=await request.read(),
        ) as upstream:
            body = await upstream.read()
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP}
            return web.Response(status=upstream.status, body=body, headers=kept)

"""Logging the bot in with a persistent end-to-end encryption store.

The store directory (`MATRIX_STORE_PATH`) holds nio's SQLite store (device keys, Olm and
Megolm sessions, the sync token) and `credentials.json` (user id, device id, access token), so
a restart reuses the same device: people's clients keep trusting it and old room keys still
decrypt. Log in with a password (a new device the first time) or an access token (its device
is asked with `whoami`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nio import AsyncClient, AsyncClientConfig, KeysUploadResponse, LoginResponse, WhoamiResponse

from core.adapter import AdapterConfigError

CREDENTIALS = "credentials.json"
Trust = Literal["tofu", "verified"]


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    """The Matrix adapter's settings (see `.env.example`, section Matrix)."""

    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    store_path: Path = Path(".mentorbot-store")
    prefix: str = "!mentor"
    device_name: str = "mentorbot"
    # whose invitations to a DM the bot accepts: people on these homeservers (empty: its own)
    allowed_servers: frozenset[str] = frozenset()
    # rooms the bot joins whatever server invites it (program rooms and Spaces from bindings)
    program_rooms: frozenset[str] = frozenset()
    trust: Trust = "tofu"
    space_concurrency: int = 5  # match rooms created at once during a commit
    sync_timeout_ms: int = 30_000
    max_backoff: float = 30.0

    def check(self) -> None:
        if not self.homeserver.startswith(("http://", "https://")):
            raise AdapterConfigError(
                "MATRIX_HOMESERVER must be the homeserver's URL, like https://matrix.example.org"
            )
        if not self.user_id.startswith("@") or ":" not in self.user_id:
            raise AdapterConfigError(
                "MATRIX_USER_ID must be a full Matrix id, like @mentorbot:example.org"
            )
        if not self.password and not self.access_token:
            raise AdapterConfigError("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN for the bot")

    @property
    def server_name(self) -> str:
        return self.user_id.partition(":")[2]


def client_for(config: MatrixConfig) -> AsyncClient:
    config.store_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return AsyncClient(
        config.homeserver,
        config.user_id,
        store_path=str(config.store_path),
        config=AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=True,
            max_limit_exceeded=None,  # M_LIMIT_EXCEEDED: wait retry_after_ms, then again
            request_timeout=60,
        ),
    )


def _saved(config: MatrixConfig) -> dict[str, str] | None:
    path = config.store_path / CREDENTIALS
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    return saved if saved.get("user_id") == config.user_id else None


def _save(config: MatrixConfig, device_id: str, access_token: str) -> None:
    path = config.store_path / CREDENTIALS
    text = json.dumps(
        {"user_id": config.user_id, "device_id": device_id, "access_token": access_token}
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


async def log_in(client: AsyncClient, config: MatrixConfig) -> None:
    """Restore the stored device, or log in (password or token) and store it; then upload
    the device's keys if the server lacks them (without them no one can encrypt to the bot)."""
    saved = _saved(config)
    token = config.access_token
    if saved is not None and (token is None or saved["access_token"] == token):
        client.restore_login(config.user_id, saved["device_id"], saved["access_token"])
    elif token:
        client.access_token = token
        whoami = await client.whoami()
        if not isinstance(whoami, WhoamiResponse) or not whoami.device_id:
            raise AdapterConfigError(f"MATRIX_ACCESS_TOKEN was refused by the homeserver: {whoami}")
        if whoami.user_id != config.user_id:
            raise AdapterConfigError(
                f"MATRIX_ACCESS_TOKEN belongs to {whoami.user_id}, not MATRIX_USER_ID"
            )
        client.restore_login(config.user_id, whoami.device_id, token)
        _save(config, whoami.device_id, token)
    else:
        done = await client.login(config.password or "", device_name=config.device_name)
        if not isinstance(done, LoginResponse):
            raise AdapterConfigError(f"the homeserver refused MATRIX_PASSWORD: {done.message}")
        _save(config, done.device_id, done.access_token)
    if client.should_upload_keys:
        uploaded = await client.keys_upload()
        if not isinstance(uploaded, KeysUploadResponse):
            raise OSError(f"uploading the bot's device keys failed: {uploaded}")

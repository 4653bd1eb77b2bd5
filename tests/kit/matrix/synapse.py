"""A real Synapse homeserver on loopback, for the Matrix tests and benchmark.

`ensure_installed()` installs a pinned `matrix-synapse` from PyPI into a virtual environment of
its own, outside git (`~/.cache/mentorbot/synapse-<version>/`, or `MENTORBOT_SYNAPSE_HOME`), once
per machine: a file lock keeps parallel pytest processes from installing it twice, and a stamp
file marks a finished install so a broken one is redone. `Synapse` generates a config (SQLite,
registration by shared secret, raised rate limits, presence and URL previews off, no federation,
a free loopback port), starts the server, waits until it answers, and stops it. `register`
creates a fresh user through the admin API (HMAC-SHA1 over `nonce\\0user\\0password\\0notadmin`).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

VERSION = "1.163.2"
CACHE = Path(os.environ.get("MENTORBOT_SYNAPSE_HOME") or Path.home() / ".cache" / "mentorbot")
INSTALL_TIMEOUT = 900  # seconds; a first install on a slow machine builds nothing, but downloads


class SynapseUnavailable(RuntimeError):
    """Synapse could not be installed or started (the message says why)."""


def _say(message: str) -> None:
    print(f"[synapse] {message}", file=sys.stderr, flush=True)


def ensure_installed(version: str = VERSION) -> Path:
    """The `python` of a virtual environment holding `matrix-synapse==version`; installs it once."""
    home = CACHE / f"synapse-{version}"
    python = home / "bin" / "python"
    stamp = home / ".installed"
    if stamp.exists():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"synapse-{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a parallel process installing: wait for it
        if stamp.exists():
            return python
        shutil.rmtree(home, ignore_errors=True)  # a half-finished earlier install
        started = time.monotonic()
        _say(f"installing matrix-synapse {version} into {home} (once per machine) ...")
        steps = [
            [sys.executable, "-m", "venv", str(home)],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"matrix-synapse=={version}",
            ],
        ]
        for step in steps:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
            if done.returncode != 0:
                shutil.rmtree(home, ignore_errors=True)
                raise SynapseUnavailable(
                    f"installing matrix-synapse {version} failed:\n{done.stderr[-2000:]}"
                )
        stamp.write_text(f"{time.monotonic() - started:.1f}\n")
        _say(f"installed matrix-synapse {version} in {time.monotonic() - started:.0f} s")
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_GENEROUS = {"per_second": 1000, "burst_count": 1000}


def config(
    directory: Path, port: int, shared_secret: str, database: Path | None = None
) -> dict[str, object]:
    """A homeserver config for tests: loopback only, SQLite, nothing that waits or federates."""
    database = database or directory / "homeserver.db"
    return {
        "server_name": "localhost",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(database)}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "log_config": str(directory / "log.yaml"),
        "report_stats": False,
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_metrics": False,
        "bcrypt_rounds": 4,
        "rc_message": _GENEROUS,
        "rc_registration": _GENEROUS,
        "rc_login": {"address": _GENEROUS, "account": _GENEROUS, "failed_attempts": _GENEROUS},
        "rc_joins": {"local": _GENEROUS, "remote": _GENEROUS},
        "rc_joins_per_room": _GENEROUS,
        "rc_invites": {"per_room": _GENEROUS, "per_user": _GENEROUS, "per_issuer": _GENEROUS},
        "rc_3pid_validation": _GENEROUS,
        "rc_admin_redaction": _GENEROUS,
        "rc_key_requests": _GENEROUS,
        "rc_room_creation": _GENEROUS,
        "rc_delayed_event_mgmt": _GENEROUS,
        "rc_reports": _GENEROUS,
        "rc_presence": {"per_user": _GENEROUS},
    }


LOG_CONFIG = {
    "version": 1,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "file": {"class": "logging.FileHandler", "formatter": "plain", "filename": "LOG"},
    },
    "root": {"level": "WARNING", "handlers": ["file"]},
    "disable_existing_loggers": False,
}


@dataclass
class User:
    user_id: str
    password: str
    access_token: str
    device_id: str


class Synapse:
    """One running homeserver in `directory`; `start()` then `stop()` (or use it as a context)."""

    def __init__(self, directory: Path, python: Path) -> None:
        self.directory = directory
        self.python = python
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None
        # the database in memory-backed storage when there is some: room creation is write-bound
        shm = Path("/dev/shm")
        self._memory = Path(tempfile.mkdtemp(prefix="synapse-", dir=shm)) if shm.is_dir() else None

    def start(self, timeout: float = 120) -> Synapse:
        self.directory.mkdir(parents=True, exist_ok=True)
        log_config = dict(LOG_CONFIG)
        log_config["handlers"] = {
            "file": {**LOG_CONFIG["handlers"]["file"], "filename": str(self.log)}  # type: ignore[index]
        }
        (self.directory / "log.yaml").write_text(yaml.safe_dump(log_config))
        path = self.directory / "homeserver.yaml"
        database = self._memory / "homeserver.db" if self._memory else None
        path.write_text(
            yaml.safe_dump(config(self.directory, self.port, self.shared_secret, database))
        )
        generate = subprocess.run(
            [str(self.python), "-m", "synapse.app.homeserver", "-c", str(path), "--generate-keys"],
            capture_output=True,
            text=True,
            cwd=self.directory,
            check=False,
            timeout=120,
        )
        if generate.returncode != 0:
            self.stop()
            raise SynapseUnavailable(f"synapse --generate-keys failed:\n{generate.stderr[-2000:]}")
        output = (self.directory / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [str(self.python), "-m", "synapse.app.homeserver", "-c", str(path)],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=self.directory,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise SynapseUnavailable(f"synapse exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_matrix/client/versions", timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise SynapseUnavailable(f"synapse did not answer within {timeout:.0f} s:\n{self.tail()}")

    @property
    def log(self) -> Path:
        return self.directory / "homeserver.log"

    def tail(self, lines: int = 30) -> str:
        parts = []
        for name in ("stdout.log", "homeserver.log"):
            file = self.directory / name
            if file.exists():
                parts.extend(file.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None
        if self._memory is not None:
            shutil.rmtree(self._memory, ignore_errors=True)

    def __enter__(self) -> Synapse:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, object] | None = None,
        token: str | None = None,
    ) -> dict[str, object]:
        request = urllib.request.Request(
            self.base_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))

    def register(self, localpart: str, *, admin: bool = False, displayname: str = "") -> User:
        """A new user (its localpart made unique), logged in on a device of its own."""
        localpart = f"{localpart}{secrets.token_hex(3)}"
        password = secrets.token_hex(12)
        nonce = str(self.request("GET", "/_synapse/admin/v1/register")["nonce"])
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    localpart.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        done = self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "displayname": displayname or localpart,
                "mac": mac.hexdigest(),
            },
        )
        return User(
            str(done["user_id"]), password, str(done["access_token"]), str(done["device_id"])
        )

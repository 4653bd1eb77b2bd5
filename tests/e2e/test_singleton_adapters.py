"""A singleton adapter runs on one instance at a time; a stand-by takes over when the holder dies.

Two real `mentorbot run` processes on one PostgreSQL database, running the test-only `beacon`
adapter (tests/e2e/plugins/beacon.py, a singleton). The lease is a PostgreSQL advisory lock on a
connection of the holder's: `kill -9` drops the connection, the server releases the lock, and
the stand-by's next poll takes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = Path(__file__).resolve().parent / "plugins"
TAKE_OVER_WITHIN = 30.0


def _env(database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MENTORBOT_", "SLACK_", "DISCORD_", "MATRIX_"))
    }
    env.update(
        DATABASE_URL=database_url,
        MENTORBOT_PROGRAMS=str(ROOT / "programs" / "default.yaml"),
        MENTORBOT_ADAPTERS="beacon",
        MENTORBOT_EXTRA_ADAPTERS="beacon=beacon:create",
        MENTORBOT_LOG_LEVEL="INFO",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PLUGINS), env.get("PYTHONPATH")])),
    )
    return env


def _wait_for(path: Path, text: str, seconds: float) -> float:
    """Seconds until `text` appears in `path`; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if path.exists() and text in path.read_text():
            return time.monotonic() - started
        time.sleep(0.1)
    shown = path.read_text() if path.exists() else "(nothing)"
    pytest.fail(f"{text!r} not in {path.name} after {seconds:.0f}s:\n{shown}")


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_one_instance_holds_the_other_takes_over_after_kill_9(
    postgres_database: str, tmp_path: Path, instances: list[subprocess.Popen[bytes]]
) -> None:
    env = _env(postgres_database)

    def start(name: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            stdin=subprocess.DEVNULL,
            stdout=(tmp_path / f"{name}.out").open("wb"),
            stderr=(tmp_path / f"{name}.err").open("wb"),
            env=env,
            cwd=tmp_path,
        )
        instances.append(process)
        return process

    first = start("first")
    _wait_for(tmp_path / "first.out", "BEACON serving", 60)
    second = start("second")
    _wait_for(tmp_path / "second.err", "adapter beacon: another instance runs it; standing by", 60)
    time.sleep(2.0)
    assert "BEACON serving" not in (tmp_path / "second.out").read_text()  # one at a time

    first.kill()  # SIGKILL: no clean-up, the lock goes when the connection does
    first.wait(timeout=30)
    took = _wait_for(tmp_path / "second.out", "BEACON serving", TAKE_OVER_WITHIN)
    assert took < TAKE_OVER_WITHIN
    assert "adapter beacon: taking over" in (tmp_path / "second.err").read_text()

    second.terminate()
    assert second.wait(timeout=30) == 0
    assert "BEACON closed" in (tmp_path / "second.out").read_text()

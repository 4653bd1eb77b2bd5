"""Adapters start side by side: transient failures are retried with backoff, configuration
errors are reported once, singletons wait for their lease."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio

from adapters.slack.app import SlackAdapter, SlackConfig
from bot.supervisor import AdapterFailed, Supervisor
from core.adapter import AdapterConfigError, AdapterServices
from core.clock import SystemClock
from core.content import Reply
from core.ports import ChatPort
from storage.engine import create_engine
from storage.leases import SqlLeases
from tests.kit import FakeChat


@dataclass
class Platform:
    """A stand-in chat platform whose `start` fails as told, then serves."""

    failures: list[BaseException] = field(default_factory=list)
    singleton: bool = False
    starts: int = 0
    closes: int = 0
    chat: FakeChat = field(default_factory=FakeChat)

    @property
    def platform(self) -> str:
        return "fake"

    @property
    def port(self) -> ChatPort:
        return self.chat

    async def start(self, services: AdapterServices) -> None:
        self.starts += 1
        if self.failures:
            raise self.failures.pop(0)

    async def close(self) -> None:
        self.closes += 1


async def _reply(_: object) -> Reply:
    return Reply()


async def _yes(_: object) -> bool:
    return True


SERVICES = AdapterServices(
    handle=_reply,
    standing=_reply,  # type: ignore[arg-type]
    first_time=_yes,
    clock=SystemClock(),
    run_due=_yes,  # type: ignore[arg-type]
    stop=lambda: None,
)


@pytest_asyncio.fixture
async def leases() -> AsyncIterator[SqlLeases]:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        yield SqlLeases(engine)
    finally:
        await engine.dispose()


async def test_network_failures_are_retried_with_growing_delays(
    leases: SqlLeases, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = Platform([ConnectionRefusedError("refused"), TimeoutError()])
    supervisor = Supervisor(leases, retry_first=0.01, retry_cap=0.02)
    with caplog.at_level(logging.INFO, "bot.supervisor"):
        await supervisor.keep("fake", adapter, SERVICES)
    assert adapter.starts == 3
    assert supervisor.running == {"fake"}
    messages = [r.getMessage() for r in caplog.records]
    assert "adapter fake could not start (refused); retrying in 0.01s" in messages
    assert "adapter fake could not start (TimeoutError); retrying in 0.02s" in messages
    assert "adapter fake: started" in messages


async def test_a_configuration_error_is_reported_once_and_not_retried(
    leases: SqlLeases, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = Platform([AdapterConfigError("needs FAKE_TOKEN")])
    with pytest.raises(AdapterFailed, match="fake: needs FAKE_TOKEN"):
        await Supervisor(leases, retry_first=0.01).keep("fake", adapter, SERVICES)
    assert adapter.starts == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "adapter fake cannot start: needs FAKE_TOKEN"
    ]


async def test_slack_socket_mode_unreachable_keeps_retrying(
    leases: SqlLeases, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    adapter = SlackAdapter(
        SlackConfig(
            bot_token="xoxb-test-not-a-token",
            app_token="xapp-test-not-a-token",
            api_base_url=f"http://127.0.0.1:{closed}/api/",
        )
    )
    supervisor = Supervisor(leases, retry_first=0.05, retry_cap=0.1)

    def retries() -> list[str]:
        return [m for m in caplog.messages if m.startswith("adapter slack could not start")]

    with caplog.at_level(logging.WARNING, "bot.supervisor"):
        task = asyncio.create_task(supervisor.keep("slack", adapter, SERVICES))
        for _ in range(300):  # up to 30 s: slack-sdk itself tries each connection twice
            if len(retries()) >= 2:
                break
            await asyncio.sleep(0.1)
        assert not task.done()  # still trying: the others keep serving meanwhile
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await adapter.close()
    assert "Cannot connect to host 127.0.0.1" in retries()[0]
    assert supervisor.running == set()


async def test_a_singleton_starts_once_it_holds_its_lease(leases: SqlLeases) -> None:
    adapter = Platform(singleton=True)
    supervisor = Supervisor(leases, standby_poll=0.01)
    task = asyncio.create_task(supervisor.keep("fake", adapter, SERVICES))
    for _ in range(100):
        if supervisor.running:
            break
        await asyncio.sleep(0.01)
    assert supervisor.running == {"fake"}  # SQLite: one instance, the lease simply holds
    assert not task.done()  # watching the lease
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

"""Fixtures for core tests: the bundled program, a manual clock, a fake port, the harness."""

from __future__ import annotations

import pytest
from harness import ROOT, START, FakeChat, Harness

from core.clock import ManualClock
from core.ports import Store
from core.programs.program import CoordinatorId, Program, load_program
from core.service import MentorBot


@pytest.fixture
def program() -> Program:
    """The bundled program, with `coordinator` of the fake platform listed as a coordinator."""
    bundled = load_program(ROOT / "programs" / "default.yaml")
    listed = (*bundled.coordinators, CoordinatorId(platform="fake", user_id="coordinator"))
    return bundled.model_copy(update={"coordinators": listed})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def port() -> FakeChat:
    return FakeChat(admins={"slackadmin"})


@pytest.fixture
def harness(memory_store: Store, program: Program, port: FakeChat, clock: ManualClock) -> Harness:
    bot = MentorBot([program], memory_store, {"fake": port}, clock)
    return Harness(bot, port, clock)

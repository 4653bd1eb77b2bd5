"""The kit's fixtures: the bundled program, a manual clock, a recording port, the flow harness.

Registered for every test folder by `pytest_plugins` in `tests/conftest.py`; a folder's own
`conftest.py` can still override any of them.
"""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.ports import Store
from core.programs.program import CoordinatorId, Program, load_program
from core.service import MentorBot
from tests.kit.fake_port import FakeChat
from tests.kit.harness import ROOT, START, Harness


@pytest.fixture
def program() -> Program:
    """The bundled program, with `coordinator` of the fake platform listed as a coordinator."""
    bundled = load_program(ROOT / "programs" / "default.yaml")
    listed = (*bundled.coordinators, CoordinatorId(platform="fake", user_id="coordinator"))
    return bundled.model_copy(update={"coordinators": listed})


@pytest.fixture
def clock() -> ManualClock:
    """A clock that stands still at `START` until a test advances it."""
    return ManualClock(START)


@pytest.fixture
def port() -> FakeChat:
    """A recording `ChatPort`; `slackadmin` is a platform admin."""
    return FakeChat(admins={"slackadmin"})


@pytest.fixture
def harness(memory_store: Store, program: Program, port: FakeChat, clock: ManualClock) -> Harness:
    """The bot on an in-memory database with `port` as its only platform (`fake`)."""
    bot = MentorBot([program], memory_store, {"fake": port}, clock)
    return Harness(bot, port, clock)

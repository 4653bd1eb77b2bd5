"""mentorbot's adapter test kit, loaded as a pytest plugin by `tests/conftest.py`.

* `FakeChat` (`fake_port`) — a recording `ChatPort` for tests of core without a platform.
* `Harness`, `enrol`, `tick`, `live` (`harness`) — drive flows through `MentorBot.handle`.
* fixtures (`plugin`) — `program`, `clock`, `port`, `harness`.
* `Driver` and the drivers (`drivers`) — one per adapter, for the contract and conformance tests;
  `scenario` — the conformance story every adapter plays.
"""

from tests.kit.fake_port import FakeChat
from tests.kit.harness import (
    MENTEE_ANSWERS,
    MENTOR_ANSWERS,
    ROOT,
    START,
    Harness,
    enrol,
    live,
    tick,
    visible,
)

__all__ = [
    "MENTEE_ANSWERS",
    "MENTOR_ANSWERS",
    "ROOT",
    "START",
    "FakeChat",
    "Harness",
    "enrol",
    "live",
    "tick",
    "visible",
]

"""Pytest fixtures for the Matrix tests: one Synapse per test session.

Import them into a folder's `conftest.py` (`from tests.kit.matrix.fixtures import synapse,
pytest_collection_finish, pytest_collection_modifyitems`): the hooks give tests on Synapse a
longer timeout, and install Synapse after collection when a collected test needs it, so a first
install (minutes) does not count against any one test's timeout.
When Synapse cannot be installed or started the tests that need it are skipped with the reason
in capitals, except under `CI`, where they fail: CI must run the Matrix tests.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.matrix.synapse import Synapse, SynapseUnavailable, ensure_installed

MATRIX_TEST_TIMEOUT = 300  # seconds: a whole story through a real homeserver, on a busy machine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the real Synapse get a longer timeout than the suite's default."""
    for item in items:
        if "synapse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(MATRIX_TEST_TIMEOUT))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Install Synapse before the tests run, if any of them needs it (once per machine)."""
    if any("synapse" in getattr(item, "fixturenames", ()) for item in session.items):
        with contextlib.suppress(SynapseUnavailable):  # the fixture reports it, per test
            ensure_installed()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A running Synapse on loopback for the whole session (installed on first use)."""
    directory: Path = tmp_path_factory.mktemp("synapse")
    try:
        server = Synapse(directory, ensure_installed()).start()
    except SynapseUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Matrix tests, but Synapse is unavailable: {error}")
        pytest.skip(f"MATRIX TESTS SKIPPED — SYNAPSE IS UNAVAILABLE: {error}")
    try:
        yield server
    finally:
        server.stop()

"""The Matrix tests run against a real Synapse (see `tests/kit/matrix/fixtures.py`)."""

from tests.kit.matrix.fixtures import synapse

__all__ = ["synapse"]

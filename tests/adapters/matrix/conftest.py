"""The Matrix tests run against a real Synapse (see `tests/kit/matrix/fixtures.py`)."""

from tests.kit.matrix.fixtures import (
    pytest_collection_finish,
    pytest_collection_modifyitems,
    synapse,
)

__all__ = ["pytest_collection_finish", "pytest_collection_modifyitems", "synapse"]

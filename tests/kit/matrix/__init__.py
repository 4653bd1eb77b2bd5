"""A real Synapse for the Matrix tests: install, run, register people (`synapse`), and people
with encrypting clients (`person`). Fixtures are in `tests/kit/matrix/fixtures.py`."""

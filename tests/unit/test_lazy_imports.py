"""The CLI loads what a command needs when it runs: `--help` and offline commands load no
platform SDK, no adapter and no solver (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("slack_bolt", "slack_sdk", "adapters.slack", "adapters.shell", "ortools", "numpy")
PROBE = """
import json, sys
from bot.cli import main
sys.argv = ["mentorbot", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


def loaded_by(*args: str) -> list[str]:
    script = PROBE.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="import"),
        pytest.param(["--help"], id="help"),
        pytest.param(["run", "--help"], id="run-help"),
        pytest.param(
            ["program", "validate", str(ROOT / "programs" / "default.yaml")], id="validate"
        ),
    ],
)
def test_the_cli_loads_no_adapter_or_solver_it_does_not_use(args: list[str]) -> None:
    assert loaded_by(*args) == []

"""`program validate` reports every problem of a file in one run, in plain words, and never crashes
on a broken file — whatever is broken."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.programs.program import ProgramError, parse_program

ROOT = Path(__file__).resolve().parents[2]


def question(qid: str, ask: str, **more: Any) -> dict[str, Any]:
    return {"id": qid, "ask": ask, "kind": "multi_choice", "prompt": "Topics?",
            "options": ["a", "b"], **more}  # fmt: skip


def program(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"id": "pilot", "name": "Pilot", "policy": "Be kind.", "questions": list(questions)}


BASE = program(
    question("wanted", "mentee", match={"rule": "overlap", "with": "offered"}),
    question("offered", "mentor"),
    question("extra", "both"),
)

# Independent breakages: each changes BASE in its own place and names itself in the message.
BREAKAGES: dict[str, tuple[Any, str]] = {
    "field error": (
        lambda p: p["questions"][2].update(kind="essay"),
        "question 'extra': kind: 'essay' is not allowed; use",
    ),
    "duplicate id": (
        lambda p: p["questions"].append(question("offered", "mentor")),
        "question 'offered': id is used by two questions",
    ),
    "bad with": (
        lambda p: p["questions"][0]["match"].update({"with": "offerd"}),
        "question 'wanted': match rule 'overlap' names question 'offerd', which does not exist",
    ),
    "missing field": (lambda p: p.pop("policy"), "policy: this field is missing; add it"),
    "unknown field": (
        lambda p: p["questions"][1].update(colour="red"),
        "question 'offered': colour: unknown field; remove it or check its spelling",
    ),
    "bad number": (
        lambda p: p["questions"][2].update(max_choices="many"),
        "question 'extra': max_choices: expected a whole number, got 'many'",
    ),
}


def broken(names: list[str]) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    for name in names:
        BREAKAGES[name][0](raw)
    return raw


def test_the_base_program_is_valid() -> None:
    assert parse_program(copy.deepcopy(BASE), "p.yaml").id == "pilot"


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(sorted(BREAKAGES)), min_size=1))
def test_every_problem_is_reported_in_one_run(names: set[str]) -> None:
    with pytest.raises(ProgramError) as caught:
        parse_program(broken(sorted(names)), "p.yaml")
    lines = str(caught.value).splitlines()
    for name in names:
        assert f"p.yaml: {BREAKAGES[name][1]}" in "\n".join(lines), name
    assert all(line.startswith("p.yaml: ") for line in lines)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_broken_file_gives_plain_problems_never_a_crash(data: st.DataObject) -> None:
    raw = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(raw)))
        *parents, last = path
        target = raw
        for part in parents:
            target = target[part]
        if data.draw(st.booleans()) and isinstance(target, dict):
            del target[last]
        else:
            target[last] = data.draw(JSONISH)
        if not _paths(raw):
            break
    try:
        parse_program(raw, "p.yaml")
    except ProgramError as error:
        lines = str(error).splitlines()
        assert lines
        for line in lines:
            assert line.startswith("p.yaml: ")
            assert "pydantic" not in line
            assert "Field required" not in line
            assert "Extra inputs" not in line


def test_program_validate_prints_every_problem(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(broken(sorted(BREAKAGES)), sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "program", "validate", str(file)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "300"},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for _, words in BREAKAGES.values():
        assert words in result.stderr

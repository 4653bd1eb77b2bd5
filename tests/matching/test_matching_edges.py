"""Degenerate pools: nobody, only one side, and one-to-one capacity."""

from __future__ import annotations

import json

from conftest import TEST_PROGRAM, mentee, mentor, round_input

from core.matching import match
from core.programs.program import Program, parse_program


def test_empty_pool(program: Program) -> None:
    result = match(round_input(program, []))
    assert (result.matches, result.unmatched, result.matched) == ((), (), 0)
    assert json.loads(result.to_json())["optimality"] == {"proven": True, "gap": 0.0}


def test_only_mentees_are_told_there_is_no_mentor(program: Program) -> None:
    result = match(round_input(program, [mentee("ana"), mentee("bea")]))
    assert [u.id for u in result.unmatched] == ["ana", "bea"]
    assert all("no mentor with free capacity" in u.reason for u in result.unmatched)


def test_only_mentors(program: Program) -> None:
    result = match(round_input(program, [mentor("bo")]))
    assert result.matched == 0
    assert result.unmatched[0].id == "bo"


def test_one_to_one_takes_one_mentee_per_mentor() -> None:
    program = parse_program({**TEST_PROGRAM, "mode": "one_to_one"}, "t")
    people = [mentee("ana"), mentee("bea"), mentor("bo", capacity=3)]
    result = match(round_input(program, people))
    assert result.matched == 1

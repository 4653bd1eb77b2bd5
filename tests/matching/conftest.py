"""Shared fixtures for the matching tests: a small program with one question per rule kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.matching import Candidate, MatchInput
from core.programs.program import Program, Role, parse_program

AT = datetime(2025, 1, 15, 12, tzinfo=UTC)

TEST_PROGRAM: dict[str, Any] = {
    "id": "test",
    "name": "Test",
    "policy": "Be kind.",
    "mode": "one_to_many",
    "capacity": {"default": 1, "maximum": 5},
    "questions": [
        {"id": "topics_wanted", "ask": "mentee", "kind": "multi_choice", "prompt": "Wanted?",
         "options": [{"value": "career", "label": "Career growth"},
                     {"value": "leadership", "label": "Leadership"}, "python", "design"],
         "max_choices": 3,
         "match": {"rule": "overlap", "with": "topics_offered", "weight": 3, "required": True}},
        {"id": "topics_offered", "ask": "mentor", "kind": "multi_choice", "prompt": "Offered?",
         "options": ["career", "leadership", "python", "design"]},
        {"id": "languages", "ask": "both", "kind": "multi_choice", "prompt": "Languages?",
         "options": [{"value": "en", "label": "English"}, {"value": "es", "label": "Spanish"},
                     {"value": "fr", "label": "French"}],
         "match": {"rule": "same", "weight": 2, "required": True}},
        {"id": "timezone", "ask": "both", "kind": "timezone", "prompt": "Timezone?",
         "match": {"rule": "timezone", "weight": 1, "max_gap_hours": 6, "required": True}},
        {"id": "years_experience", "ask": "both", "kind": "number", "prompt": "Years?",
         "min": 0, "max": 60, "match": {"rule": "min_gap", "min_gap": 3, "weight": 1}},
        {"id": "department", "ask": "both", "kind": "single_choice", "prompt": "Department?",
         "options": ["sales", "tech"], "required": False,
         "match": {"rule": "different", "weight": 1}},
        {"id": "availability", "ask": "both", "kind": "single_choice", "prompt": "Time?",
         "options": ["light", "regular"], "required": False,
         "match": {"rule": "same", "weight": 1}},
    ],
}  # fmt: skip


@pytest.fixture
def program() -> Program:
    return parse_program(TEST_PROGRAM, "test")


def mentee(pid: str, **answers: Any) -> Candidate:
    base = {"topics_wanted": ["career"], "languages": ["en"], "timezone": "+00:00",
            "years_experience": 1}  # fmt: skip
    return Candidate(pid, frozenset({Role.MENTEE}), 0, {**base, **answers})


def mentor(pid: str, capacity: int = 1, **answers: Any) -> Candidate:
    base = {"topics_offered": ["career"], "languages": ["en"], "timezone": "+00:00",
            "years_experience": 10}  # fmt: skip
    return Candidate(pid, frozenset({Role.MENTOR}), capacity, {**base, **answers})


def round_input(program: Program, people: list[Candidate], **extra: Any) -> MatchInput:
    return MatchInput(program=program, candidates=people, at=extra.pop("at", AT), **extra)

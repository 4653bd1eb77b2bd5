"""The shortcuts that make `mentorbot match` fast give exactly what the plain code gives.

Roster validation remembers each distinct answer, explanations phrase each distinct sentence
once per round, and `MatchResult.to_json` writes the matches itself: each is checked here
against the plain path on real rounds and on arbitrary text.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pytest
from conftest import AT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matching_roster import GOOD

from bench.roster_gen import RosterSpec, candidates
from core.matching import (
    Match,
    MatchInput,
    MatchResult,
    Optimality,
    RosterError,
    Unmatched,
    parse_roster,
)
from core.matching import match as run_round
from core.matching.explain import Phrases, explain_pair
from core.matching.scoring import Scorer
from core.programs.program import Program, load_program

DEFAULT = "programs/default.yaml"


def _plain_json(result: MatchResult, timings: bool = False) -> str:
    return json.dumps(result.to_dict(timings=timings), indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def bundled() -> Program:
    from pathlib import Path

    return load_program(Path(__file__).resolve().parents[2] / DEFAULT)


@pytest.fixture(scope="module")
def round_input(bundled: Program) -> MatchInput:
    return MatchInput(bundled, candidates(RosterSpec(400, 90, 3, seed=5)), AT)


def test_a_real_round_writes_the_bytes_json_dumps_writes(round_input: MatchInput) -> None:
    result = run_round(round_input)
    assert result.matched > 200
    assert result.unmatched
    assert result.to_json() == _plain_json(result)
    assert result.to_json(timings=True) == _plain_json(result, timings=True)


def test_an_empty_round_writes_an_empty_list(round_input: MatchInput) -> None:
    mentees_only = [c for c in round_input.candidates if c.is_mentee]
    result = run_round(MatchInput(round_input.program, mentees_only, AT))
    assert result.matches == ()
    assert result.to_json() == _plain_json(result)
    assert '"matches": [],' in result.to_json()


ids = st.lists(st.text(max_size=12), max_size=3)
matches = st.builds(
    Match,
    mentors=ids.map(tuple),
    mentees=ids.map(tuple),
    score=st.floats(allow_nan=True, allow_infinity=True),
    explanation=st.lists(st.text(), max_size=4).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(found=st.lists(matches, max_size=5), reason=st.text())
def test_any_text_and_score_is_written_as_json_dumps_writes(
    found: list[Match], reason: str
) -> None:
    result = MatchResult(
        matches=tuple(found),
        unmatched=(Unmatched("x", reason),),
        matched=len(found),
        total_score=1.5,
        optimality=Optimality(True, 0.0),
        stats={"mode": "one_to_many", "rounds": [{"round": 0}], "note": reason},
    )
    text = result.to_json()
    assert text == _plain_json(result)
    if all(math.isfinite(m.score) for m in found):
        assert json.loads(text)["matches"] == [m.to_dict() for m in found]


def test_remembered_phrases_are_the_phrases(round_input: MatchInput) -> None:
    scorer = Scorer(round_input)
    rng = np.random.default_rng(3)
    e = rng.integers(0, scorer.n_mentees, 3000)
    r = rng.integers(0, scorer.n_mentors, 3000)
    memo: Phrases = {}
    names = {m.id: f"Mentor “{m.id}”" for m in scorer.mentors[::2]}
    for components, mentee, mentor in zip(
        scorer.components_many(e, r),
        (scorer.mentees[i] for i in e),
        (scorer.mentors[j] for j in r),
        strict=True,
    ):
        plain = explain_pair(components, mentee, mentor, AT, names)
        assert explain_pair(components, mentee, mentor, AT, names, memo=memo) == plain
    assert 0 < len(memo) < 3 * 3000  # sentences were shared


def _roster(*answers: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD)
    first = raw["participants"][0]
    raw["participants"] = [
        {**first, "id": f"p{n}", "answers": {**first["answers"], **extra}}
        for n, extra in enumerate(answers)
    ]
    raw["history"] = []
    return raw


def test_equal_answers_are_separate_lists(program: Program) -> None:
    roster = parse_roster(_roster({}, {}), program)
    one, two = (c.answers["topics_wanted"] for c in roster.candidates)
    assert one == two == ["career"]
    assert one is not two  # one participant's answer never aliases another's


@pytest.mark.parametrize(
    ("key", "first", "second", "words"),
    [
        ("years_experience", 1, True, "Please give a number"),  # True == 1, not as an answer
        ("topics_wanted", ["career"], [["career"]], "Please pick from the options"),
        ("topics_wanted", ["career"], [{"a": 1}], "Please pick from the options"),
    ],
)
def test_a_remembered_answer_never_lets_a_different_one_through(
    program: Program, key: str, first: Any, second: Any, words: str
) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(_roster({key: first}, {key: second}), program)
    assert "participant #2 ('p1')" in str(caught.value)
    assert words in str(caught.value)


def test_a_refused_answer_is_refused_where_it_first_appears(program: Program) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(_roster({}, {"languages": ["xx"]}, {"languages": ["xx"]}), program)
    assert "participant #2 ('p1')" in str(caught.value)


def test_int_and_float_answers_stay_as_validated(program: Program) -> None:
    roster = parse_roster(
        _roster({"years_experience": 3}, {"years_experience": 3.0}, {"years_experience": 3.5}),
        program,
    )
    got = [c.answers["years_experience"] for c in roster.candidates]
    assert got == [3, 3, 3.5]
    assert [type(v) for v in got] == [int, int, float]

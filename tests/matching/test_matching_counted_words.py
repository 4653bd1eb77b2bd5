"""Counts read right: '1 cell', 'only 1 option', 'Ana, Ben and Chen', 'your one mentee place'."""

from __future__ import annotations

import copy

import pytest
from conftest import TEST_PROGRAM

from core.content import listing, plural_noun
from core.matching import RosterError, parse_roster_csv
from core.programs.program import Program, ProgramError, parse_program
from core.rounds.requests import places_taken


def test_a_short_roster_row_counts_its_cells(program: Program) -> None:
    with pytest.raises(RosterError) as refused:
        parse_roster_csv("id,role,languages\nana\n", program)
    assert str(refused.value) == "roster: row 2: has 1 cell, the header has 3 columns"


def test_too_few_options_for_max_choices_says_option_once() -> None:
    raw = copy.deepcopy(TEST_PROGRAM)
    raw["questions"][0].update(options=["career"], max_choices=2)
    with pytest.raises(ProgramError) as refused:
        parse_program(raw, "t")
    assert "max_choices is 2 but there is only 1 option" in str(refused.value)


def test_names_are_listed_as_a_sentence_lists_them() -> None:
    assert listing(["Ana"]) == "Ana"
    assert listing(["Ana", "Ben"]) == "Ana and Ben"
    assert listing(["Ana", "Ben", "Chen"]) == "Ana, Ben and Chen"


def test_a_full_mentor_is_told_with_the_right_count() -> None:
    assert places_taken(1) == "Your one mentee place is taken."
    assert places_taken(3) == "All your 3 mentee places are taken."


def test_a_question_id_is_made_plural_as_english_does() -> None:
    words = ["department", "country", "branch", "day", "campus", "team"]
    assert [plural_noun(w) for w in words] == [
        "departments", "countries", "branches", "days", "campuses", "teams"
    ]  # fmt: skip

"""Input the database would refuse (NUL, lone surrogates) and rosters that break the program's
limits are refused at validation, with the participant, field and reason named."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from core.matching import RosterError, parse_roster, parse_roster_csv
from core.onboarding.roster_import import target_problem
from core.programs.answers import InvalidAnswer, parse_text_answer, validate_answer
from core.programs.program import Program, load_program

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program(ROOT / "programs" / "default.yaml")


SHARED = {"languages": ["en"], "timezone": "Europe/Berlin", "communication": ["chat"],
          "availability": "regular", "bio": "Hello."}  # fmt: skip
ROSTER: dict[str, Any] = {
    "participants": [
        {"id": "ana", "role": "mentee",
         "answers": {**SHARED, "topics_wanted": ["career"], "goals": "Grow.",
                     "years_experience": 1}},
        {"id": "ben", "role": "mentor", "capacity": 2,
         "answers": {**SHARED, "topics_offered": ["career"], "mentee_capacity": 2,
                     "years_experience": 9}},
        {"id": "cy", "role": "both",
         "answers": {**SHARED, "topics_wanted": ["design"], "topics_offered": ["career"],
                     "goals": "Lead.", "mentee_capacity": 1, "years_experience": 5}},
    ],
    "history": [["ana", "ben"]],
    "declined": [["ana", "cy"]],
}  # fmt: skip


def changed(mutate: Any) -> dict[str, Any]:
    raw = copy.deepcopy(ROSTER)
    mutate(raw)
    return raw


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello\x00world", "NUL character (at position 6)"),
        ("Smile \ud83d please", "broken character (U+D83D"),
        ("\udfff", "broken character (U+DFFF"),
    ],
)
def test_answers_the_database_would_refuse_are_refused(
    program: Program, text: str, words: str
) -> None:
    bio = program.question("bio")
    with pytest.raises(InvalidAnswer, match=re.escape(words)):
        validate_answer(bio, text)
    with pytest.raises(InvalidAnswer, match=re.escape(words)):
        parse_text_answer(bio, text)
    with pytest.raises(InvalidAnswer, match="NUL"):
        validate_answer(program.question("timezone"), "Europe/Berlin\x00")
    assert validate_answer(bio, "Smile 😀 please") == "Smile 😀 please"


def test_the_good_roster_is_accepted(program: Program) -> None:
    roster = parse_roster(ROSTER, program, "r.json")
    assert roster.history == frozenset({("ana", "ben")})
    assert roster.declined == frozenset({("ana", "cy")})


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda r: r["participants"][0]["answers"].update(goals="Grow\x00."),
         ["participant #1 ('ana')", "answers.goals", "NUL character"]),
        (lambda r: r["participants"][1]["answers"].update(bio="\ud800"),
         ["participant #2 ('ben')", "answers.bio", "broken character"]),
        (lambda r: r["participants"][0].update(id="ana\x00"),
         ["participant #1", "id", "NUL character"]),
        (lambda r: r["participants"][1].update(capacity=5),
         ["participant #2 ('ben')", "capacity", "5 is above the program's maximum capacity of 4"]),
        (lambda r: r.update(history=[["ben", "ana"]]),
         ["history entry #1", "'ben' is not a mentee", "[mentee_id, mentor_id]"]),
        (lambda r: r.update(declined=[["cy", "ana"]]),
         ["declined entry #1", "'ana' is not a mentor"]),
    ],
)  # fmt: skip
def test_rosters_breaking_the_limits_name_row_and_field(
    program: Program, mutate: Any, words: list[str]
) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(changed(mutate), program, "r.json")
    message = str(caught.value)
    assert message.startswith("r.json: ")
    for word in words:
        assert word in message


def test_a_csv_cell_with_nul_is_refused(program: Program) -> None:
    header = "id,role,topics_wanted,goals,languages,timezone,years_experience,communication,"
    header += "availability,bio"
    row = "ana,mentee,career,Grow\x00,en,Europe/Berlin,1,chat,regular,Hi"
    with pytest.raises(RosterError, match=r"r\.csv: row 2 \('ana'\): answers\.goals: .*NUL"):
        parse_roster_csv(f"{header}\n{row}\n", program, "r.csv")


@pytest.mark.parametrize(
    ("platform", "workspace", "words"),
    [
        ("shell", "", "--workspace is empty"),
        ("shell", "  ", "--workspace is empty"),
        ("", "local", "--platform is empty"),
        ("shell", "T\x00", "--workspace 'T\\x00': It contains an invisible NUL"),
    ],
)
def test_an_import_target_must_name_a_workspace(platform: str, workspace: str, words: str) -> None:
    assert words in (target_problem(platform, workspace) or "")
    assert target_problem("shell", "local") is None

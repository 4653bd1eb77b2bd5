"""Roster files: JSON and CSV, and a precise message for every kind of bad roster."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from core.matching import RosterError, load_roster, parse_roster, parse_roster_csv
from core.programs.program import Program, Role

GOOD: dict[str, Any] = {
    "participants": [
        {"id": "ana", "role": "mentee",
         "answers": {"topics_wanted": ["career"], "languages": ["en"], "timezone": "utc",
                     "years_experience": 2}},
        {"id": "bo", "role": "mentor", "capacity": 2,
         "answers": {"topics_offered": ["career", "python"], "languages": ["en", "es"],
                     "timezone": "Europe/Berlin", "years_experience": 9}},
        {"id": "cy", "role": "both",
         "answers": {"topics_wanted": ["design"], "topics_offered": ["career"], "languages": ["fr"],
                     "timezone": "+05:30", "years_experience": 4}},
    ],
    "history": [["ana", "cy"]],
}  # fmt: skip


def bad(mutate: Any) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD)
    mutate(raw)
    return raw


def test_good_json_roster(program: Program) -> None:
    roster = parse_roster(GOOD, program)
    by_id = {c.id: c for c in roster.candidates}
    assert by_id["ana"].answers["timezone"] == "+00:00"
    assert by_id["bo"].capacity == 2
    assert by_id["cy"].roles == frozenset({Role.MENTOR, Role.MENTEE})
    assert by_id["cy"].capacity == 1  # program default
    assert roster.history == frozenset({("ana", "cy")})


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda r: r["participants"][0]["answers"].update(shoe_size=42),
         ["participant #1 ('ana')", "answers.shoe_size", "unknown question id"]),
        (lambda r: r["participants"][0]["answers"].update(languages=["klingon"]),
         ["participant #1 ('ana')", "answers.languages", "'klingon' is not one of the options"]),
        (lambda r: r["participants"][0]["answers"].update(topics_offered=["career"]),
         ["participant #1 ('ana')", "answers.topics_offered", "not asked to a mentee"]),
        (lambda r: r["participants"][1].update(id="ana"),
         ["participant #2 ('ana')", "id: duplicate id", "participant #1"]),
        (lambda r: r["participants"][1].update(capacity=-1),
         ["participant #2 ('bo')", "capacity", "negative"]),
        (lambda r: r["participants"][1].update(role="coach"),
         ["participant #2 ('bo')", "role", "unknown role 'coach'"]),
        (lambda r: r.update(history=[["ana"]]), ["history entry #1", "[mentee_id, mentor_id]"]),
        (lambda r: r.update(history=[["ana", "zed"]]),
         ["history entry #1", "'zed' is not a participant"]),
        (lambda r: r["participants"][0]["answers"].pop("languages"),
         ["participant #1 ('ana')", "answers.languages", "needs an answer"]),
    ],
)  # fmt: skip
def test_bad_json_rosters_name_the_participant_and_field(
    program: Program, mutate: Any, words: list[str]
) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(bad(mutate), program, "r.json")
    for word in words:
        assert word in str(caught.value)
    assert str(caught.value).startswith("r.json: ")


CSV = """id,role,capacity,topics_wanted,topics_offered,languages,timezone,years_experience
ana,mentee,,career|python,,en;es,Europe/Berlin,2
bo,mentor,3,,career;python,es,+01:00,10
"""


def test_csv_roster(program: Program) -> None:
    roster = parse_roster_csv(CSV, program)
    ana, bo = roster.candidates
    assert ana.answers["topics_wanted"] == ["career", "python"]
    assert ana.answers["languages"] == ["en", "es"]
    assert ana.answers["years_experience"] == 2
    assert bo.capacity == 3
    assert bo.answers["topics_offered"] == ["career", "python"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (CSV.replace("timezone,", "tz,"), ["header column 7 'tz'", "unknown question id"]),
        (CSV.replace("en;es", "en;xx"), ["row 2 ('ana')", "answers.languages", "'xx'"]),
        (CSV.replace(",3,", ",-3,"), ["row 3 ('bo')", "capacity", "negative"]),
        (CSV.replace("bo,mentor", "ana,mentor"), ["row 3 ('ana')", "duplicate id"]),
        (CSV.replace("bo,mentor", "bo,boss"), ["row 3 ('bo')", "role"]),
        (CSV + "cy,mentee\n", ["row 4", "cells"]),
    ],
)
def test_bad_csv_rosters_name_the_row_and_field(
    program: Program, text: str, words: list[str]
) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster_csv(text, program, "r.csv")
    for word in words:
        assert word in str(caught.value)


def test_load_roster_reports_bad_json(program: Program, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"participants": [', encoding="utf-8")
    with pytest.raises(RosterError, match="not valid JSON at line 1"):
        load_roster(path, program)

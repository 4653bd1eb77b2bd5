"""Broken program files each give an error naming the file, the question and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.programs.program import Mode, ProgramError, load_program, load_programs

ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "id": "pilot",
    "name": "Pilot",
    "policy": "Be kind.",
    "questions": [
        {
            "id": "wanted",
            "ask": "mentee",
            "kind": "multi_choice",
            "prompt": "Topics?",
            "options": ["a", "b", "c"],
            "match": {"rule": "overlap", "with": "offered", "weight": 2},
        },
        {
            "id": "offered",
            "ask": "mentor",
            "kind": "multi_choice",
            "prompt": "Topics?",
            "options": ["a", "b", "c"],
        },
        {
            "id": "tz",
            "ask": "both",
            "kind": "timezone",
            "prompt": "Timezone?",
            "match": {"rule": "timezone", "max_gap_hours": 6},
        },
    ],
}


def variant(path: str, value: object) -> dict:
    """BASE with one change: `questions.0.kind` = value (None deletes the key)."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is None:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


BROKEN = [
    (
        variant("questions.0.prompt_mentor", "Which topics do you offer?"),
        ["question 'wanted'", "'prompt_mentor' is set but the question is asked of mentees only"],
    ),
    (variant("questions.0.kind", "essay"), ["question 'wanted': kind", "'single_choice'"]),
    (
        variant("questions.1.id", "wanted"),
        ["question 'wanted': id is used by two questions"],
    ),
    (
        variant("questions.0.match.with", "offerd"),
        ["question 'wanted'", "names question 'offerd', which does not exist"],
    ),
    (
        variant("questions.1.options", None),
        ["question 'offered'", "needs a non-empty 'options' list"],
    ),
    (
        variant("questions.0.match.weight", -1),
        ["question 'wanted': match.weight", "greater than 0"],
    ),
    (variant("questions.0.match.weight", "heavy"), ["question 'wanted': match.weight", "number"]),
    (
        variant("questions.0.max_choices", 5),
        ["question 'wanted'", "max_choices is 5 but there are only 3 options"],
    ),
    (variant("questions.1.options", ["a", "a"]), ["question 'offered'", "'a' is listed twice"]),
    (
        variant("questions.2.match", {"rule": "timezone"}),
        ["question 'tz'", "needs max_gap_hours"],
    ),
    (
        variant("questions.2.ask", "mentee"),
        ["question 'tz'", "'ask' must be 'both'"],
    ),
    (variant("questions.0.ask", "everyone"), ["question 'wanted': ask"]),
    (variant("questions.1.max_length", 20), ["question 'offered'", "only applies to text"]),
    (variant("questions.0.id", "Bad Id"), ["question 'Bad Id': id", "not a valid id"]),
    (variant("mode", "group"), ["mode 'group' needs a 'group' section"]),
    (variant("policy", None), ["policy: this field is missing; add it"]),
    (variant("questions.0.match.rule", "similar"), ["question 'wanted': match.rule"]),
    (
        variant("questions.0.colour", "red"),
        ["question 'wanted': colour", "unknown field; remove it or check its spelling"],
    ),
    (
        {**BASE, "capacity": {"question": "tz"}},
        ["question 'tz': the capacity question must be a number question asked to mentors"],
    ),
]


@pytest.mark.parametrize(("data", "expected"), BROKEN)
def test_broken_program_gives_precise_error(
    tmp_path: Path, data: dict, expected: list[str]
) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ProgramError) as caught:
        load_program(file)
    message = str(caught.value)
    assert message.startswith(str(file))
    for fragment in expected:
        assert fragment in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("id: x\nname: [unclosed\npolicy: y\n")
    with pytest.raises(ProgramError, match=r"bad\.yaml: not valid YAML at line \d+"):
        load_program(file)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="cannot read the file"):
        load_program(tmp_path / "nope.yaml")
    with pytest.raises(ProgramError, match=r"nope: no such file or folder .* MENTORBOT_PROGRAMS"):
        load_programs([tmp_path / "nope"])
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(ProgramError, match="expected a mapping"):
        load_program(listing)


def test_duplicate_program_ids_across_files(tmp_path: Path) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(BASE))
    with pytest.raises(ProgramError, match="program id 'pilot' is already used"):
        load_programs([tmp_path])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ProgramError, match="no program files"):
        load_programs([empty])


def test_bundled_program_is_valid_and_every_matching_question_has_a_rule() -> None:
    program = load_program(ROOT / "programs" / "default.yaml")
    assert program.mode is Mode.ONE_TO_MANY
    assert "one-to-one" not in program.description.lower()  # it says what the mode does
    assert "several mentees" in program.description
    rules = {q.id: q.match.rule.value for q in program.questions if q.match}
    assert rules == {
        "topics_wanted": "overlap",
        "languages": "same",
        "timezone": "timezone",
        "years_experience": "min_gap",
        "communication": "same",
        "availability": "same",
    }
    assert "within a few days" in program.policy
    assert "active role" in program.policy
    assert "trust and respect" in program.policy
    assert program.capacity_for({"mentee_capacity": 9}) == program.capacity.maximum

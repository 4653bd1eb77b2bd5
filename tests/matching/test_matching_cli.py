"""`run_match` end to end on roster files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from conftest import TEST_PROGRAM
from test_matching_roster import CSV, GOOD

from bot.match_cli import run_match

AT = datetime(2025, 1, 15, tzinfo=UTC)


@pytest.fixture
def program_file(tmp_path: Path) -> Path:
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(TEST_PROGRAM), encoding="utf-8")
    return path


def test_json_roster_end_to_end(
    program_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(GOOD), encoding="utf-8")
    out = tmp_path / "out.json"
    assert run_match(program_file, roster, out, show_progress=True, at=AT) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["objective"]["matched"] == 1
    assert result["matches"][0]["mentors"] == ["bo"]
    assert result["matches"][0]["mentees"] == ["ana"]
    assert result["optimality"]["proven"] is True
    assert {u["id"] for u in result["unmatched"]} == {"cy"}
    assert "1 matched" in capsys.readouterr().out
    first = out.read_bytes()
    assert run_match(program_file, roster, out, show_progress=False, at=AT) == 0
    assert out.read_bytes() == first


def test_csv_roster_end_to_end(program_file: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out.json"
    assert run_match(program_file, roster, out, show_progress=False, at=AT, timings=True) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["objective"]["matched"] == 1
    assert "timings_s" in result["stats"]


def test_bad_roster_exits_2_with_the_field(
    program_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.json"
    broken = json.loads(json.dumps(GOOD))
    broken["participants"][1]["capacity"] = -2
    roster.write_text(json.dumps(broken), encoding="utf-8")
    out = tmp_path / "out.json"
    assert run_match(program_file, roster, out, show_progress=False) == 2
    err = capsys.readouterr().err
    assert "participant #2 ('bo')" in err
    assert "capacity" in err
    assert not out.exists()


def test_bad_program_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "p.yaml"
    program.write_text("id: [", encoding="utf-8")
    assert run_match(program, tmp_path / "r.json", tmp_path / "o.json", show_progress=False) == 2
    assert "not valid YAML" in capsys.readouterr().err

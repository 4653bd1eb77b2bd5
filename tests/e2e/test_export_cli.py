"""`mentorbot export` through the real CLI, and the round trip of issue 9: what an export
writes, `roster import` and `match` read back."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from test_roster_cli import PROGRAM, ROSTER, cli

TRICKY = "=SUM(A1:A9) and +more"  # a bio a spreadsheet would run as a formula


def roster_with_formula(tmp_path: Path) -> Path:
    raw = json.loads(json.dumps(ROSTER))
    raw["participants"][0]["answers"]["bio"] = TRICKY
    raw["participants"][2]["answers"]["timezone"] = "-05:00"
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(raw))
    return path


def participants(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.read("participants.csv").decode("utf-8")


def test_export_then_import_and_match_read_it_back(tmp_path: Path) -> None:
    roster = roster_with_formula(tmp_path)
    imported = cli(tmp_path, "roster", "import", "--program", "mentoring", "--roster", str(roster))
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "export.zip"
    result = cli(tmp_path, "export", "--program", "mentoring", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "4 participants, 1 match" in result.stdout  # the roster's history pair
    text = participants(out)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["ana"]["bio"] == "'" + TRICKY  # neutralised for spreadsheets
    assert rows["ben"]["timezone"] == "'-05:00"
    assert rows["ben"]["topics_offered"] == "career;design"  # values, one separator
    exported_roster = tmp_path / "participants.csv"
    exported_roster.write_text(text, encoding="utf-8")

    again = cli(
        tmp_path, "roster", "import", "--program", "mentoring", "--roster", str(exported_roster)
    )
    assert again.returncode == 0, again.stderr
    assert "0 new, 4 updated" in again.stdout
    second = tmp_path / "second.zip"
    assert cli(tmp_path, "export", "--program", "mentoring", "--out", str(second)).returncode == 0
    assert participants(second) == text  # importing the export changed nobody's answers

    result_json = tmp_path / "match.json"
    matched = cli(
        tmp_path,
        "match",
        "--program",
        str(PROGRAM),
        "--roster",
        str(exported_roster),
        "--out",
        str(result_json),
        "--no-progress",
    )
    assert matched.returncode == 0, matched.stderr
    assert json.loads(result_json.read_text())["objective"]["matched"] == 2

    anonymous = tmp_path / "anonymous.zip"
    result = cli(
        tmp_path, "export", "--program", "mentoring", "--anonymised", "--out", str(anonymous)
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(anonymous) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
        audit = list(csv.DictReader(io.StringIO(archive.read("audit.csv").decode())))
    assert "SUM" not in everything
    assert "Grow." not in everything
    assert [a["action"] for a in audit] == ["export", "export", "export"]


def test_export_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    unknown = cli(tmp_path, "export", "--program", "nope", "--out", str(tmp_path / "x.zip"))
    assert unknown.returncode == 2
    assert "no program 'nope'" in unknown.stderr
    folder = cli(tmp_path, "export", "--program", "mentoring", "--out", str(tmp_path))
    assert folder.returncode == 2
    assert "is a folder" in folder.stderr
    missing = tmp_path / "no" / "such" / "x.zip"
    parent = cli(tmp_path, "export", "--program", "mentoring", "--out", str(missing))
    assert parent.returncode == 2
    assert "create the folder first" in parent.stderr
    empty = cli(tmp_path, "export", "--program", "mentoring", "--out", str(tmp_path / "x.zip"))
    assert empty.returncode == 2
    assert "has no data in shell workspace 'local' yet" in empty.stderr
    for result in (unknown, folder, parent, empty):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2

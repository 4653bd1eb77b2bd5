"""`mentorbot roster import` and `mentorbot match` through the real CLI and a shell session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "default.yaml"
SHARED = {
    "languages": ["en"],
    "timezone": "Europe/Berlin",
    "communication": ["chat"],
    "availability": "regular",
    "bio": "Hello.",
}


def person(pid: str, role: str, **answers: object) -> dict:
    years = 10 if role == "mentor" else 1
    return {"id": pid, "role": role, "answers": {**SHARED, "years_experience": years, **answers}}


ROSTER = {
    "participants": [
        person("ana", "mentee", topics_wanted=["career"], goals="Grow."),
        person("cy", "mentee", topics_wanted=["design"], goals="Design."),
        person("ben", "mentor", topics_offered=["career", "design"], mentee_capacity=1),
        person("eve", "mentor", topics_offered=["career"], mentee_capacity=1),
    ],
    "history": [["ana", "ben"]],
}


def cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        MENTORBOT_PROGRAMS=str(PROGRAM),
        MENTORBOT_ADAPTERS="shell",
        MENTORBOT_LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_roster_import_then_a_round_in_the_shell(tmp_path: Path) -> None:
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(ROSTER))
    imported = cli(tmp_path, "roster", "import", "--program", "mentoring", "--roster", str(roster))
    assert imported.returncode == 0, imported.stderr
    assert "imported 4 participants" in imported.stdout
    assert "4 new, 0 updated; 1 earlier pair)" in imported.stdout  # one pair, singular
    again = cli(tmp_path, "roster", "import", "--program", "mentoring", "--roster", str(roster))
    assert "0 new, 4 updated" in again.stdout
    session = cli(tmp_path, "run", stdin="/as coordinator\n/mentor admin match preview\n")
    out = session.stdout
    assert "2 of 2 mentees matched" in out
    assert "eve & ana" in out  # Ben and Ana were a pair before
    assert "ben & cy" in out


def test_a_bad_roster_row_imports_nothing(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(ROSTER))
    bad["participants"][2]["answers"]["topics_offered"] = ["juggling"]
    roster = tmp_path / "bad.json"
    roster.write_text(json.dumps(bad))
    result = cli(tmp_path, "roster", "import", "--program", "mentoring", "--roster", str(roster))
    assert result.returncode == 2
    assert "ben" in result.stderr
    assert "topics_offered" in result.stderr
    session = cli(tmp_path, "run", stdin="/as coordinator\n/mentor admin status\n")
    assert "mentees: 0 active" in session.stdout


def test_offline_match_writes_the_design_format(tmp_path: Path) -> None:
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(ROSTER))
    out = tmp_path / "out.json"
    result = cli(
        tmp_path, "match", "--program", str(PROGRAM), "--roster", str(roster), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert set(data) == {"matches", "unmatched", "objective", "optimality", "stats"}
    assert data["objective"]["matched"] == 2
    assert data["optimality"]["proven"] is True
    pairs = {(m["mentees"][0], m["mentors"][0]) for m in data["matches"]}
    assert pairs == {("ana", "eve"), ("cy", "ben")}

"""A seeded synthetic roster on the bundled program, with a little realism.

People live in regions; a region fixes the likely timezones and languages, so required rules
(shared language, at most 6 h apart) exclude a realistic share of pairs. Topics are skewed: a few
are popular with mentees and rarer with mentors, so capacity is contested and greedy choices hurt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.matching.model import Candidate
from core.programs.program import Program, Role

REGIONS: list[tuple[float, list[str], list[tuple[str, float]]]] = [
    # (share, timezones, [(language, probability)])
    (0.30, ["Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Madrid"],
     [("en", 0.9), ("de", 0.3), ("fr", 0.3), ("es", 0.25)]),
    (0.25, ["America/New_York", "America/Chicago", "America/Los_Angeles"],
     [("en", 1.0), ("es", 0.3)]),
    (0.15, ["America/Sao_Paulo", "America/Mexico_City", "America/Bogota"],
     [("es", 0.7), ("pt", 0.5), ("en", 0.6)]),
    (0.15, ["Asia/Kolkata", "Asia/Kathmandu"], [("hi", 0.7), ("en", 0.9)]),
    (0.15, ["Asia/Shanghai", "Asia/Singapore", "Australia/Sydney"], [("zh", 0.6), ("en", 0.8)]),
]  # fmt: skip
TOPICS = ["career", "leadership", "public-speaking", "engineering", "design",
          "entrepreneurship", "work-life"]  # fmt: skip
MENTEE_TOPIC_WEIGHTS = [0.26, 0.18, 0.10, 0.20, 0.08, 0.08, 0.10]
MENTOR_TOPIC_WEIGHTS = [0.18, 0.14, 0.12, 0.22, 0.12, 0.12, 0.10]


@dataclass(frozen=True)
class RosterSpec:
    mentees: int
    mentors: int
    capacity: int
    seed: int = 1


def _pick(rng: np.random.Generator, weights: list[float], low: int, high: int) -> list[str]:
    count = int(rng.integers(low, high + 1))
    chosen = rng.choice(len(TOPICS), size=count, replace=False, p=np.array(weights))
    return [TOPICS[i] for i in sorted(chosen)]


def _person(rng: np.random.Generator, role: Role, capacity: int) -> dict[str, Any]:
    region = REGIONS[rng.choice(len(REGIONS), p=[r[0] for r in REGIONS])]
    timezones, languages = region[1], region[2]
    spoken = [lang for lang, p in languages if rng.random() < p] or [languages[0][0]]
    answers: dict[str, Any] = {
        "languages": spoken[:4],
        "timezone": timezones[int(rng.integers(len(timezones)))],
        "communication": sorted(
            rng.choice(["chat", "email", "video"], size=int(rng.integers(1, 3)), replace=False)
        ),
        "availability": ["light", "regular", "intensive"][int(rng.choice(3, p=[0.3, 0.5, 0.2]))],
        "bio": "Synthetic participant.",
    }
    if role is Role.MENTEE:
        answers["topics_wanted"] = _pick(rng, MENTEE_TOPIC_WEIGHTS, 1, 3)
        answers["goals"] = "Grow."
        answers["years_experience"] = int(rng.integers(0, 11))
    else:
        answers["topics_offered"] = _pick(rng, MENTOR_TOPIC_WEIGHTS, 1, 5)
        answers["mentee_capacity"] = capacity
        answers["years_experience"] = int(rng.integers(3, 31))
    return answers


def generate(spec: RosterSpec) -> list[dict[str, Any]]:
    """Roster participants as roster JSON rows (`id`, `role`, `capacity`, `answers`)."""
    rng = np.random.default_rng(spec.seed)
    rows: list[dict[str, Any]] = []
    width = len(str(max(spec.mentees, spec.mentors)))
    for n in range(spec.mentees):
        rows.append({"id": f"e{n:0{width}d}", "role": "mentee",
                     "answers": _person(rng, Role.MENTEE, spec.capacity)})  # fmt: skip
    for n in range(spec.mentors):
        rows.append({"id": f"r{n:0{width}d}", "role": "mentor", "capacity": spec.capacity,
                     "answers": _person(rng, Role.MENTOR, spec.capacity)})  # fmt: skip
    return rows


def candidates(spec: RosterSpec) -> list[Candidate]:
    """The generated roster as engine candidates (answers are valid by construction)."""
    out = []
    for row in generate(spec):
        role = Role(row["role"])
        capacity = int(row.get("capacity", 0)) if role is Role.MENTOR else 0
        out.append(Candidate(row["id"], frozenset({role}), capacity, row["answers"]))
    return out


def write_roster(spec: RosterSpec, path: Path) -> None:
    path.write_text(json.dumps({"participants": generate(spec), "history": []}), encoding="utf-8")


def group_program(base: Program, low: int = 4, high: int = 6) -> Program:
    """The bundled program switched to group mode with cohorts of `low`–`high`."""
    raw = base.model_dump(by_alias=True)
    raw["mode"] = "group"
    raw["group"] = {"min": low, "max": high}
    return Program.model_validate(raw)

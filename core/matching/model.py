"""Inputs and outputs of the matching engine: plain dataclasses, no behaviour beyond formatting."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from core.programs.program import Program, Role

Progress = Callable[[str, int, int], None]
"""`progress(phase, done, total)`: called while a phase runs so a caller can draw a bar."""

SCORE_DECIMALS = 4
"""Scores in the output are rounded to this many decimals, so output is byte-stable."""


class GroupTooLarge(ValueError):
    """More mentees than group mode handles in one round (see `groups.PEER_LIMIT`)."""


@dataclass(frozen=True)
class Candidate:
    """A participant who can be matched: their roles, mentor capacity and validated answers."""

    id: str
    roles: frozenset[Role]
    capacity: int
    answers: Mapping[str, Any]

    @property
    def is_mentee(self) -> bool:
        return Role.MENTEE in self.roles

    @property
    def is_mentor(self) -> bool:
        return Role.MENTOR in self.roles


@dataclass(frozen=True)
class MatchInput:
    """Everything one matching round needs.

    `history` and `declined` hold (mentee id, mentor id) pairs that must not be matched again.
    `at` is the moment timezone offsets are taken at (DST-aware). `unavailable` maps the ids of
    people the caller left out (paused, incomplete profile, ...) to the reason they are told.
    `names` optionally maps ids to display names for explanations.
    """

    program: Program
    candidates: Sequence[Candidate]
    at: datetime
    history: frozenset[tuple[str, str]] = frozenset()
    declined: frozenset[tuple[str, str]] = frozenset()
    unavailable: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """A pair (one-to-one, one-to-many) or a cohort (group mode) with its score and reasons."""

    mentors: tuple[str, ...]
    mentees: tuple[str, ...]
    score: float
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentors": list(self.mentors),
            "mentees": list(self.mentees),
            "score": round(self.score, SCORE_DECIMALS),
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class Unmatched:
    id: str
    reason: str


@dataclass(frozen=True)
class Optimality:
    """`proven`: the objective is optimal for the whole pool; `gap`: relative score gap bound."""

    proven: bool
    gap: float


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]
    matched: int
    total_score: float
    optimality: Optimality
    stats: Mapping[str, Any]
    timings: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self, *, timings: bool = False) -> dict[str, Any]:
        """The output of `mentorbot match` (docs/architecture.md); timings only on request."""
        stats = dict(self.stats)
        if timings:
            stats["timings_s"] = {name: round(value, 3) for name, value in self.timings.items()}
        return {
            "matches": [m.to_dict() for m in self.matches],
            "unmatched": [{"id": u.id, "reason": u.reason} for u in self.unmatched],
            "objective": {
                "matched": self.matched,
                "total_score": round(self.total_score, SCORE_DECIMALS),
            },
            "optimality": {
                "proven": self.optimality.proven,
                "gap": round(self.optimality.gap, 9),
            },
            "stats": stats,
        }

    def to_json(self, *, timings: bool = False) -> str:
        """`to_dict` as `json.dumps(..., indent=2, ensure_ascii=False)` writes it, byte for byte.

        The matches, most of a large round's output, are written straight from the dataclasses
        (the stdlib's indenting encoder is pure Python: 3× slower on 10,000 matches).
        """
        shape = self.to_dict(timings=timings)
        shape["matches"] = []
        text = json.dumps(shape, indent=2, ensure_ascii=False)
        if self.matches:
            items = ",\n    ".join(_match_json(m) for m in self.matches)
            text = text.replace('"matches": []', f'"matches": [\n    {items}\n  ]', 1)
        return text + "\n"


_FIELD = "\n      "


def _strings(items: Sequence[str]) -> str:
    """A list of text at the depth of a match's fields, as the indenting encoder writes it."""
    if not items:
        return "[]"
    inner = _FIELD + "  "
    return "[" + inner + ("," + inner).join(map(encode_basestring, items)) + _FIELD + "]"


def _number(value: float) -> str:
    """A float as the encoder writes it (`NaN`, `Infinity` never come from a real round)."""
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)


def _match_json(match: Match) -> str:
    score = float(round(match.score, SCORE_DECIMALS))
    return (
        f'{{{_FIELD}"mentors": {_strings(match.mentors)},{_FIELD}"mentees": '
        f'{_strings(match.mentees)},{_FIELD}"score": {_number(score)},{_FIELD}'
        f'"explanation": {_strings(match.explanation)}\n    }}'
    )

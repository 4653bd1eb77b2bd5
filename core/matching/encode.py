"""Turn candidates' answers into small numeric tables, one per match rule.

Each rule compares one answer of the mentee with one answer of the mentor. Participants give
few distinct answers to a question (a handful of timezones, a few dozen topic combinations), so
every side is reduced to codes into its distinct answers and the rule is evaluated once on the
distinct × distinct grid. Scoring a block of pairs is then a table lookup per rule.

Scores are integers: component values are multiplied by `scale`, chosen as the least common
multiple of the denominators a rule can produce (weights as written, `1/|E|` for overlap,
minutes over `max_gap_hours` for timezones). With that scale every component is an exact
integer, so the solver optimises exactly the score of docs/architecture.md. If the LCM is
unreasonably large (odd weights, huge option lists) a fixed scale of 10^6 is used and `exact`
is False.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

import numpy as np

from core.programs.answers import utc_offset_hours
from core.programs.program import MatchRule, Program, Question, QuestionKind, RuleKind

from .model import Candidate

MAX_EXACT_SCALE = 10**6
TABLE_LIMIT = 1 << 22
"""Rules whose distinct × distinct grid is larger than this are evaluated block by block."""

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Side:
    """The distinct answers one side gave to a question, and each person's code into them."""

    codes: np.ndarray  # int32, one per person
    mask: np.ndarray | None  # bool (distinct, options) for choice questions
    number: np.ndarray | None  # float64 (distinct,), NaN when missing, for other kinds

    @property
    def size(self) -> int:
        return len(self.mask) if self.mask is not None else len(self.number)  # type: ignore[arg-type]

    @property
    def missing(self) -> np.ndarray:
        if self.mask is not None:
            return ~self.mask.any(axis=1)
        assert self.number is not None
        return np.isnan(self.number)


@dataclass(frozen=True)
class RuleTable:
    """One match rule evaluated on distinct answers.

    `values` are component values as floats (for explanations), `feasible` says whether the
    rule lets the pair through, `points` are the scaled integer components with infeasible
    entries set to `neg` so any sum including one is negative.
    """

    question: Question
    partner: Question
    rule: MatchRule
    mentee: Side
    mentor: Side
    values: np.ndarray | None
    feasible: np.ndarray | None
    points: np.ndarray | None
    scale: int
    neg: int
    peer: bool

    def block(self, mentee_codes: np.ndarray) -> np.ndarray:
        """Scaled points for these mentee codes against every distinct mentor answer."""
        if self.points is not None:
            return self.points[mentee_codes]
        values, feasible = evaluate(self.rule, self.mentee, self.mentor, mentee_codes, self.peer)
        return to_points(values, feasible, self.scale, self.neg)

    def column_block(self, mentor_codes: np.ndarray) -> np.ndarray:
        """Scaled points for every distinct mentee answer against these mentor codes."""
        if self.points is not None:
            return self.points[:, mentor_codes]
        mentor = self.mentor
        sub = Side(
            np.arange(len(mentor_codes), dtype=np.int32),
            None if mentor.mask is None else mentor.mask[mentor_codes],
            None if mentor.number is None else mentor.number[mentor_codes],
        )
        every = np.arange(self.mentee.size)
        values, feasible = evaluate(self.rule, self.mentee, sub, every, self.peer)
        return to_points(values, feasible, self.scale, self.neg)

    def pair_values(
        self, e_codes: np.ndarray, r_codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Component values and feasibility for aligned (mentee code, mentor code) arrays."""
        if self.values is not None and self.feasible is not None:
            return self.values[e_codes, r_codes], self.feasible[e_codes, r_codes]
        out_v = np.empty(len(e_codes))
        out_f = np.empty(len(e_codes), dtype=bool)
        for n, (e, r) in enumerate(zip(e_codes, r_codes, strict=True)):
            v, f = evaluate(self.rule, self.mentee, self.mentor, np.array([e]), self.peer)
            out_v[n], out_f[n] = v[0, r], f[0, r]
        return out_v, out_f


def _fraction(value: float) -> Fraction:
    return Fraction(str(value))


def rule_denominator(question: Question, rule: MatchRule) -> int:
    """The least common denominator of every value this rule can give (see module doc)."""
    weight = _fraction(rule.weight)
    if rule.rule is RuleKind.OVERLAP:
        most = question.max_choices or len(question.options)
        return math.lcm(*((weight / size).denominator for size in range(1, most + 1)))
    if rule.rule is RuleKind.TIMEZONE:
        assert rule.max_gap_hours is not None
        return (weight / (60 * _fraction(rule.max_gap_hours))).denominator
    return weight.denominator


def choose_scale(program: Program) -> tuple[int, bool]:
    """(scale, exact): the integer factor applied to every component value."""
    scale = 1
    for question in program.questions:
        if question.match is not None:
            scale = math.lcm(scale, rule_denominator(question, question.match))
    if scale > MAX_EXACT_SCALE:
        return MAX_EXACT_SCALE, False
    return scale, True


def _offset_minutes(value: Any, at: datetime) -> float:
    if not isinstance(value, str):
        return math.nan
    return float(round(utc_offset_hours(value, at) * 60))


def _raw_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def encode_side(
    question: Question, people: list[Candidate], at: datetime, options: list[str] | None = None
) -> Side:
    """Codes and distinct answers of `people` for `question` (missing answers included).

    Choice answers become boolean rows over `options` (default: the question's own values), so
    two questions with different option lists are compared value by value.
    """
    if question.kind.has_options:
        index = {value: n for n, value in enumerate(options or question.option_values())}
        # People repeat a few answers: one mask row per distinct answer, then one per person.
        seen: dict[tuple[str, ...], int] = {}
        first = np.empty(len(people), dtype=np.int64)
        for row, person in enumerate(people):
            answer = person.answers.get(question.id)
            chosen = (answer,) if isinstance(answer, str) else tuple(answer or ())
            first[row] = seen.setdefault(chosen, len(seen))
        mask = np.zeros((len(seen), len(index)), dtype=bool)
        for row, chosen in enumerate(seen):
            for value in chosen:
                if value in index:
                    mask[row, index[value]] = True
        if not people:
            return Side(np.zeros(0, dtype=np.int32), mask, None)
        distinct, codes = np.unique(mask, axis=0, return_inverse=True)
        return Side(codes.reshape(-1)[first].astype(np.int32), distinct, None)
    if question.kind is QuestionKind.TIMEZONE:
        # A roster has a few dozen distinct zones: look each one up once, not once per person.
        offsets: dict[Any, float] = {}
        raw = []
        for person in people:
            value = person.answers.get(question.id)
            key = value if isinstance(value, str) else None
            if key not in offsets:
                offsets[key] = _offset_minutes(value, at)
            raw.append(offsets[key])
    else:
        raw = [_raw_number(p.answers.get(question.id)) for p in people]
    numbers = np.asarray(raw, dtype=np.float64)
    distinct, codes = np.unique(numbers, return_inverse=True)
    return Side(codes.reshape(-1).astype(np.int32), None, distinct)


def evaluate(
    rule: MatchRule, mentee: Side, mentor: Side, mentee_codes: np.ndarray, peer: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The formulas of docs/architecture.md on (some mentee codes) × (all distinct mentor answers).

    Returns float component values and a bool feasibility grid. `peer` compares two mentees
    (group affinity): overlap becomes |A∩B|/|A∪B| and nothing is infeasible.
    """
    weight = rule.weight
    kind = rule.rule
    e_missing = mentee.missing[mentee_codes][:, None]
    r_missing = mentor.missing[None, :]
    present = ~e_missing & ~r_missing
    if mentee.mask is not None and mentor.mask is not None:
        e_mask = mentee.mask[mentee_codes].astype(np.float32)
        r_mask = mentor.mask.astype(np.float32)
        common = e_mask @ r_mask.T
        if kind is RuleKind.OVERLAP:
            asked = e_mask.sum(axis=1)[:, None]
            if peer:
                union = asked + r_mask.sum(axis=1)[None, :] - common
                values = weight * np.divide(
                    common, union, out=np.zeros_like(common), where=union > 0
                )
            else:
                values = weight * np.divide(
                    common, asked, out=np.zeros_like(common), where=asked > 0
                )
            values = values.astype(np.float64)
        elif kind is RuleKind.SAME:
            values = np.where(common > 0, weight, 0.0)
        elif kind is RuleKind.DIFFERENT:
            values = np.where(present & (common == 0), weight, 0.0)
        else:
            raise ValueError(f"rule {kind} cannot compare choice answers")
        feasible = values > 0
    else:
        assert mentee.number is not None
        assert mentor.number is not None
        e = mentee.number[mentee_codes][:, None]
        r = mentor.number[None, :]
        with np.errstate(invalid="ignore"):
            if kind is RuleKind.TIMEZONE:
                assert rule.max_gap_hours is not None
                limit = rule.max_gap_hours * 60
                apart = np.abs(e - r) % MINUTES_PER_DAY
                gap = np.minimum(apart, MINUTES_PER_DAY - apart)
                values = np.where(present, weight * np.maximum(0.0, 1.0 - gap / limit), 0.0)
                feasible = present & (gap <= limit)
            else:
                if kind is RuleKind.SAME:
                    hit = present & (e == r)
                elif kind is RuleKind.DIFFERENT:
                    hit = present & (e != r)
                elif kind is RuleKind.MIN_GAP:
                    assert rule.min_gap is not None
                    hit = present & (r - e >= rule.min_gap)
                else:
                    raise ValueError(f"rule {kind} needs choice answers")
                values = np.where(hit, weight, 0.0)
                feasible = hit
    if peer or not rule.required:
        feasible = np.ones(values.shape, dtype=bool)
    return values, feasible


def to_points(values: np.ndarray, feasible: np.ndarray, scale: int, neg: int) -> np.ndarray:
    points = np.rint(values * scale).astype(np.int64)
    points[~feasible] = neg
    return points


def build_rule(
    question: Question,
    partner: Question,
    rule: MatchRule,
    mentees: list[Candidate],
    mentors: list[Candidate],
    at: datetime,
    scale: int,
    neg: int,
    *,
    peer: bool = False,
) -> RuleTable:
    options = None
    if question.kind.has_options:
        options = list(dict.fromkeys([*question.option_values(), *partner.option_values()]))
    mentee = encode_side(question, mentees, at, options)
    mentor = mentee if peer and mentors is mentees else encode_side(partner, mentors, at, options)
    values = feasible = points = None
    if mentee.size * mentor.size <= TABLE_LIMIT:
        values, feasible = evaluate(rule, mentee, mentor, np.arange(mentee.size), peer)
        points = to_points(values, feasible, scale, neg)
    return RuleTable(
        question, partner, rule, mentee, mentor, values, feasible, points, scale, neg, peer
    )


def matched_rules(program: Program) -> list[tuple[Question, Question, MatchRule]]:
    """(mentee question, mentor question, rule) for every rule, in program order."""
    out = []
    for question in program.questions:
        rule = question.match
        if rule is None:
            continue
        partner = program.question(rule.with_) if rule.rule is RuleKind.OVERLAP else question
        assert rule.with_ is None or partner is not None
        out.append((question, partner, rule))
    return out


def points_dtype(max_points: int, required_rules: int) -> type[np.signedinteger[Any]]:
    """The narrowest integer type that holds any sum of components (see `Scorer`)."""
    low = (required_rules + 1) * (max_points + 1)
    for dtype in (np.int16, np.int32):
        if low <= np.iinfo(dtype).max:
            return dtype
    return np.int64

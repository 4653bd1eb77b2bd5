"""Rule tables fused into a few joint tables, so a block of pairs costs a few lookups.

A pair's points are the sum of one table entry per rule. Rules whose joint answers take few
distinct values together are fused: the mentee side gets a code into the distinct combinations
of its answers to those rules, the mentor side likewise, and the fused table holds the summed
points for every (mentee combination, mentor combination). Scoring a block is then one gather
per fused table instead of one per rule, with exactly the same integer sums.

The partition of rules into fused tables is chosen to need the fewest tables, each at most
`FUSED_LIMIT` cells, then the smallest tables (a block first gathers each table's rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from .encode import RuleTable

FUSED_LIMIT = 1 << 22
"""Cells of one fused table (8 MiB as int16)."""
EXHAUSTIVE_RULES = 8
"""Up to this many rules, every partition is considered; beyond, rules are fused greedily."""


@dataclass(frozen=True)
class Joint:
    """Codes of people into the distinct combinations of their codes for some rules."""

    codes: np.ndarray  # int64 per person
    parts: np.ndarray  # int64 (distinct, rules): each combination's per-rule codes

    @property
    def size(self) -> int:
        return len(self.parts)


@dataclass(frozen=True)
class FusedTable:
    """Summed points of some rules on (mentee combination, mentor combination)."""

    rules: tuple[int, ...]  # positions in the scorer's rule list
    mentee: Joint
    mentor: Joint
    points: np.ndarray  # (mentee.size, mentor.size), the scorer's dtype


def joint_codes(columns: Sequence[np.ndarray], sizes: Sequence[int]) -> Joint:
    """The distinct rows of the code columns (mixed-radix keys, so one 1-D unique)."""
    n = len(columns[0]) if columns else 0
    if math.prod(max(size, 1) for size in sizes) >= 1 << 62:
        stacked = np.stack(columns, axis=1).astype(np.int64)
        rows, inverse = np.unique(stacked, axis=0, return_inverse=True)
        return Joint(inverse.reshape(-1).astype(np.int64), rows)
    key = np.zeros(n, dtype=np.int64)
    for column, size in zip(columns, sizes, strict=True):
        key = key * max(size, 1) + column
    distinct, inverse = np.unique(key, return_inverse=True)
    parts = np.empty((len(distinct), len(columns)), dtype=np.int64)
    rest = distinct.copy()
    for n_col in range(len(columns) - 1, -1, -1):
        size = max(sizes[n_col], 1)
        parts[:, n_col] = rest % size
        rest //= size
    return Joint(inverse.reshape(-1).astype(np.int64), parts)


def fuse(rules: Sequence[RuleTable], dtype: Any, positions: Sequence[int]) -> FusedTable:
    """The fused table of `rules[p]` for p in `positions` (all must have `points`)."""
    chosen = [rules[p] for p in positions]
    mentee = joint_codes([r.mentee.codes for r in chosen], [r.mentee.size for r in chosen])
    mentor = joint_codes([r.mentor.codes for r in chosen], [r.mentor.size for r in chosen])
    points = np.zeros((mentee.size, mentor.size), dtype=dtype)
    for n, rule in enumerate(chosen):
        assert rule.points is not None
        part = rule.points.astype(dtype)[mentee.parts[:, n]]
        points += part[:, mentor.parts[:, n]]
    return FusedTable(tuple(positions), mentee, mentor, points)


def plan(rules: Sequence[RuleTable], limit: int = FUSED_LIMIT) -> list[tuple[int, ...]]:
    """A partition of the rules that have tables into groups whose fused tables fit `limit`."""
    tabled = tuple(n for n, rule in enumerate(rules) if rule.points is not None)
    if not tabled:
        return []

    @cache
    def sizes(group: tuple[int, ...]) -> tuple[int, int]:
        chosen = [rules[p] for p in group]
        e = joint_codes([r.mentee.codes for r in chosen], [r.mentee.size for r in chosen])
        r = joint_codes([r.mentor.codes for r in chosen], [r.mentor.size for r in chosen])
        return e.size, r.size

    def fits(group: tuple[int, ...]) -> bool:
        if len(group) == 1:
            return True  # the rule's own table exists
        bound = 1
        for p in group:
            bound *= rules[p].mentee.size * rules[p].mentor.size
        if bound <= limit:
            return True
        e, r = sizes(group)
        return e * r <= limit

    if len(tabled) > EXHAUSTIVE_RULES:
        return _greedy(tabled, fits)

    @cache
    def best(rest: tuple[int, ...]) -> tuple[int, int, tuple[tuple[int, ...], ...]]:
        """(groups, Σ mentor combinations, partition) of the rules in `rest`, fewest first."""
        if not rest:
            return 0, 0, ()
        first, others = rest[0], rest[1:]
        found: tuple[int, int, tuple[tuple[int, ...], ...]] | None = None
        for mask in range(1 << len(others)):
            group = (first, *(p for n, p in enumerate(others) if mask >> n & 1))
            if not fits(group):
                continue
            remaining = tuple(p for p in others if p not in group)
            count, width, groups = best(remaining)
            option = (count + 1, width + sizes(group)[1], (group, *groups))
            if found is None or option[:2] < found[:2]:
                found = option
        assert found is not None  # a group of one always fits
        return found

    return list(best(tabled)[2])


def _greedy(tabled: tuple[int, ...], fits: Any) -> list[tuple[int, ...]]:
    groups: list[tuple[int, ...]] = []
    for p in tabled:
        for n, group in enumerate(groups):
            if fits((*group, p)):
                groups[n] = (*group, p)
                break
        else:
            groups.append((p,))
    return groups
